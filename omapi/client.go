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

// dial connects to Address, for no longer than ctx allows. net.Dialer
// honours ctx; a Config.Dial might not (or might block before it looks at
// ctx), so it runs on its own goroutine and is waited for only until ctx
// ends; a connection it returns after that is closed.
func (cfg *Config) dial(ctx context.Context) (net.Conn, error) {
	if cfg.Dial == nil {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", cfg.Address)
	}
	type dialed struct {
		nc  net.Conn
		err error
	}
	ch := make(chan dialed, 1)
	go func() {
		nc, err := cfg.Dial(ctx, "tcp", cfg.Address)
		ch <- dialed{nc, err}
	}()
	select {
	case d := <-ch:
		return d.nc, d.err
	case <-ctx.Done():
		go func() {
			if d := <-ch; d.nc != nil {
				d.nc.Close()
			}
		}()
		return nil, ctxError(ctx)
	}
}

// ctxError is ctx's error, with its cause when that says more.
func ctxError(ctx context.Context) error {
	err := ctx.Err()
	if cause := context.Cause(ctx); cause != nil && cause != err {
		return fmt.Errorf("%w (%w)", err, cause)
	}
	return err
}

func (cfg *Config) maxMessageSize() int {
	if cfg.MaxMessageSize > 0 {
		return cfg.MaxMessageSize
	}
	return DefaultMaxMessageSize
}

// Stats counts what a Client did, for the exporter's own metrics.
type Stats struct {
	Connects uint64 // connections established and authenticated
	Requests uint64 // requests sent
	Windows  uint64 // pipelined windows sent
	// FailuresByReason counts failures by FailureReason, with every reason
	// of Reasons present, zeros included. A failure is a window that failed
	// (a window retried on a new connection counts once for the attempt
	// that failed), a dial or authentication that failed, a window dhcpd
	// answered with INVALIDKEY or NOKEYS (Do fails on it), or a call that
	// gave up waiting for the connection another caller held. Requests
	// refused before sending (ErrReadOnly, ErrInvalidRequest) and dhcpd's
	// answers about single objects (ErrNotFound, ...) are not failures.
	FailuresByReason map[FailureReason]uint64
	BytesRead        uint64 // reply bytes
}

// Failures is the sum of FailuresByReason.
func (s Stats) Failures() uint64 {
	var n uint64
	for _, v := range s.FailuresByReason {
		n += v
	}
	return n
}

// Client talks to one dhcpd over one connection. It is safe for concurrent
// use: callers take turns window by window, so two callers never pipeline on
// the connection at once. A caller waits for its turn only as long as its
// context allows. After the server closes the connection the next call
// reconnects and re-authenticates. A read-only window interrupted on a
// connection that had already served requests is retried once on a new one,
// unless it names objects by handle (see ErrReconnected).
type Client struct {
	cfg     Config
	planner *planner

	// turn is a one-slot semaphore: its holder has the connection to
	// itself, for one window (with its dial and retry) or a Close. Callers
	// wait for it in a select with their ctx (acquire), so nobody waits
	// longer than its own deadline, whatever the holder does; waiters are
	// served in arrival order (a channel's senders queue FIFO).
	turn chan struct{}
	c    *conn // used by the holder of turn; set by it under mu, so Close can read it

	// mu guards c's value and the counters. It is never held while waiting
	// for turn or doing I/O, so Stats and Generation never wait for a
	// caller that holds the connection.
	mu       sync.Mutex
	stats    Stats // FailuresByReason is built from failures by Stats
	failures failureCounts
}

// NewClient returns a client; it connects on first use.
func NewClient(cfg Config) *Client {
	sig := 0
	if cfg.Key != nil {
		sig = cfg.Key.alg.size()
	}
	return &Client{cfg: cfg, planner: newPlanner(cfg.WindowBytes, cfg.WindowRequests, sig), turn: make(chan struct{}, 1)}
}

// Address is the server address the client talks to.
func (cl *Client) Address() string { return cl.cfg.Address }

// Stats returns a snapshot of the counters. It does not wait for callers
// using the connection.
func (cl *Client) Stats() Stats {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	st := cl.stats
	st.FailuresByReason = cl.failures.byReason()
	return st
}

// Generation changes whenever the client connects anew. Handles learned
// before a change may belong to another dhcpd process (a restart breaks the
// connection), so callers caching handles compare generations. It does not
// wait for callers using the connection.
func (cl *Client) Generation() uint64 {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	return cl.stats.Connects
}

func (cl *Client) fail(r FailureReason) {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	cl.failures.add(r)
}

