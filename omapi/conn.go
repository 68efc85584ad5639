package omapi

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"time"
)

var (
	// ErrClosed means dhcpd closed the connection without answering. dhcpd does
	// that instead of replying when it rejects a message outright
	// (omapip/protocol.c:737-740 disconnects when processing fails: a message
	// answering an id dhcpd never sent, omapip/message.c:405-417, a STATUS
	// sent to it, 711-714, an unknown opcode, 761), and when it exits.
	// Reason counts it as ReasonConnect.
	ErrClosed = errors.New("omapi: server closed the connection")
	// ErrBadSignature means a reply's HMAC did not verify; Reason counts it
	// as ReasonAuth.
	ErrBadSignature = errors.New("omapi: reply signature does not verify")
)

// conn is one authenticated OMAPI connection. It is not safe for concurrent
// use; Client serialises access.
type conn struct {
	nc      net.Conn
	br      *bufio.Reader
	extra   int // extra header bytes the server announced
	maxSize int
	key     *Key
	authID  uint32 // server's handle for key; 0 while unauthenticated
	nextID  uint32
	wbuf    []byte
	broken  bool        // the connection must not be reused: I/O failed, or a cancellation may still move its deadline
	closed  atomic.Bool // close was called, maybe by Client.Close under the exchange
}

// dial connects, exchanges the intro and authenticates with key (if any).
func dial(ctx context.Context, cfg *Config) (*conn, error) {
	nc, err := cfg.dial(ctx)
	if err != nil {
		if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
			err = fmt.Errorf("%w: %w", ctxError(ctx), err)
		}
		return nil, fmt.Errorf("omapi: connect %s: %w", cfg.Address, err)
	}
	c := &conn{
		nc:      nc,
		br:      bufio.NewReaderSize(nc, 8192),
		maxSize: cfg.maxMessageSize(),
		key:     cfg.Key,
		// ids only need to differ between outstanding messages on this
		// connection; a time-derived start makes captures easy to tell apart.
		nextID: uint32(time.Now().UnixNano()) | 1,
	}
	if err := c.start(ctx); err != nil {
		nc.Close()
		return nil, err
	}
	if c.broken {
		// ctx ended just as the handshake completed (see guard).
		nc.Close()
		return nil, fmt.Errorf("omapi: connect %s: %w", cfg.Address, ctxError(ctx))
	}
	return c, nil
}

// guard applies ctx's deadline to the socket and aborts blocked I/O when ctx
// is cancelled. The returned func must be called when the exchange is over.
// If ctx was cancelled before that, the deadline-in-the-past may be set at
// any moment, even during the next exchange (AfterFunc's stop does not wait
// for it), so the connection is then marked broken and not reused.
func (c *conn) guard(ctx context.Context) func() {
	deadline, _ := ctx.Deadline()
	c.nc.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { c.nc.SetDeadline(time.Unix(1, 0)) })
	return func() {
		if !stop() {
			c.broken = true
		}
	}
}

func (c *conn) start(ctx context.Context) error {
	defer c.guard(ctx)()
	if _, err := c.nc.Write(AppendIntro(nil)); err != nil {
		return c.ioError(ctx, "send intro", err)
	}
	var intro [8]byte
	if _, err := io.ReadFull(c.br, intro[:]); err != nil {
		return c.ioError(ctx, "read intro", err)
	}
	extra, err := ParseIntro(intro)
	if err != nil {
		return err
	}
	c.extra = extra
	if c.key == nil {
		return nil
	}
	return c.authenticate(ctx)
}

// authenticate opens the server's authenticator object for our key
// (omapip/message.c:431-628: an OPEN of type "authenticator" looked up by
// name and algorithm, then bound to the connection by omapi_protocol_add_auth,
// omapip/protocol.c:768-825). The request and its reply are unsigned; the
// reply's handle is the authid every later message carries. A wrong secret
// is not detected here: dhcpd only notices it on the first signed message
// (omapip/protocol.c:712-732). Every STATUS answer is a refusal of the key
// (authRejected, ReasonAuth).
func (c *conn) authenticate(ctx context.Context) error {
	req := &Message{
		Op:      OpOpen,
		ID:      c.id(),
		Message: Values{{"type", []byte("authenticator")}},
		Object: Values{
			{"name", []byte(c.key.name)},
			{"algorithm", []byte(c.key.alg.wireName())},
		},
	}
	wire, err := AppendMessage(nil, req, nil)
	if err != nil {
		return fmt.Errorf("omapi: authenticate with %s: %w", c.key, err)
	}
	if _, err := c.nc.Write(wire); err != nil {
		return c.ioError(ctx, "send authenticator", err)
	}
	rep, _, err := ReadMessage(c.br, c.extra, c.maxSize)
	if err != nil {
		return c.ioError(ctx, "read authenticator reply", err)
	}
	if rep.RID != req.ID {
		return fmt.Errorf("%w: authenticator reply answers id %d, want %d", ErrProtocol, rep.RID, req.ID)
	}
	switch rep.Op {
	case OpUpdate:
		if rep.Handle == 0 {
			return fmt.Errorf("%w: authenticator reply without a handle", ErrProtocol)
		}
		c.authID = uint32(rep.Handle)
		return nil
	case OpStatus:
		se, err := statusError(rep, fmt.Sprintf("authenticate with %s", c.key))
		if err != nil {
			return err
		}
		switch se.Result.Canonical() {
		case ResultSuccess:
			return fmt.Errorf("%w: authenticator reply is a STATUS without an error or a handle", ErrProtocol)
		case ResultNotFound:
			// omapip/auth.c:131-190, message.c:546-553: no key of that
			// name and algorithm.
			return &authRejected{fmt.Errorf("%w: server has no %s: %w", ErrKeyUnknown, c.key, se)}
		}
		// INVALIDKEY, "can't select authenticator" (message.c:616-623):
		// the key is not dhcpd's omapi-key (server/dhcpd.c:118-122).
		return &authRejected{se}
	}
	return fmt.Errorf("%w: authenticator reply has op %s", ErrProtocol, rep.Op)
}

