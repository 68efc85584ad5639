package omapi

import (
	"context"
	"fmt"
	"math/bits"
	"time"
)

// FailoverStateCode is a failover state as dhcpd 3.1.0 … 4.4.x number it
// (includes/failover.h:288-309). dhcpd 3.0.x used another numbering.
type FailoverStateCode uint32

const (
	FailoverUnknownState            FailoverStateCode = 0
	FailoverStartup                 FailoverStateCode = 1
	FailoverNormal                  FailoverStateCode = 2
	FailoverCommunicationsInterrupt FailoverStateCode = 3
	FailoverPartnerDown             FailoverStateCode = 4
	FailoverPotentialConflict       FailoverStateCode = 5
	FailoverRecover                 FailoverStateCode = 6
	FailoverPaused                  FailoverStateCode = 7
	FailoverShutdown                FailoverStateCode = 8
	FailoverRecoverDone             FailoverStateCode = 9
	FailoverResolutionInterrupted   FailoverStateCode = 10
	FailoverConflictDone            FailoverStateCode = 11
	FailoverRecoverWait             FailoverStateCode = 254
)

// FailoverStates lists every dhcpd 4.x failover state, in numeric order.
var FailoverStates = []FailoverStateCode{
	FailoverUnknownState, FailoverStartup, FailoverNormal, FailoverCommunicationsInterrupt,
	FailoverPartnerDown, FailoverPotentialConflict, FailoverRecover, FailoverPaused,
	FailoverShutdown, FailoverRecoverDone, FailoverResolutionInterrupted,
	FailoverConflictDone, FailoverRecoverWait,
}

// Names as dhcpd writes them in dhcpd.leases (server/failover.c:3786-3820).
var failoverStateNames = map[FailoverStateCode]string{
	FailoverUnknownState:            "unknown-state",
	FailoverStartup:                 "startup",
	FailoverNormal:                  "normal",
	FailoverCommunicationsInterrupt: "communications-interrupted",
	FailoverPartnerDown:             "partner-down",
	FailoverPotentialConflict:       "potential-conflict",
	FailoverRecover:                 "recover",
	FailoverPaused:                  "paused",
	FailoverShutdown:                "shutdown",
	FailoverRecoverDone:             "recover-done",
	FailoverResolutionInterrupted:   "resolution-interrupted",
	FailoverConflictDone:            "conflict-done",
	FailoverRecoverWait:             "recover-wait",
}

// Known reports whether s is a dhcpd 4.x state.
func (s FailoverStateCode) Known() bool { _, ok := failoverStateNames[s]; return ok }

func (s FailoverStateCode) String() string {
	if n, ok := failoverStateNames[s]; ok {
		return n
	}
	return fmt.Sprintf("state(%d)", uint32(s))
}

// Hierarchy is a failover peer's role (includes/failover.h:361-363).
type Hierarchy uint32

const (
	Primary   Hierarchy = 0
	Secondary Hierarchy = 1
)

func (h Hierarchy) String() string {
	switch h {
	case Primary:
		return "primary"
	case Secondary:
		return "secondary"
	}
	return fmt.Sprintf("hierarchy(%d)", uint32(h))
}

// FailoverState is a failover-state object (server/failover.c:3372-3591).
// dhcpd 4.4.3 serialises the in-memory pointer instead of the addresses, so
// partner-address and local-address are not decoded (docs/omapi.md §13).
type FailoverState struct {
	Handle      Handle
	Name        string
	PartnerPort uint32
	LocalPort   uint32
	// MaxOutstandingUpdates is this server's own max-unacked-updates: the
	// limit it announces to its partner in CONNECT, which caps the
	// PARTNER's unacked updates. This server's own sending is capped by the
	// partner's value, which OMAPI does not show (server/failover.c:
	// 3275-3277 returns me.max_flying_updates; 1356-1358 stores the
	// partner's; 2827-2828 checks it).
	MaxOutstandingUpdates uint32
	MCLT                  time.Duration
	LoadBalanceMax        time.Duration
	// HBA is the 32-byte hash bucket bitmap of the primary's split or hba.
	// The primary has it from dhcpd.conf; the secondary from the primary's
	// CONNECT, so it is missing there until the first connection
	// (server/failover.c:595-601, 3284-3287).
	HBA                   []byte
	PartnerState          FailoverStateCode // last state heard from the partner; kept while it is gone
	LocalState            FailoverStateCode
	PartnerSince          time.Time // partner-stos: when the partner entered its state
	LocalSince            time.Time // local-stos
	Hierarchy             Hierarchy
	LastPacketSent        time.Time
	LastTimestampReceived time.Time
	MaxResponseDelay      time.Duration
	CurUnackedUpdates     uint32
}

