package probe

import (
	"container/list"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/dhcpd-exporter/dhcpd_exporter/omapi"
)

// targetKey is what a client is for: a dhcpd and the key it is spoken to
// with. Two modules with the same key share the target's connection.
type targetKey struct {
	address string
	keyID   [sha256.Size]byte
}

// target is one dhcpd the exporter holds a client for.
type target struct {
	key    targetKey
	client *omapi.Client
	elem   *list.Element // in Pool.lru, most recently used first

	// Guarded by Pool.mu:
	users    int       // probes using the client now
	lastUsed time.Time // when the last probe ended

	// handlers keeps each module's collector.Exporter for this target
	// between probes, so the pools' handles and roles are learned once per
	// connection, not on every probe.
	mu       sync.Mutex
	handlers map[string]*moduleHandler
}

// Pool holds one omapi.Client per target, for as long as the target is
// probed. dhcpd 4.4.3 listens with a backlog of 1 (docs/omapi.md), so
// concurrent probes of a target share its client, which takes them through
// the one connection window by window, never side by side.
type Pool struct {
	max  int
	idle time.Duration
	dial func(ctx context.Context, network, address string) (net.Conn, error)
	now  func() time.Time

	mu      sync.Mutex
	targets map[targetKey]*target
	lru     *list.List // of *target
	closed  map[string]uint64
	stop    chan struct{}
	done    chan struct{}
	once    sync.Once
}

// ErrTooManyTargets is returned when every one of the pool's targets is
// being probed and none can make room for another.
var ErrTooManyTargets = errors.New("too many targets open")

// NewPool holds at most maxTargets targets open, closes a target idle
// longer than idle, and dials with dial (nil: net.Dialer). Close stops it.
func NewPool(maxTargets int, idle time.Duration, dial func(ctx context.Context, network, address string) (net.Conn, error)) *Pool {
	p := &Pool{max: maxTargets, idle: idle, dial: dial, now: time.Now,
		targets: map[targetKey]*target{}, lru: list.New(), closed: map[string]uint64{"idle": 0, "limit": 0, "reload": 0},
		stop: make(chan struct{}), done: make(chan struct{})}
	go p.janitor()
	return p
}

// acquire returns the target for address and key, opening it (without
// connecting yet: the client dials on first use) if needed. The caller
// must release it.
func (p *Pool) acquire(address string, key *omapi.Key, keyID [sha256.Size]byte) (*target, error) {
	k := targetKey{address, keyID}
	p.mu.Lock()
	defer p.mu.Unlock()
	t := p.targets[k]
	if t == nil {
		if len(p.targets) >= p.max && !p.evictOne() {
			return nil, fmt.Errorf("%w: all %d are being probed (--probe.max-targets)", ErrTooManyTargets, p.max)
		}
		t = &target{key: k, handlers: map[string]*moduleHandler{},
			client: omapi.NewClient(omapi.Config{Address: address, Key: key, Dial: p.dial})}
		t.elem = p.lru.PushFront(t)
		p.targets[k] = t
	} else {
		p.lru.MoveToFront(t.elem)
	}
	t.users++
	return t, nil
}

func (p *Pool) release(t *target) {
	p.mu.Lock()
	defer p.mu.Unlock()
	t.users--
	t.lastUsed = p.now()
}

// evictOne closes the least recently used target that no probe uses, to
// make room; false when every target is in use. p.mu is held.
func (p *Pool) evictOne() bool {
	for e := p.lru.Back(); e != nil; e = e.Prev() {
		if t := e.Value.(*target); t.users == 0 {
			p.remove(t, "limit")
			return true
		}
	}
	return false
}

// remove closes t's connection and forgets it; p.mu is held.
func (p *Pool) remove(t *target, reason string) {
	p.lru.Remove(t.elem)
	delete(p.targets, t.key)
	p.closed[reason]++
	t.client.Close()
}

// keepKeys closes the idle targets whose key no module uses any more (a
// key file changed at reload): their dhcpd is now spoken to with the new
// key, on a connection of its own. Targets in use close when idle.
func (p *Pool) keepKeys(keys map[[sha256.Size]byte]bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for e := p.lru.Back(); e != nil; {
		t, prev := e.Value.(*target), e.Prev()
		if t.users == 0 && !keys[t.key.keyID] {
			p.remove(t, "reload")
		}
		e = prev
	}
}

// closeIdle closes the targets no probe has used for p.idle.
func (p *Pool) closeIdle() {
	p.mu.Lock()
	defer p.mu.Unlock()
	cutoff := p.now().Add(-p.idle)
	for e := p.lru.Back(); e != nil; {
		t, prev := e.Value.(*target), e.Prev()
		if t.users == 0 && t.lastUsed.Before(cutoff) {
			p.remove(t, "idle")
		}
		e = prev
	}
}

func (p *Pool) janitor() {
	defer close(p.done)
	every := min(max(p.idle/4, 10*time.Millisecond), time.Minute)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-tick.C:
			p.closeIdle()
		}
	}
}

// PoolStats are the pool's figures for the exporter's own metrics.
type PoolStats struct {
	Open, Max int
	// Closed counts targets closed by reason: idle (not probed for the
	// idle timeout), limit (to make room for another target) or reload
	// (their key is no module's any more).
	Closed map[string]uint64
}

// Stats returns the pool's figures.
func (p *Pool) Stats() PoolStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := PoolStats{Open: len(p.targets), Max: p.max, Closed: map[string]uint64{}}
	for r, n := range p.closed {
		s.Closed[r] = n
	}
	return s
}

// Close stops the idle timer and closes every connection.
func (p *Pool) Close() {
	p.once.Do(func() {
		close(p.stop)
		<-p.done
		p.mu.Lock()
		defer p.mu.Unlock()
		for _, t := range p.targets {
			t.client.Close()
		}
	})
}