func (c *conn) id() uint32 {
	c.nextID++
	if c.nextID == 0 {
		c.nextID = 1
	}
	return c.nextID
}

// exchange sends reqs back to back and reads their replies, which dhcpd sends
// in request order. The caller bounds len(reqs) (see window.go).
func (c *conn) exchange(ctx context.Context, reqs []*Request) ([]Response, error) {
	defer c.guard(ctx)()
	ids := make([]uint32, len(reqs))
	c.wbuf = c.wbuf[:0]
	for i, r := range reqs {
		ids[i] = c.id()
		m := r.message(ids[i])
		if c.key != nil {
			m.AuthID = c.authID
		}
		var err error
		if c.wbuf, err = AppendMessage(c.wbuf, m, c.key); err != nil {
			// Client.Do checked every request; nothing was sent.
			return nil, fmt.Errorf("%w: %s: %w", ErrInvalidRequest, r, err)
		}
	}
	if _, err := c.nc.Write(c.wbuf); err != nil {
		return nil, c.ioError(ctx, "send "+reqs[0].String(), err)
	}
	resps := make([]Response, len(reqs))
	for i, r := range reqs {
		rep, signed, err := ReadMessage(c.br, c.extra, c.maxSize)
		if err != nil {
			return nil, c.ioError(ctx, "read reply to "+r.String(), err)
		}
		if rep.RID != ids[i] {
			return nil, fmt.Errorf("%w: reply answers id %d, want %d (%s)", ErrProtocol, rep.RID, ids[i], r)
		}
		if err := c.checkSignature(rep, signed, r); err != nil {
			return nil, err
		}
		// An INVALIDKEY reply leaves the connection usable: dhcpd answers
		// each badly signed request and keeps reading
		// (omapip/protocol.c:712-740 only disconnects if the STATUS
		// cannot be sent).
		resps[i] = response(rep, r, len(signed)+4+len(rep.Signature))
	}
	return resps, nil
}

// checkSignature verifies a reply's HMAC. dhcpd signs every reply on an
// authenticated connection with the request's key, except a STATUS it sends
// without one: INVALIDKEY rejecting our signature (protocol.c:713-732), and
// NOKEYS for a message it could not bind to an authenticator
// (message.c:421-465; it signs with that very missing authenticator, so the
// reply is always unsigned). Both arrive with authid 0 and are accepted
// unsigned only with one of those two results: they can only fail a request,
// never pass off forged data or a forged success.
func (c *conn) checkSignature(rep *Message, signed []byte, r *Request) error {
	if c.key == nil {
		if rep.AuthID != 0 || len(rep.Signature) != 0 {
			return fmt.Errorf("%w: signed reply on an unauthenticated connection (%s)", ErrProtocol, r)
		}
		return nil
	}
	if rep.AuthID == 0 && len(rep.Signature) == 0 {
		if rep.Op == OpStatus {
			if se, err := statusError(rep, ""); err == nil {
				switch se.Result.Canonical() {
				case ResultInvalidKey, ResultNoKeys:
					return nil
				}
			}
		}
		return fmt.Errorf("%w: unsigned %s reply on an authenticated connection (%s)", ErrProtocol, rep.Op, r)
	}
	if rep.AuthID != c.authID {
		return fmt.Errorf("%w: reply signed with authenticator %d, want %d (%s)", ErrProtocol, rep.AuthID, c.authID, r)
	}
	if len(rep.Signature) != c.key.alg.size() || !c.key.verify(signed, rep.Signature) {
		return fmt.Errorf("%w (%s)", ErrBadSignature, r)
	}
	return nil
}

// ioError turns a transport failure into an error that says what happened.
func (c *conn) ioError(ctx context.Context, what string, err error) error {
	c.broken = true
	if ctx.Err() != nil {
		return fmt.Errorf("omapi: %s: %w", what, ctxError(ctx))
	}
	if c.closed.Load() && errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("omapi: %s: connection closed by Client.Close: %w", what, err)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("omapi: %s: %w", what, context.DeadlineExceeded)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || isReset(err) {
		return fmt.Errorf("%w during %s (dhcpd does this when it rejects a malformed message or an unknown authenticator, and when it exits)", ErrClosed, what)
	}
	return fmt.Errorf("omapi: %s: %w", what, err)
}

// close closes the connection; Client.Close may call it while another
// goroutine uses c, which then fails at once.
func (c *conn) close() {
	c.closed.Store(true)
	c.nc.Close()
}

func (c *conn) isClosed() bool { return c.closed.Load() }
