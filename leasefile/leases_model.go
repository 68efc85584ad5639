package leasefile

import (
	"net/netip"

	"github.com/dhcpd-exporter/dhcpd_exporter/binding"
	"github.com/dhcpd-exporter/dhcpd_exporter/internal/conflex"
)

// Bucket is what a pool's address is counted as: one of dhcpd's binding
// states (binding.State, same number), or Reserved, which is not a dhcpd
// state but a counting bucket (see Lease.Bucket).
type Bucket uint8

// Reserved counts free and backup leases with the reserved flag: dhcpd
// keeps them on the pool's reserved queue, out of its free and backup
// counts (server/mdb.c:2688-2743).
const Reserved = Bucket(binding.Backup) + 1

// Buckets lists the buckets a pool's addresses are counted by: dhcpd's
// binding states, then Reserved. They sum to the pool's size.
var Buckets = func() []Bucket {
	var b []Bucket
	for _, s := range binding.States {
		b = append(b, Bucket(s))
	}
	return append(b, Reserved)
}()

// String is the bucket's name: the binding state's, or "reserved".
func (b Bucket) String() string {
	if b == Reserved {
		return "reserved"
	}
	return binding.State(b).String()
}

// Counts holds a pool's addresses by bucket, indexed by Bucket or by
// binding.State (0 unused).
type Counts [Reserved + 1]uint64

// total is the number of addresses counted.
func (c *Counts) total() uint64 {
	var n uint64
	for _, v := range c {
		n += v
	}
	return n
}

// parseBindingState maps the word after `binding state` (also after `next
// binding state` and `rewind binding state`). "reserved" and "bootp" are
// pre-4.x spellings of an active lease with a flag; reserved reports the
// reserved flag (server/confpars.c:3352-3392).
func parseBindingState(t conflex.Token) (s binding.State, reserved, ok bool) {
	for _, s := range binding.States {
		if t.Is(s.String()) {
			return s, false, true
		}
	}
	switch {
	case t.Is("reserved"):
		return binding.Active, true, true
	case t.Is("bootp"):
		return binding.Active, false, true
	}
	return 0, false, false
}

// NeverTime is dhcpd's "never" (MAX_TIME): 0x7FFFFFFF.
const NeverTime = 0x7FFFFFFF

// Lease is what the exporter keeps of an address's last lease record: the
// part of it dhcpd's state machine looks at (docs/lease-states.md).
type Lease struct {
	// State is the record's binding state. A record without one (old or
	// hand-made files) reads as active with next state free: dhcpd makes
	// it active if it has not ended, else free, with next state free
	// either way (server/confpars.c:3654-3677), which comes to the same
	// at any time.
	State binding.State
	// Next is where State moves when the lease ends; without a `next
	// binding state` line it is State itself: the lease stays as it is
	// (server/confpars.c:3395-3405).
	Next binding.State
	// Reserved is the reserved flag (`reserved;`, or the old state word
	// "reserved").
	Reserved bool
	Ends     uint32 // Unix seconds; 0 when absent (already due), NeverTime never
}

// due reports whether dhcpd's pool timer acts on a lease ending at ends:
// its sort time is its end (server/mdb.c:2688-2745), and it moves once that
// is not after now (server/mdb.c:1985-1989). An absent end (0) is due at
// once, "never" (MAX_TIME) never is.
func due(ends, now uint32) bool {
	return ends <= min(now, NeverTime-1)
}

// Pool timer queues, in the order pool_timer walks them (server/mdb.c:1920-1940).
const (
	queueFree = iota
	queueActive
	queueExpired // expired, released, reset
	queueAbandoned
	queueBackup
	queueReserved // free and backup with the reserved flag
)

func (l Lease) queue() int {
	switch l.State {
	case binding.Free:
		if l.Reserved {
			return queueReserved
		}
		return queueFree
	case binding.Active:
		return queueActive
	case binding.Abandoned:
		return queueAbandoned
	case binding.Backup:
		if l.Reserved {
			return queueReserved
		}
		return queueBackup
	}
	return queueExpired
}

// Effective returns the lease as dhcpd holds it at now, in a pool with or
// without a failover peer (docs/lease-states.md):
//
//   - in a pool without failover, a backup lease is free (server/mdb.c:2782-2791);
//   - once the lease has ended it moves to its next state, as pool_timer
//     moves it (server/mdb.c:1940-2025), and takes the next state dhcpd
//     gives the new one (server/mdb.c:1636-1664); it goes on moving while
//     it lands on a queue pool_timer has not walked yet in that pass;
//   - in a failover pool, expired, released and reset leases do not move on
//     a timeout: they wait for the peer (server/mdb.c:1945-1970).
//
// It does not know the failover state: a secondary in normal state leaves
// ended active leases to the primary, partner-down frees expired leases,
// and a server out of touch with its peer may rewind a lease.
func (l Lease) Effective(now uint32, failover bool) Lease {
	return l.effective(due(l.Ends, now), failover)
}

