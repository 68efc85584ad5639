package omapi

import (
	"context"
	"net"
	"testing"
)

// A cancellation that fires before guard's stop may move the socket's
// deadline into the past at any later moment, so the connection must not be
// reused; one that did not fire leaves it usable.
func TestGuardMarksConnectionBrokenWhenContextEnds(t *testing.T) {
	cases := []struct {
		name       string
		cancel     bool // cancel between guard and its stop
		preCancel  bool // ctx already done when guard starts
		wantBroken bool
	}{
		{"not cancelled", false, false, false},
		{"cancelled during the exchange", true, false, true},
		{"cancelled before", false, true, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, b := net.Pipe()
			defer a.Close()
			defer b.Close()
			cn := &conn{nc: a}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if c.preCancel {
				cancel()
			}
			stop := cn.guard(ctx)
			if c.cancel {
				cancel()
			}
			stop()
			if cn.broken != c.wantBroken {
				t.Fatalf("broken = %v, want %v", cn.broken, c.wantBroken)
			}
		})
	}
}
