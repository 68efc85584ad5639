package omapi_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dhcpd-exporter/dhcpd_exporter/omapi"
	"github.com/dhcpd-exporter/dhcpd_exporter/omapi/omapitest"
)

// Two callers of one client against a hung dhcpd: the one waiting for the
// connection gives up at its own deadline, not after the holder's.
func TestWaitingForTheConnectionHonoursTheCallersDeadline(t *testing.T) {
	const slack = 300 * time.Millisecond
	cases := []struct {
		name   string
		holder time.Duration // the first caller's deadline
		waiter time.Duration // the second caller's deadline
		delay  time.Duration // the second caller starts this much later
	}{
		// Two Prometheus servers scraping at once with the same budget.
		{"same deadlines, started together", time.Second, time.Second, 0},
		// The holder's deadline is far away: the waiter must not wait for it.
		{"holder with a longer deadline", 10 * time.Second, time.Second, 100 * time.Millisecond},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := newLab(t, "hmac-md5")
			cl := l.client()
			if err := cl.Ping(ctx(t)); err != nil {
				t.Fatal(err)
			}
			l.srv.Hang(true)

			type result struct {
				err     error
				elapsed time.Duration
			}
			call := func(d, delay time.Duration, cancelled <-chan struct{}, out chan<- result) {
				time.Sleep(delay)
				c, cancel := context.WithTimeout(context.Background(), d)
				defer cancel()
				go func() {
					select {
					case <-cancelled:
						cancel()
					case <-c.Done():
					}
				}()
				start := time.Now()
				err := cl.Ping(c)
				out <- result{err, time.Since(start)}
			}
			stopHolder := make(chan struct{})
			var once sync.Once
			stop := func() { once.Do(func() { close(stopHolder) }) }
			first, second := make(chan result, 1), make(chan result, 1)
			var wg sync.WaitGroup
			wg.Add(2)
			go func() { defer wg.Done(); call(c.holder, 0, stopHolder, first) }()
			go func() { defer wg.Done(); call(c.waiter, c.delay, nil, second) }()

			results := map[string]result{}
			timer := time.After(c.waiter + c.delay + 2*slack)
			for len(results) < 2 {
				select {
				case r := <-first:
					results["first"] = r
				case r := <-second:
					results["second"] = r
					if c.holder > c.waiter {
						stop() // let the long-deadline holder go
					}
				case <-timer:
					stop()
					wg.Wait()
					t.Fatalf("a caller still waits %v after the waiter's deadline", 2*slack)
				}
			}
			wg.Wait()

			waiting := 0
			for name, r := range results {
				t.Logf("%s: %v after %v", name, r.err, r.elapsed.Round(time.Millisecond))
				if omapi.Reason(r.err) != omapi.ReasonTimeout {
					t.Errorf("%s: reason %q, want timeout: %v", name, omapi.Reason(r.err), r.err)
				}
				if strings.Contains(fmt.Sprint(r.err), "held by another caller") {
					waiting++
				}
			}
			w := results["second"]
			if c.delay > 0 && !strings.Contains(fmt.Sprint(w.err), "held by another caller") {
				t.Errorf("the late caller did not wait for the connection: %v", w.err)
			}
			if !errors.Is(w.err, context.DeadlineExceeded) {
				t.Errorf("waiter: %v, want context.DeadlineExceeded", w.err)
			}
			if w.elapsed > c.waiter+slack {
				t.Errorf("waiter took %v with a %v deadline", w.elapsed, c.waiter)
			}
			if c.holder == c.waiter {
				if h := results["first"]; h.elapsed > c.holder+slack || !errors.Is(h.err, context.DeadlineExceeded) {
					t.Errorf("holder: %v after %v", h.err, h.elapsed)
				}
			}
			// With equal deadlines the waiter may get its turn in the
			// microseconds between the holder's failure and its own
			// deadline, and then fail to connect in time: still a timeout.
			if waiting > 1 || (c.delay > 0 && waiting != 1) {
				t.Errorf("%d callers waited for the connection", waiting)
			}
			st := cl.Stats()
			if got := st.FailuresByReason[omapi.ReasonTimeout]; got != 2 || st.Failures() != 2 {
				t.Errorf("failures %v, want 2 timeouts", st.FailuresByReason)
			}
			// The waiter never reached dhcpd: the connection is not shared.
			if n := len(l.srv.Received()); c.delay > 0 && n != 3 { // authenticator, the first Ping, the holder's OPEN
				t.Errorf("server got %d messages, want 3", n)
			}
		})
	}
}

