package testlab

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

// inside runs f on an OS thread switched into the namespace. A socket keeps
// the namespace it was created in, so sockets made by f work from any
// goroutine afterwards. If the thread cannot be switched back, it stays
// locked, and Go discards it when the goroutine ends instead of reusing a
// thread in the wrong namespace.
func (n *Netns) inside(f func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := os.Open(fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid()))
		if err != nil {
			runtime.UnlockOSThread()
			errc <- err
			return
		}
		defer orig.Close()
		target, err := os.Open("/run/netns/" + n.Name)
		if err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("namespace %s: %w", n.Name, err)
			return
		}
		defer target.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("setns %s: %w", n.Name, err)
			return
		}
		ferr := f()
		if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("setns back from %s: %w", n.Name, err) // thread stays locked and dies
			return
		}
		runtime.UnlockOSThread()
		errc <- ferr
	}()
	return <-errc
}

// DialContext dials addr from inside the namespace, e.g. a server's
// OMAPIAddr. Its signature fits net.Dialer.DialContext and
// http.Transport.DialContext. Use IP literals: name resolution is not
// namespace-aware.
func (n *Netns) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	var c net.Conn
	err := n.inside(func() (err error) {
		// No Happy Eyeballs: its fallback dial would run on another goroutine,
		// hence another thread, outside the namespace.
		d := net.Dialer{FallbackDelay: -1}
		c, err = d.DialContext(ctx, network, addr)
		return err
	})
	return c, err
}

// Listen listens on addr inside the namespace (e.g. "127.0.0.1:0" for a
// server that processes in the namespace should reach).
func (n *Netns) Listen(network, addr string) (net.Listener, error) {
	var l net.Listener
	err := n.inside(func() (err error) {
		l, err = net.Listen(network, addr)
		return err
	})
	return l, err
}

// HTTPClient is an HTTP client whose connections are made inside the
// namespace. Keep-alives are off so no idle connection outlives a test.
func (n *Netns) HTTPClient() *http.Client {
	return &http.Client{Transport: &http.Transport{DialContext: n.DialContext, DisableKeepAlives: true}}
}
