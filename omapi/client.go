package omapi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
)

// Config configures a Client.
type Config struct {
	// Address is dhcpd's OMAPI listener, host:port (dhcpd binds IPv4 only).
	Address string
	// Key authenticates the connection; nil connects without a key (dhcpd then
	// serves nothing if it has an omapi-key).
	Key *Key
	// Dial replaces net.Dialer.DialContext, e.g. to reach a server in another
	// network namespace.
	Dial func(ctx context.Context, network, address string) (net.Conn, error)
	// MaxMessageSize caps a reply; 0 means DefaultMaxMessageSize.
	MaxMessageSize int
	// WindowBytes is the reply budget of one pipelined window; 0 means
	// DefaultWindowBytes. Values above 4,000 can crash dhcpd 4.4.3.
	WindowBytes int
	// WindowRequests caps the requests of one window; 0 means DefaultWindowRequests.
	WindowRequests int
	// AllowWrites lets the client send UPDATE, DELETE and OPEN with create,
	// update or exclusive flags. Without it those are refused before sending.
	AllowWrites bool
}

func (cfg *Config) dialer() func(ctx context.Context, network, address string) (net.Conn, error) {
	if cfg.Dial != nil {
		return cfg.Dial
	}
	var d net.Dialer
	return d.DialContext
}

func (cfg *Config) maxMessageSize() int {
	if cfg.MaxMessageSize > 0 {
		return cfg.MaxMessageSize
	}
	return DefaultMaxMessageSize
}

// Stats counts what a Client did, for the exporter's own metrics.
type Stats struct {
	Connects  uint64 // connections established and authenticated
	Requests  uint64 // requests sent
	Windows   uint64 // pipelined windows sent
	Failures  uint64 // windows that failed on the transport or protocol level
	BytesRead uint64 // reply bytes
}

// Client talks to one dhcpd over one connection. It is safe for concurrent
// use: callers take turns window by window, so two callers never pipeline on
// the connection at once. After the server closes the connection the next
// call reconnects and re-authenticates. A read-only window interrupted on a
// connection that had already served requests is retried once on a new one,
// unless it names objects by handle (see ErrReconnected).
type Client struct {
	cfg     Config
	planner *planner

	mu    sync.Mutex // serialises windows; guards c and stats
	c     *conn
	stats Stats
}

// NewClient returns a client; it connects on first use.
func NewClient(cfg Config) *Client {
	sig := 0
	if cfg.Key != nil {
		sig = cfg.Key.alg.size()
	}
	return &Client{cfg: cfg, planner: newPlanner(cfg.WindowBytes, cfg.WindowRequests, sig)}
}

// Address is the server address the client talks to.
func (cl *Client) Address() string { return cl.cfg.Address }

// Stats returns a snapshot of the counters.
func (cl *Client) Stats() Stats {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	return cl.stats
}

// Generation changes whenever the client connects anew. Handles learned
// before a change may belong to another dhcpd process (a restart breaks the
// connection), so callers caching handles compare generations.
func (cl *Client) Generation() uint64 {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	return cl.stats.Connects
}

// ErrReconnected means the connection broke under a window whose requests
// name objects by handle, and the client connected anew instead of resending
// them. Handles are numbers in one dhcpd process (facts §1.10): if the
// connection broke because dhcpd restarted, the caller's handles are stale
// and a resent REFRESH would read whatever object the new process gave that
// number. Re-learn the handles (e.g. by opening a lease again) before using
// them; Generation has changed.
var ErrReconnected = errors.New("omapi: reconnected to the server; handles learned before may be stale")

// ErrInvalidRequest is returned, before anything is sent, for a request the
// client must not send: a value name dhcpd cannot parse, or a lookup dhcpd
// would turn into a create (see Request).
var ErrInvalidRequest = errors.New("omapi: invalid request")

// Close closes the connection, if any. The client stays usable.
func (cl *Client) Close() error {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	if cl.c != nil {
		cl.c.close()
		cl.c = nil
	}
	return nil
}