// Split is the number of the 256 load-balancing hash buckets the primary
// serves (dhcpd.conf split), from the HBA; ok is false without an HBA.
func (f *FailoverState) Split() (n int, ok bool) {
	if len(f.HBA) != 32 {
		return 0, false
	}
	for _, b := range f.HBA {
		n += bits.OnesCount8(b)
	}
	return n, true
}

// DecodeFailoverState decodes the values of a failover-state object. dhcpd
// 3.1.0 and later send every attribute but load-balance-hba for every peer
// (server/failover.c:3372-3591), so their absence is an error rather than a
// zero: a missing hierarchy must not read as primary.
func DecodeFailoverState(h Handle, vs Values) (*FailoverState, error) {
	a := &attrs{object: fmt.Sprintf("failover-state (handle %d)", h), vs: vs}
	f := &FailoverState{Handle: h, Name: a.str("name", true)}
	if f.Name != "" {
		a.object = fmt.Sprintf("failover-state %q", f.Name)
	}
	f.PartnerPort = a.u32("partner-port", true)
	f.LocalPort = a.u32("local-port", true)
	f.MaxOutstandingUpdates = a.u32("max-outstanding-updates", true)
	f.MCLT = a.seconds("mclt", true)
	f.LoadBalanceMax = a.seconds("load-balance-max-secs", true)
	if hba, ok := a.raw("load-balance-hba", false); ok {
		if len(hba) != 32 {
			a.fail("load-balance-hba", "want 32 bytes, got %d", len(hba))
		}
		f.HBA = hba
	}
	f.PartnerState = FailoverStateCode(a.u32("partner-state", true))
	f.LocalState = FailoverStateCode(a.u32("local-state", true))
	f.PartnerSince = a.time("partner-stos", true)
	f.LocalSince = a.time("local-stos", true)
	f.Hierarchy = Hierarchy(a.u32("hierarchy", true))
	f.LastPacketSent = a.time("last-packet-sent", true)
	f.LastTimestampReceived = a.time("last-timestamp-received", true)
	// skew is on the wire but dhcpd 4.4 never assigns it: always 0
	// (includes/failover.h:368, server/failover.c:3311). A clock offset of
	// more than 60 s makes dhcpd refuse the failover link instead.
	a.u32("skew", true)
	f.MaxResponseDelay = a.seconds("max-response-delay", true)
	f.CurUnackedUpdates = a.u32("cur-unacked-updates", true)
	return f, a.err
}

// OpenFailoverState is the request that reads a failover peer's state by name
// (byte-exact, as configured).
func OpenFailoverState(name string) *Request {
	return &Request{Op: OpOpen, Type: "failover-state", Object: Values{{"name", []byte(name)}}}
}

// FailoverState reads one failover peer's state.
func (cl *Client) FailoverState(ctx context.Context, name string) (*FailoverState, error) {
	return one(ctx, cl, OpenFailoverState(name), DecodeFailoverState)
}

// FailoverStatesByName reads several peers through the windowed pipeline;
// errs[i] belongs to names[i].
func (cl *Client) FailoverStatesByName(ctx context.Context, names []string) (states []*FailoverState, errs []error, err error) {
	reqs := make([]*Request, len(names))
	for i, n := range names {
		reqs[i] = OpenFailoverState(n)
	}
	return many(ctx, cl, reqs, DecodeFailoverState)
}
