// Package binding numbers and names a DHCPv4 lease's binding states as ISC
// dhcpd 4.x does: the numbers are dhcpd's FTS_* constants
// (includes/dhcpd.h:532-543), which OMAPI sends as a lease's state, and the
// names are those dhcpd writes into dhcpd.leases after `binding state`
// (binding_state_names, server/stables.c:161-163). The OMAPI client (omapi)
// and the lease file reader (leasefile) both use them. It uses only the
// standard library.
package binding

import "strconv"

// State is a lease's binding state: dhcpd's binding_state_t, one byte. The
// zero State means no state (an address without a lease record, or a value
// dhcpd never sends).
type State uint8

// dhcpd's binding states, in its numbering (FTS_FREE .. FTS_BACKUP).
const (
	Free      State = 1
	Active    State = 2
	Expired   State = 3
	Released  State = 4
	Abandoned State = 5
	Reset     State = 6
	Backup    State = 7
)

// States lists every binding state of dhcpd 4.x, in dhcpd's numbering.
var States = []State{Free, Active, Expired, Released, Abandoned, Reset, Backup}

var names = [...]string{"none", "free", "active", "expired", "released", "abandoned", "reset", "backup"}

// Valid reports whether s is one of dhcpd's states (FTS_FREE to FTS_LAST).
func (s State) Valid() bool { return s >= Free && s <= Backup }

// String is the state's name as dhcpd writes it ("free", "active", ...),
// "none" for the zero State and "state(N)" for a number dhcpd does not use.
func (s State) String() string {
	if int(s) < len(names) {
		return names[s]
	}
	return "state(" + strconv.Itoa(int(s)) + ")"
}
