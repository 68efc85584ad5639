package omapi

import (
	"sync"
)

// Window planning.
//
// dhcpd 4.4.3 aborts when the signed replies it queues before its output
// buffer drains put the first signed field of a reply (the 4-byte authlen)
// across a 4,047-byte buffer boundary (see doc.go). A fresh output buffer is
// allocated once the previous one drained, and the client reads every reply of
// a window before sending the next, so the replies of one window start at
// offset 0. If they add up to less than 4,044 bytes no authlen can straddle a
// boundary. The planner therefore fills a window only while the expected
// replies stay within a byte budget, DefaultWindowBytes, which leaves a margin
// of about 1 KB for estimates that are too low.
//
// Reply sizes are estimates: conservative defaults per kind of reply, raised
// to the largest reply of that kind actually seen. Windows are planned one at
// a time from the requests still to send, after the previous window's replies
// were observed, so an estimate that proved too low is corrected before the
// next window. A window ends with the first request of a kind whose reply
// the client has not seen yet: nothing is queued behind a reply of unknown
// size, so even a reply far larger than the default (a lease with many long
// variables) cannot push a later reply's authlen across the boundary. That
// costs one extra window per kind, once per client.
//
// A single request always fits a window: its reply starts at offset 0.

const (
	// DefaultWindowBytes is the reply budget of one pipelined window.
	DefaultWindowBytes = 3000
	// DefaultWindowRequests caps the requests of one window, so a window of
	// tiny replies still does not monopolise dhcpd's single thread.
	DefaultWindowRequests = 24
)

// Reply size estimates without signature, in bytes (header 24 + values).
// Pool replies have a fixed shape (three u32 values): 24+65+4 = 93. The
// others are generous typical sizes; the planner raises them to the largest
// reply it has seen of that kind.
var replyEstimates = map[string]int{
	"pool":           96,
	"control":        48,
	"group":          64,
	"host":           320,
	"lease":          512,
	"failover-state": 640,
	"authenticator":  96,
	"status":         128, // result + a short message text
}

const unknownReplyEstimate = 1024

type planner struct {
	budget, maxRequests, sigSize int

	mu       sync.Mutex
	observed map[string]int // largest reply seen per kind
}

func newPlanner(budget, maxRequests, sigSize int) *planner {
	if budget <= 0 {
		budget = DefaultWindowBytes
	}
	if maxRequests <= 0 {
		maxRequests = DefaultWindowRequests
	}
	return &planner{budget: budget, maxRequests: maxRequests, sigSize: sigSize, observed: map[string]int{}}
}

func (r *Request) replyKind() string {
	if r.kind != "" {
		return r.kind
	}
	if r.Type != "" {
		return r.Type
	}
	return "unknown"
}

// estimate is the expected size of r's reply, signature included.
func (p *planner) estimate(r *Request) int {
	kind := r.replyKind()
	est, ok := replyEstimates[kind]
	if !ok {
		est = unknownReplyEstimate
	}
	est += p.sigSize
	if kind == "failover-state" {
		if name, ok := r.Object.Get("name"); ok {
			est += len(name)
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return max(est, p.observed[kind])
}

// seen reports whether a reply of kind was observed.
func (p *planner) seen(kind string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, ok := p.observed[kind]
	return ok
}

// observe records the sizes of replies actually received.
func (p *planner) observe(reqs []*Request, resps []Response) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, r := range reqs {
		k := r.replyKind()
		p.observed[k] = max(resps[i].Size, p.observed[k]) // present from now on: seen

	}
}

// next returns how many of reqs, at least one, go into the next window: as
// many as the budget and the request cap allow, by the current estimates,
// and none after a request whose kind of reply was never seen.
func (p *planner) next(reqs []*Request) int {
	bytes := 0
	for i, r := range reqs {
		est := p.estimate(r)
		if i > 0 && (bytes+est > p.budget || i >= p.maxRequests) {
			return i
		}
		if !p.seen(r.replyKind()) {
			return i + 1
		}
		bytes += est
	}
	return len(reqs)
}