// Do sends reqs in bounded pipelined windows and returns one Response per
// request, in order. A request the server answers with an error STATUS has
// Response.Err set; Do itself fails only when the exchange fails (connection,
// authentication, protocol, deadline), and then returns no responses. Every
// request is checked before the first is sent: a read-only client refuses
// writes with ErrReadOnly, and malformed or unsafe requests are refused with
// ErrInvalidRequest.
func (cl *Client) Do(ctx context.Context, reqs ...*Request) ([]Response, error) {
	for _, r := range reqs {
		if r == nil {
			return nil, fmt.Errorf("%w: nil request", ErrInvalidRequest)
		}
		if !cl.cfg.AllowWrites && !r.readOnly() {
			return nil, fmt.Errorf("%w: refusing %s", ErrReadOnly, r)
		}
		if err := r.check(); err != nil {
			return nil, err
		}
	}
	resps := make([]Response, 0, len(reqs))
	for rest := reqs; len(rest) > 0; {
		// Each window is planned only now, after the replies of the one
		// before raised the size estimates (window.go).
		w := rest[:cl.planner.next(rest)]
		rest = rest[len(w):]
		rs, err := cl.window(ctx, w)
		if err != nil {
			return nil, err
		}
		cl.planner.observe(w, rs)
		for _, r := range rs {
			if errors.Is(r.Err, ErrInvalidKey) {
				// dhcpd rejected our signature (wrong secret): it would
				// reject every further request the same way. The
				// connection stays usable (facts §1.6 step 9), so this
				// is not a reason to reconnect either.
				return nil, r.Err
			}
		}
		resps = append(resps, rs...)
	}
	return resps, nil
}

// Ping connects and authenticates if needed and reads the control object,
// which proves the key's secret is right (dhcpd only checks it on signed
// messages).
func (cl *Client) Ping(ctx context.Context) error {
	_, err := cl.Control(ctx)
	return err
}

func (cl *Client) window(ctx context.Context, w []*Request) ([]Response, error) {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	var retryOf error // the failure a retry follows
	for attempt := 0; ; attempt++ {
		fresh := false
		if cl.c == nil {
			c, err := dial(ctx, &cl.cfg)
			if err != nil {
				cl.stats.Failures++
				if retryOf != nil {
					return nil, fmt.Errorf("%w; reconnecting failed: %w", retryOf, err)
				}
				return nil, err
			}
			cl.c, fresh = c, true
			cl.stats.Connects++
		}
		cl.stats.Windows++
		cl.stats.Requests += uint64(len(w))
		resps, err := cl.c.exchange(ctx, w)
		if cl.c.broken || err != nil {
			cl.c.close()
			cl.c = nil
		}
		if err == nil {
			for _, r := range resps {
				cl.stats.BytesRead += uint64(r.Size)
			}
			return resps, nil
		}
		cl.stats.Failures++
		// A connection that served earlier requests may have been closed by
		// a dhcpd restart in between. Writes are never retried, they may
		// have been applied.
		if !fresh && attempt == 0 && errors.Is(err, ErrClosed) && ctx.Err() == nil && allReadOnly(w) {
			if !carriesHandle(w) {
				// Lookups by key mean the same to a restarted dhcpd: try
				// once more on a new connection.
				retryOf = err
				continue
			}
			// Handles do not survive a restart: connect anew, so that
			// Generation moves, but leave it to the caller to learn its
			// handles again.
			c, dialErr := dial(ctx, &cl.cfg)
			if dialErr != nil {
				cl.stats.Failures++
				return nil, fmt.Errorf("%w; reconnecting failed: %w", err, dialErr)
			}
			cl.c = c
			cl.stats.Connects++
			return nil, fmt.Errorf("%w; %s not resent: %w", ErrReconnected, w[0], err)
		}
		return nil, err
	}
}

func allReadOnly(w []*Request) bool {
	for _, r := range w {
		if !r.readOnly() {
			return false
		}
	}
	return true
}

// carriesHandle reports whether a request of w names an object by handle,
// in the header or as a "handle" lookup key.
func carriesHandle(w []*Request) bool {
	for _, r := range w {
		if r.Handle != 0 {
			return true
		}
		if _, ok := r.Object.Get("handle"); ok {
			return true
		}
	}
	return false
}