// Stats, Generation and Close answer at once while a caller holds the
// connection; Close makes that caller fail at once, and the client goes on.
func TestStatsAndCloseDoNotWaitForTheConnection(t *testing.T) {
	l := newLab(t, "hmac-md5")
	cl := l.client()
	if err := cl.Ping(ctx(t)); err != nil {
		t.Fatal(err)
	}
	l.srv.Hang(true)
	done := make(chan error, 1)
	go func() { done <- cl.Ping(ctx(t)) }() // 10 s deadline
	for len(l.srv.Received()) < 3 {
		time.Sleep(time.Millisecond)
	}
	start := time.Now()
	cl.Stats()
	cl.Generation()
	if err := cl.Close(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Errorf("Stats, Generation and Close took %v", d)
	}
	select {
	case err := <-done:
		if err == nil || omapi.Reason(err) != omapi.ReasonConnect {
			t.Errorf("call under Close: %v (reason %q), want a connect failure", err, omapi.Reason(err))
		}
		t.Logf("call under Close: %v", err)
	case <-time.After(time.Second):
		t.Fatal("Close did not end the call using the connection")
	}
	l.srv.Hang(false)
	if err := cl.Ping(ctx(t)); err != nil {
		t.Fatalf("after Close: %v", err)
	}
	if st := cl.Stats(); st.FailuresByReason[omapi.ReasonConnect] != 1 || st.Failures() != 1 || st.Connects != 2 {
		t.Errorf("stats %+v", st)
	}
}

// A Config.Dial that ignores its context does not hold the caller past its
// deadline, and the connection it returns late is closed.
func TestDialerIgnoringTheContext(t *testing.T) {
	release := make(chan struct{})
	client, server := net.Pipe()
	cl := omapi.NewClient(omapi.Config{Address: "192.0.2.1:7911", Dial: func(context.Context, string, string) (net.Conn, error) {
		<-release
		return client, nil
	}})
	c, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := cl.Ping(c)
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("Ping took %v with a 200ms deadline", d)
	}
	if !errors.Is(err, context.DeadlineExceeded) || omapi.Reason(err) != omapi.ReasonTimeout {
		t.Errorf("err = %v (reason %q)", err, omapi.Reason(err))
	}
	close(release)
	server.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := server.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("the late connection was not closed: %v", err)
	}
}

// rawServer accepts connections and hands each to serve.
func rawServer(t *testing.T, serve func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				serve(c)
			}()
		}
	}()
	return ln.Addr().String()
}