// setConn replaces the connection; only the holder of turn calls it.
func (cl *Client) setConn(c *conn) {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	cl.c = c
	if c != nil {
		cl.stats.Connects++
	}
}

// acquire waits for the turn to use the connection, as long as ctx allows.
func (cl *Client) acquire(ctx context.Context) error {
	if ctx.Err() != nil {
		return fmt.Errorf("omapi: %s: %w", cl.cfg.Address, ctxError(ctx))
	}
	select {
	case cl.turn <- struct{}{}:
		return nil
	default:
	}
	select {
	case cl.turn <- struct{}{}:
		if ctx.Err() == nil {
			return nil
		}
		// Both were ready and select took the turn: ctx has ended all the same.
		cl.release()
	case <-ctx.Done():
	}
	what := "timed out"
	if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		what = "cancelled"
	}
	return fmt.Errorf("omapi: %s %s waiting for the connection held by another caller: %w", cl.cfg.Address, what, ctxError(ctx))
}

func (cl *Client) release() { <-cl.turn }

// ErrReconnected means the connection broke under a window whose requests
// name objects by handle, and the client connected anew instead of resending
// them. Handles are numbers in one dhcpd process (omapi_object_handle hands
// them out in order from a process-wide counter that starts at 1,
// omapip/handle.c:58, 72-120): if the connection broke because dhcpd restarted,
// the caller's handles are stale and a resent REFRESH would read whatever
// object the new process gave that number. Re-learn the handles (e.g. by
// opening a lease again) before using them; Generation has changed.
var ErrReconnected = errors.New("omapi: reconnected to the server; handles learned before may be stale")

// ErrInvalidRequest is returned, before anything is sent, for a request the
// client must not send: a value name dhcpd cannot parse, or a lookup dhcpd
// would turn into a create (see Request).
var ErrInvalidRequest = errors.New("omapi: invalid request")

// Close closes the connection, if any. It does not wait: when a caller is
// using the connection, Close closes it under that caller, whose call then
// fails (counted as ReasonConnect). The client stays usable: the next call
// connects anew.
func (cl *Client) Close() error {
	select {
	case cl.turn <- struct{}{}:
		defer cl.release()
		if cl.c != nil {
			cl.c.close()
			cl.setConn(nil)
		}
		return nil
	default:
	}
	cl.mu.Lock()
	c := cl.c
	cl.mu.Unlock()
	if c != nil {
		// The holder drops it when its exchange fails, or before its
		// next window if the exchange had just ended.
		c.close()
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
			if errors.Is(r.Err, ErrInvalidKey) || errors.Is(r.Err, ErrNoKeys) {
				// dhcpd rejected our signature (wrong secret: INVALIDKEY,
				// omapip/protocol.c:712-732) or wants one (no key:
				// NOKEYS, omapip/message.c:421-429, 458-465): it would
				// answer every further request the same way. It keeps
				// the connection (protocol.c:729-740 disconnects only if
				// sending the STATUS fails), so this is not a reason to
				// reconnect either.
				cl.fail(ReasonAuth)
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
	if err := cl.acquire(ctx); err != nil {
		cl.fail(ReasonTimeout)
		return nil, err
	}
	defer cl.release()
	if cl.c != nil && cl.c.isClosed() {
		// Close closed it under the previous holder.
		cl.setConn(nil)
	}
	var retryOf error // the failure a retry follows
	for attempt := 0; ; attempt++ {
		fresh := false
		if cl.c == nil {
			c, err := dial(ctx, &cl.cfg)
			if err != nil {
				cl.fail(Reason(err))
				if retryOf != nil {
					return nil, fmt.Errorf("%w; reconnecting failed: %w", retryOf, err)
				}
				return nil, err
			}
			cl.setConn(c)
			fresh = true
		}
		cl.mu.Lock()
		cl.stats.Windows++
		cl.stats.Requests += uint64(len(w))
		cl.mu.Unlock()
		resps, err := cl.c.exchange(ctx, w)
		if cl.c.broken || err != nil {
			cl.c.close()
			cl.setConn(nil)
		}
		if err == nil {
			n := 0
			for _, r := range resps {
				n += r.Size
			}
			cl.mu.Lock()
			cl.stats.BytesRead += uint64(n)
			cl.mu.Unlock()
			return resps, nil
		}
		cl.fail(Reason(err))
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
				cl.fail(Reason(dialErr))
				return nil, fmt.Errorf("%w; reconnecting failed: %w", err, dialErr)
			}
			cl.setConn(c)
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
