package leasefile

import (
	"net/netip"
)

// BindingState is a lease's binding state, numbered as dhcpd numbers it
// (includes/dhcpd.h FTS_*); 0 means "no record".
type BindingState uint8

const (
	StateNone BindingState = iota
	StateFree
	StateActive
	StateExpired
	StateReleased
	StateAbandoned
	StateReset
	StateBackup
)

// BindingStates lists the states a pool's addresses are counted by.
var BindingStates = []BindingState{StateFree, StateActive, StateExpired, StateReleased, StateAbandoned, StateReset, StateBackup}

var stateNames = [...]string{"none", "free", "active", "expired", "released", "abandoned", "reset", "backup"}

func (s BindingState) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "invalid"
}

// parseBindingState maps the word after `binding state`. "reserved" and
// "bootp" are pre-4.x spellings of an active lease with a flag
// (confpars.c:3133-3685).
func parseBindingState(t Token) (BindingState, bool) {
	for s := StateFree; s <= StateBackup; s++ {
		if t.Is(stateNames[s]) {
			return s, true
		}
	}
	if t.Is("reserved") || t.Is("bootp") {
		return StateActive, true
	}
	return StateNone, false
}

// NeverTime is dhcpd's "never" (MAX_TIME): 0x7FFFFFFF.
const NeverTime = 0x7FFFFFFF

// Lease is what the exporter keeps of an address's last lease record.
type Lease struct {
	State BindingState
	Ends  uint32 // Unix seconds; 0 unset, NeverTime never
}

// Effective is the state dhcpd would report now: an active lease whose end
// has passed only waits for dhcpd to write its expiry (facts §3.10).
func (l Lease) Effective(now uint32) BindingState {
	if l.State == StateActive && l.Ends != 0 && l.Ends != NeverTime && l.Ends <= now {
		return StateExpired
	}
	return l.State
}

// leaseChunk holds the leases of one /24: dense arrays keep a million
// addresses in a few megabytes, where a map would take tens.
type leaseChunk struct {
	state [256]BindingState
	ends  [256]uint32
}

// LeaseDB is the state of a lease file: the last record of every address.
// A later record for an address replaces the earlier one entirely.
type LeaseDB struct {
	chunks    map[uint32]*leaseChunk // by address >> 8
	addresses int
}

// NewLeaseDB returns an empty database.
func NewLeaseDB() *LeaseDB {
	return &LeaseDB{chunks: map[uint32]*leaseChunk{}}
}

// Addresses is the number of addresses with a lease record.
func (db *LeaseDB) Addresses() int { return db.addresses }

func (db *LeaseDB) set(ip uint32, l Lease) {
	c := db.chunks[ip>>8]
	if c == nil {
		c = new(leaseChunk)
		db.chunks[ip>>8] = c
	}
	if c.state[ip&0xff] == StateNone {
		db.addresses++
	}
	c.state[ip&0xff], c.ends[ip&0xff] = l.State, l.Ends
}

// Get returns the last lease record of an address.
func (db *LeaseDB) Get(a netip.Addr) (Lease, bool) {
	if !a.Is4() {
		return Lease{}, false
	}
	return db.get(addrUint32(a))
}

func (db *LeaseDB) get(ip uint32) (Lease, bool) {
	c := db.chunks[ip>>8]
	if c == nil || c.state[ip&0xff] == StateNone {
		return Lease{}, false
	}
	return Lease{c.state[ip&0xff], c.ends[ip&0xff]}, true
}

// CountRange adds the effective states of every address of r to counts;
// addresses without a record are free (dhcpd never writes untouched ones).
func (db *LeaseDB) CountRange(r Range, now uint32, counts *[StateBackup + 1]uint64) {
	lo, hi := addrUint32(r.Low), addrUint32(r.High)
	for ip := uint64(lo); ip <= uint64(hi); {
		c := db.chunks[uint32(ip)>>8]
		end := min(uint64(hi), ip|0xff) // last address of this /24 within the range
		if c == nil {
			counts[StateFree] += end - ip + 1
			ip = end + 1
			continue
		}
		for ; ip <= end; ip++ {
			i := ip & 0xff
			l := Lease{c.state[i], c.ends[i]}
			if l.State == StateNone {
				counts[StateFree]++
			} else {
				counts[l.Effective(now)]++
			}
		}
	}
}

// merge applies other's records over db's, as if other's records came later.
func (db *LeaseDB) merge(other *LeaseDB) {
	for key, oc := range other.chunks {
		c := db.chunks[key]
		if c == nil {
			db.chunks[key] = oc
			for _, s := range oc.state {
				if s != StateNone {
					db.addresses++
				}
			}
			continue
		}
		for i, s := range oc.state {
			if s == StateNone {
				continue
			}
			if c.state[i] == StateNone {
				db.addresses++
			}
			c.state[i], c.ends[i] = s, oc.ends[i]
		}
	}
}
