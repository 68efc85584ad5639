package testlab

import (
	"context"
	"io"
	"net"
	"sync"
	"time"
)

// Forward listens on a free host port of 127.0.0.1 and forwards every
// connection to the TCP address addr inside the namespace (the listener
// itself is in the host namespace; each outgoing leg is dialed with
// DialContext). It returns the host address; env's cleanup closes the
// listener and all forwarded connections.
func (n *Netns) Forward(env Env, addr string) string {
	env.Helper()
	return n.ForwardFrom(env, "127.0.0.1:0", addr)
}

// ForwardFrom is Forward from a chosen host address, e.g. a fixed port for
// a demo. Keep it on loopback.
func (n *Netns) ForwardFrom(env Env, hostAddr, addr string) string {
	env.Helper()
	ln, err := net.Listen("tcp", hostAddr)
	if err != nil {
		env.Fatalf("forward listener %s: %v", hostAddr, err)
	}
	f := &forwarder{ns: n, target: addr, open: map[net.Conn]struct{}{}}
	env.Cleanup(func() { f.close(ln) })
	f.wg.Add(1)
	go f.serve(ln)
	return ln.Addr().String()
}

type forwarder struct {
	ns     *Netns
	target string
	wg     sync.WaitGroup
	mu     sync.Mutex
	open   map[net.Conn]struct{}
	closed bool
}

func (f *forwarder) serve(ln net.Listener) {
	defer f.wg.Done()
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		f.wg.Add(1)
		go f.pipe(c)
	}
}

// track registers a connection so close can cut it; false if closing.
func (f *forwarder) track(cs ...net.Conn) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return false
	}
	for _, c := range cs {
		f.open[c] = struct{}{}
	}
	return true
}

func (f *forwarder) untrack(cs ...net.Conn) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range cs {
		delete(f.open, c)
	}
}

func (f *forwarder) pipe(c net.Conn) {
	defer f.wg.Done()
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	in, err := f.ns.DialContext(ctx, "tcp", f.target)
	cancel()
	if err != nil {
		return // the client sees the close, as with a refused connection
	}
	defer in.Close()
	if !f.track(c, in) {
		return
	}
	defer f.untrack(c, in)
	done := make(chan struct{}, 2)
	// Half-close like the ends do: OMAPI peers and HTTP clients may read
	// after they stop writing.
	cp := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src) // ends when either side closes
		if hc, ok := dst.(interface{ CloseWrite() error }); ok {
			_ = hc.CloseWrite()
		}
		done <- struct{}{}
	}
	go cp(in, c)
	go cp(c, in)
	<-done
	<-done
}

func (f *forwarder) close(ln net.Listener) {
	ln.Close()
	f.mu.Lock()
	f.closed = true
	for c := range f.open {
		c.Close()
	}
	f.mu.Unlock()
	f.wg.Wait()
}