func (l Lease) effective(due, failover bool) Lease {
	if !failover && l.State == binding.Backup {
		l.State, l.Next = binding.Free, binding.Free
	}
	if !due {
		return l
	}
	q := l.queue()
	for l.Next != l.State && (!failover || q != queueExpired) {
		l.State = l.Next
		switch l.State {
		case binding.Active:
			l.Next = binding.Free
			if failover {
				l.Next = binding.Expired
			}
		case binding.Expired, binding.Released, binding.Abandoned, binding.Reset:
			l.Next = binding.Free
		}
		// A lease moved onto a queue already walked waits for the
		// pool's next timer.
		nq := l.queue()
		if nq <= q {
			break
		}
		q = nq
	}
	return l
}

// Bucket is the bucket the lease is counted in: its state, or Reserved for
// a free or backup lease with the reserved flag.
func (l Lease) Bucket() Bucket {
	if q := l.queue(); q == queueReserved {
		return Reserved
	}
	return Bucket(l.State)
}

// A lease is packed into one byte: state in bits 0-2, next state in bits
// 3-5, the reserved flag in bit 6. 0 means no record.
const (
	packNextShift = 3
	packReserved  = 1 << 6
	packDue       = 1 << 7 // not stored: marks a due lease in bucketTable's index
)

func (l Lease) pack() uint8 {
	b := uint8(l.State) | uint8(l.Next)<<packNextShift
	if l.Reserved {
		b |= packReserved
	}
	return b
}

func unpack(b uint8) Lease {
	return Lease{State: binding.State(b & 7), Next: binding.State(b >> packNextShift & 7), Reserved: b&packReserved != 0}
}

// bucketTable[failover][packed | packDue if due] is the bucket of a packed
// lease: counting a pool is one table look-up per address.
var bucketTable = func() (t [2][256]Bucket) {
	for fo := range t {
		for k := range t[fo] {
			l := unpack(uint8(k) &^ packDue)
			if !l.State.Valid() || !l.Next.Valid() {
				t[fo][k] = Bucket(binding.Free) // no record (the rest never occurs)
				continue
			}
			t[fo][k] = l.effective(k&packDue != 0, fo == 1).Bucket()
		}
	}
	return t
}()

// leaseChunk holds the leases of one /24: dense arrays keep a million
// addresses in a few megabytes, where a map would take tens.
type leaseChunk struct {
	rec  [256]uint8 // packed lease, 0 when no record
	ends [256]uint32
}

// LeaseDB is the state of a lease file: the last record of every address.
// A later record for an address replaces the earlier one entirely, as dhcpd
// replaces the lease object (server/mdb.c:1111-1146).
type LeaseDB struct {
	chunks    map[uint32]*leaseChunk // by address >> 8
	addresses int
}

// newLeaseDB returns an empty database.
func newLeaseDB() *LeaseDB {
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
	if c.rec[ip&0xff] == 0 {
		db.addresses++
	}
	c.rec[ip&0xff], c.ends[ip&0xff] = l.pack(), l.Ends
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
	if c == nil || c.rec[ip&0xff] == 0 {
		return Lease{}, false
	}
	l := unpack(c.rec[ip&0xff])
	l.Ends = c.ends[ip&0xff]
	return l, true
}

// CountRange adds to counts the bucket of every address from low to high
// (both included, low <= high, IPv4) as dhcpd holds it at now in a pool
// with or without a failover peer (Lease.Effective, Lease.Bucket): failover
// changes where ended leases go. Addresses without a record are free (dhcpd
// writes no record for an address never used). A pool's count is the sum
// over its ranges, each counted with the pool's failover flag.
func (db *LeaseDB) CountRange(low, high netip.Addr, failover bool, now uint32, counts *Counts) {
	tbl := &bucketTable[0]
	if failover {
		tbl = &bucketTable[1]
	}
	db.countRange(addrUint32(low), addrUint32(high), tbl, min(now, NeverTime-1), counts)
}

func (db *LeaseDB) countRange(lo, hi uint32, tbl *[256]Bucket, limit uint32, counts *Counts) {
	for ip := uint64(lo); ip <= uint64(hi); {
		c := db.chunks[uint32(ip)>>8]
		end := min(uint64(hi), ip|0xff) // last address of this /24 within the range
		if c == nil {
			counts[binding.Free] += end - ip + 1
			ip = end + 1
			continue
		}
		for ; ip <= end; ip++ {
			i := ip & 0xff
			k := c.rec[i]
			if c.ends[i] <= limit {
				k |= packDue
			}
			counts[tbl[k]]++
		}
	}
}

// merge applies other's records over db's, as if other's records came later.
func (db *LeaseDB) merge(other *LeaseDB) {
	for key, oc := range other.chunks {
		c := db.chunks[key]
		if c == nil {
			db.chunks[key] = oc
			for _, b := range oc.rec {
				if b != 0 {
					db.addresses++
				}
			}
			continue
		}
		for i, b := range oc.rec {
			if b == 0 {
				continue
			}
			if c.rec[i] == 0 {
				db.addresses++
			}
			c.rec[i], c.ends[i] = b, oc.ends[i]
		}
	}
}

func uint32Addr(v uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

func addrUint32(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}