func TestFailureReasons(t *testing.T) {
	other := mustKey(t, "other_key", "hmac-md5", secret)
	cases := []struct {
		name string
		// setup returns the client and the call that fails.
		setup   func(t *testing.T) (*omapi.Client, func(context.Context) error)
		want    omapi.FailureReason
		wantErr error // nil: only the reason is checked
		counted uint64
	}{
		{
			name: "connection refused",
			setup: func(t *testing.T) (*omapi.Client, func(context.Context) error) {
				ln, _ := net.Listen("tcp", "127.0.0.1:0")
				addr := ln.Addr().String()
				ln.Close()
				cl := omapi.NewClient(omapi.Config{Address: addr})
				return cl, cl.Ping
			},
			want: omapi.ReasonConnect, counted: 1,
		},
		{
			name: "closed before the intro",
			setup: func(t *testing.T) (*omapi.Client, func(context.Context) error) {
				cl := omapi.NewClient(omapi.Config{Address: rawServer(t, func(net.Conn) {})})
				return cl, cl.Ping
			},
			want: omapi.ReasonConnect, wantErr: omapi.ErrClosed, counted: 1,
		},
		{
			name: "closed during authentication",
			setup: func(t *testing.T) (*omapi.Client, func(context.Context) error) {
				addr := rawServer(t, func(c net.Conn) {
					c.Write(omapi.AppendIntro(nil))
					io.ReadFull(c, make([]byte, 8+24)) // intro, authenticator header
				})
				cl := omapi.NewClient(omapi.Config{Address: addr, Key: mustKey(t, "k", "hmac-md5", secret)})
				return cl, cl.Ping
			},
			want: omapi.ReasonConnect, wantErr: omapi.ErrClosed, counted: 1,
		},
		{
			// dhcpd restarted under a window naming a handle: the client
			// reconnects but does not resend it.
			name: "restart under a handle window",
			setup: func(t *testing.T) (*omapi.Client, func(context.Context) error) {
				l := newLab(t, "hmac-md5")
				cl := l.client()
				if err := cl.Ping(ctx(t)); err != nil {
					t.Fatal(err)
				}
				l.srv.DropOn(omapi.OpRefresh)
				return cl, func(c context.Context) error { _, err := cl.Pool(c, l.pool); return err }
			},
			want: omapi.ReasonConnect, wantErr: omapi.ErrReconnected, counted: 1,
		},
		{
			name: "hung server",
			setup: func(t *testing.T) (*omapi.Client, func(context.Context) error) {
				l := newLab(t, "hmac-md5")
				cl := l.client()
				if err := cl.Ping(ctx(t)); err != nil {
					t.Fatal(err)
				}
				l.srv.Hang(true)
				return cl, shortDeadline(cl.Ping)
			},
			want: omapi.ReasonTimeout, wantErr: context.DeadlineExceeded, counted: 1,
		},
		{
			name: "hung during authentication",
			setup: func(t *testing.T) (*omapi.Client, func(context.Context) error) {
				l := newLab(t, "hmac-md5")
				l.srv.Hang(true)
				cl := l.client()
				return cl, shortDeadline(cl.Ping)
			},
			want: omapi.ReasonTimeout, wantErr: context.DeadlineExceeded, counted: 1,
		},
		{
			name: "no intro",
			setup: func(t *testing.T) (*omapi.Client, func(context.Context) error) {
				addr := rawServer(t, func(c net.Conn) { io.Copy(io.Discard, c) })
				cl := omapi.NewClient(omapi.Config{Address: addr})
				return cl, shortDeadline(cl.Ping)
			},
			want: omapi.ReasonTimeout, wantErr: context.DeadlineExceeded, counted: 1,
		},
		{
			name: "caller cancels",
			setup: func(t *testing.T) (*omapi.Client, func(context.Context) error) {
				l := newLab(t, "hmac-md5")
				cl := l.client()
				return cl, func(c context.Context) error {
					c, cancel := context.WithCancel(c)
					cancel()
					return cl.Ping(c)
				}
			},
			want: omapi.ReasonTimeout, wantErr: context.Canceled, counted: 1,
		},
		{
			name:  "wrong key name",
			setup: pingWith(mustKey(t, "nosuchkey", "hmac-md5", secret), "omapi_key"),
			want:  omapi.ReasonAuth, wantErr: omapi.ErrKeyUnknown, counted: 1,
		},
		{
			name:  "wrong algorithm",
			setup: pingWith(mustKey(t, "omapi_key", "hmac-sha256", secret), "omapi_key"),
			want:  omapi.ReasonAuth, wantErr: omapi.ErrKeyUnknown, counted: 1,
		},
		{
			// Was not counted at all before: Do returned the INVALIDKEY.
			name:  "wrong secret",
			setup: pingWith(mustKey(t, "omapi_key", "hmac-md5", []byte("wrong-secret")), "omapi_key"),
			want:  omapi.ReasonAuth, wantErr: omapi.ErrInvalidKey, counted: 1,
		},
		{
			name:  "not the omapi-key",
			setup: pingWith(other, "omapi_key"),
			want:  omapi.ReasonAuth, wantErr: omapi.ErrInvalidKey, counted: 1,
		},
		{
			name:  "no key",
			setup: pingWith(nil, "omapi_key"),
			want:  omapi.ReasonAuth, wantErr: omapi.ErrNoKeys, counted: 1,
		},
		{
			name: "reply signature does not verify",
			setup: corrupted(func(b []byte) []byte {
				b[len(b)-1] ^= 0xff
				return b
			}),
			want: omapi.ReasonAuth, wantErr: omapi.ErrBadSignature, counted: 1,
		},
		{
			// Another service on the port.
			name: "garbage reply",
			setup: corrupted(func([]byte) []byte {
				return []byte("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
			}),
			want: omapi.ReasonProtocol, wantErr: omapi.ErrProtocol, counted: 1,
		},
		{
			name: "reply to another request",
			setup: corrupted(func(b []byte) []byte {
				b[23]++ // rid
				return b
			}),
			want: omapi.ReasonProtocol, wantErr: omapi.ErrProtocol, counted: 1,
		},
		{
			name: "oversized reply",
			setup: func(t *testing.T) (*omapi.Client, func(context.Context) error) {
				l := newLab(t, "hmac-md5")
				l.srv.Add("group", omapi.Values{{Name: "name", Data: []byte("big")}, {Name: "blob", Data: make([]byte, 5000)}})
				cl := l.client(func(c *omapi.Config) { c.MaxMessageSize = 4096 })
				return cl, func(c context.Context) error { _, err := cl.GroupByName(c, "big"); return err }
			},
			want: omapi.ReasonProtocol, wantErr: omapi.ErrMessageTooLarge, counted: 1,
		},
		{
			name: "wrong protocol version",
			setup: func(t *testing.T) (*omapi.Client, func(context.Context) error) {
				addr := rawServer(t, func(c net.Conn) {
					c.Write([]byte{0, 0, 0, 99, 0, 0, 0, 24})
					io.Copy(io.Discard, c)
				})
				cl := omapi.NewClient(omapi.Config{Address: addr})
				return cl, cl.Ping
			},
			want: omapi.ReasonProtocol, wantErr: omapi.ErrProtocol, counted: 1,
		},
		{
			// Refused before sending: not a failure of the exchange.
			name: "read-only refusal",
			setup: func(t *testing.T) (*omapi.Client, func(context.Context) error) {
				l := newLab(t, "hmac-md5")
				cl := l.client()
				return cl, func(c context.Context) error { return cl.DeleteHost(c, 5) }
			},
			want: "", wantErr: omapi.ErrReadOnly, counted: 0,
		},
		{
			name: "object not found",
			setup: func(t *testing.T) (*omapi.Client, func(context.Context) error) {
				l := newLab(t, "hmac-md5")
				cl := l.client()
				return cl, func(c context.Context) error { _, err := cl.HostByName(c, "nosuchhost"); return err }
			},
			want: "", wantErr: omapi.ErrNotFound, counted: 0,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cl, call := c.setup(t)
			before := cl.Stats().FailuresByReason
			start := time.Now()
			err := call(ctx(t))
			t.Logf("%v after %v", err, time.Since(start).Round(time.Millisecond))
			if err == nil {
				t.Fatal("call succeeded")
			}
			if got := omapi.Reason(err); got != c.want {
				t.Errorf("Reason = %q, want %q", got, c.want)
			}
			if c.wantErr != nil && !errors.Is(err, c.wantErr) {
				t.Errorf("err does not wrap %v", c.wantErr)
			}
			after := cl.Stats().FailuresByReason
			for _, r := range omapi.Reasons() {
				want := before[r]
				if r == c.want {
					want += c.counted
				}
				if after[r] != want {
					t.Errorf("failures{reason=%q} = %d, want %d (all: %v)", r, after[r], want, after)
				}
			}
			if len(after) != len(omapi.Reasons()) {
				t.Errorf("FailuresByReason has %d reasons, want all %d", len(after), len(omapi.Reasons()))
			}
		})
	}
}

// shortDeadline runs call with a 200 ms deadline.
func shortDeadline(call func(context.Context) error) func(context.Context) error {
	return func(c context.Context) error {
		c, cancel := context.WithTimeout(c, 200*time.Millisecond)
		defer cancel()
		return call(c)
	}
}

// pingWith pings a lab server that requires the key named require, with key.
func pingWith(key *omapi.Key, require string) func(t *testing.T) (*omapi.Client, func(context.Context) error) {
	return func(t *testing.T) (*omapi.Client, func(context.Context) error) {
		known := mustKey(t, "omapi_key", "hmac-md5", secret)
		keys := []*omapi.Key{known}
		if key != nil && key.Name() != "omapi_key" && key.Name() != "nosuchkey" {
			keys = append(keys, key) // known to dhcpd, but not its omapi-key
		}
		srv := omapitest.NewServer(t, omapitest.Options{Keys: keys, RequireKey: require})
		cl := omapi.NewClient(omapi.Config{Address: srv.Addr, Key: key})
		return cl, cl.Ping
	}
}

// corrupted pings a connected lab client whose next reply f rewrites.
func corrupted(f func([]byte) []byte) func(t *testing.T) (*omapi.Client, func(context.Context) error) {
	return func(t *testing.T) (*omapi.Client, func(context.Context) error) {
		l := newLab(t, "hmac-md5")
		cl := l.client()
		if err := cl.Ping(ctx(t)); err != nil {
			t.Fatal(err)
		}
		l.srv.CorruptNextReply(f)
		return cl, cl.Ping
	}
}

func TestReasonClassifiesErrors(t *testing.T) {
	closed := fmt.Errorf("%w during read reply to OPEN control", omapi.ErrClosed)
	cases := []struct {
		name string
		err  error
		want omapi.FailureReason
	}{
		{"nil", nil, ""},
		{"not found", &omapi.StatusError{Request: "OPEN lease", Result: omapi.ResultNotFound}, ""},
		{"read-only", fmt.Errorf("%w: refusing DELETE", omapi.ErrReadOnly), ""},
		{"invalid request wrapping a protocol error", fmt.Errorf("%w: %w", omapi.ErrInvalidRequest, omapi.ErrProtocol), ""},
		{"invalid key", &omapi.StatusError{Result: omapi.ResultInvalidKey}, omapi.ReasonAuth},
		{"legacy invalid key number", &omapi.StatusError{Result: 48}, omapi.ReasonAuth},
		{"no keys", &omapi.StatusError{Result: omapi.ResultNoKeys}, omapi.ReasonAuth},
		{"bad signature", omapi.ErrBadSignature, omapi.ReasonAuth},
		{"deadline", fmt.Errorf("omapi: read: %w", context.DeadlineExceeded), omapi.ReasonTimeout},
		{"cancelled", context.Canceled, omapi.ReasonTimeout},
		{"net timeout", &net.OpError{Op: "read", Err: timeoutErr{}}, omapi.ReasonTimeout},
		{"decode error", &omapi.DecodeError{Object: "STATUS", Field: "result", Reason: "missing"}, omapi.ReasonProtocol},
		{"too large", omapi.ErrMessageTooLarge, omapi.ReasonProtocol},
		{"closed", closed, omapi.ReasonConnect},
		{"refused", &net.OpError{Op: "dial", Err: errors.New("connection refused")}, omapi.ReasonConnect},
		{"reconnected", fmt.Errorf("%w; not resent: %w", omapi.ErrReconnected, closed), omapi.ReasonConnect},
		// The last failure says more than the one a retry followed.
		{"closed, reconnect timed out", fmt.Errorf("%w; reconnecting failed: %w", closed, context.DeadlineExceeded), omapi.ReasonTimeout},
		{"closed, reconnect refused the key", fmt.Errorf("%w; reconnecting failed: %w", closed, omapi.ErrKeyUnknown), omapi.ReasonAuth},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := omapi.Reason(c.err); got != c.want {
				t.Errorf("Reason(%v) = %q, want %q", c.err, got, c.want)
			}
		})
	}
	if got := omapi.Reasons(); len(got) != 4 || got[0] != omapi.ReasonConnect || got[3] != omapi.ReasonProtocol {
		t.Errorf("Reasons() = %v", got)
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }
