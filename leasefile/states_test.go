package leasefile

// Table-driven tests of dhcpd's lease state rules (docs/lease-states.md).
// stateCases is also the seed of TestRealDhcpdLeaseStates, which runs the
// same records through a real dhcpd 4.4.3.

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/dhcpd-exporter/dhcpd_exporter/binding"
	"github.com/dhcpd-exporter/dhcpd_exporter/dhcpdconf"
	"github.com/dhcpd-exporter/dhcpd_exporter/internal/conflex"
)

// stateCase is one lease record body and the bucket dhcpd counts it in at
// the time the record is read, in a pool with and without failover.
type stateCase struct {
	name           string
	body           string // record statements; {past} and {future} are dates 10 minutes before and an hour after now
	failover, none Bucket
}

const (
	bFree      = Bucket(binding.Free)
	bActive    = Bucket(binding.Active)
	bExpired   = Bucket(binding.Expired)
	bReleased  = Bucket(binding.Released)
	bAbandoned = Bucket(binding.Abandoned)
	bReset     = Bucket(binding.Reset)
	bBackup    = Bucket(binding.Backup)
	bReserved  = Reserved
)

var stateCases = []stateCase{
	// Rule 1: at its end a lease moves to its next binding state.
	{"active, next free, ended", "binding state active; next binding state free; ends {past};", bFree, bFree},
	{"active, next expired, ended", "binding state active; next binding state expired; ends {past};", bExpired, bFree}, // without failover expired moves on to free in the same pass
	{"active, next free, not ended", "binding state active; next binding state free; ends {future};", bActive, bActive},
	{"active, no next state, ended", "binding state active; ends {past};", bActive, bActive},
	{"active, next free, no end", "binding state active; next binding state free;", bFree, bFree},
	{"active, next free, ends never", "binding state active; next binding state free; ends never;", bActive, bActive},
	{"next line before binding line", "next binding state expired; binding state active; ends {past};", bExpired, bFree},
	{"active, next released, ended", "binding state active; next binding state released; ends {past};", bReleased, bFree},
	{"active, next abandoned, ended", "binding state active; next binding state abandoned; ends {past};", bFree, bFree},
	{"active, next backup, ended", "binding state active; next binding state backup; ends {past};", bBackup, bBackup},
	{"expired, next free, ended", "binding state expired; next binding state free; ends {past};", bExpired, bFree},
	{"released, next free, ended", "binding state released; next binding state free; ends {past};", bReleased, bFree},
	{"reset, next free, ended", "binding state reset; next binding state free; ends {past};", bReset, bFree},
	{"released, next free, not ended", "binding state released; next binding state free; ends {future};", bReleased, bReleased},
	{"expired, no next state, ended", "binding state expired; ends {past};", bExpired, bExpired},
	{"abandoned, next free, ended", "binding state abandoned; next binding state free; ends {past};", bFree, bFree},
	{"abandoned, no next state, ended", "binding state abandoned; ends {past};", bAbandoned, bAbandoned},
	{"old abandoned statement", "next binding state free; abandoned; ends {past};", bAbandoned, bAbandoned},
	{"backup, next free, ended", "binding state backup; next binding state free; ends {past};", bFree, bFree},
	{"free, next backup, ended", "binding state free; next binding state backup; ends {past};", bBackup, bBackup},
	// Rule 2: records without a binding state.
	{"no state, ended", "ends {past};", bFree, bFree},
	{"no state, not ended", "ends {future};", bActive, bActive},
	{"no state, no end", "starts {past};", bFree, bFree},
	{"no state, on expiry, ended", `ends {past}; on expiry { set x = "y"; }`, bFree, bFree},
	{"no state, next expired, ended", "next binding state expired; ends {past};", bFree, bFree},
	{"no state, ends never", "ends never;", bActive, bActive},
	// Rule 3: backup leases without failover are free.
	{"backup, ended", "binding state backup; ends {past};", bBackup, bFree},
	{"backup, no end", "binding state backup;", bBackup, bFree},
	// Rule 4: the reserved flag.
	{"free, reserved", "binding state free; reserved; ends {past};", bReserved, bReserved},
	{"backup, reserved", "binding state backup; reserved; ends {past};", bReserved, bReserved},
	{"active, reserved, not ended", "binding state active; next binding state free; reserved; ends {future};", bActive, bActive},
	{"active, reserved, ended", "binding state active; next binding state free; reserved; ends {past};", bReserved, bReserved},
	{"active, next expired, reserved, ended", "binding state active; next binding state expired; reserved; ends {past};", bExpired, bReserved},
	{"old reserved state, next free, ended", "binding state reserved; next binding state free; ends {past};", bReserved, bReserved},
	{"old reserved state, no next", "binding state reserved; ends {past};", bActive, bActive},
	{"rewind word reserved", "binding state free; rewind binding state reserved; ends {past};", bReserved, bReserved},
	{"next word reserved", "binding state free; next binding state reserved; ends {past};", bActive, bActive}, // moves back to the active queue, walked already
	{"rewind ignored", "binding state expired; next binding state free; rewind binding state free; ends {past};", bExpired, bFree},
	{"no state, reserved, ended", "ends {past}; reserved;", bReserved, bReserved},
	// Free and backup leases whose end is still to come (dhcpd's counters
	// leave them out at start-up: see TestRealDhcpdLeaseStates).
	{"free, not ended", "binding state free; ends {future};", bFree, bFree},
	{"backup, not ended", "binding state backup; ends {future};", bBackup, bFree},
}

// stateCaseRecord is the lease record of c for address ip, dated around now.
func stateCaseRecord(c stateCase, ip string, now time.Time) string {
	date := func(d time.Duration) string {
		t := now.Add(d).UTC()
		return fmt.Sprintf("%d %s", int(t.Weekday()), t.Format("2006/01/02 15:04:05"))
	}
	body := strings.NewReplacer("{past}", date(-10*time.Minute), "{future}", date(time.Hour)).Replace(c.body)
	return fmt.Sprintf("lease %s {\n  %s\n}\n", ip, strings.ReplaceAll(body, "; ", ";\n  "))
}

// TestStateRules: each record, as parsed, lands in the bucket dhcpd counts
// it in, in pools with and without failover. The tokenizer alone (keywords
// upper-cased) reads the same.
func TestStateRules(t *testing.T) {
	var text strings.Builder
	for i, c := range stateCases {
		text.WriteString(stateCaseRecord(c, fmt.Sprintf("10.0.0.%d", i+1), testNow))
	}
	lower, res := parseString(t, text.String())
	upper, _ := parseString(t, string(upperOutsideStrings([]byte(text.String()))))
	if res.Malformed != 0 || res.Records != len(stateCases) {
		t.Fatalf("%+v: %v", res, lower.Stats().LastMalformed)
	}
	if !sameState(lower.DB(), upper.DB()) {
		t.Error("fast paths and tokenizer disagree")
	}
	now := uint32(testNow.Unix())
	for i, c := range stateCases {
		l, ok := lower.DB().Get(netip.AddrFrom4([4]byte{10, 0, 0, byte(i + 1)}))
		if !ok {
			t.Fatalf("%s: no record", c.name)
		}
		fo, none := l.Effective(now, true).Bucket(), l.Effective(now, false).Bucket()
		if fo != c.failover || none != c.none {
			t.Errorf("%s: %+v counts as %v with failover, %v without; want %v, %v", c.name, l, fo, none, c.failover, c.none)
		}
	}
}

// TestEffective checks the transitions on leases built directly.
func TestEffective(t *testing.T) {
	const now = 1000
	L := func(s, n Bucket, reserved bool, ends uint32) Lease {
		return Lease{State: binding.State(s), Next: binding.State(n), Reserved: reserved, Ends: ends}
	}
	cases := []struct {
		in             Lease
		failover, none Lease
	}{
		// Ended: moves, and takes dhcpd's next state for the new one.
		{L(bActive, bFree, false, now), L(bFree, bFree, false, now), L(bFree, bFree, false, now)},
		{L(bActive, bExpired, false, 999), L(bExpired, bFree, false, 999), L(bFree, bFree, false, 999)},
		{L(bExpired, bFree, false, 0), L(bExpired, bFree, false, 0), L(bFree, bFree, false, 0)},
		{L(bFree, bActive, true, 1), L(bActive, bExpired, true, 1), L(bActive, bFree, true, 1)},
		// Not ended: only the backup-without-failover rule applies.
		{L(bActive, bFree, false, now+1), L(bActive, bFree, false, now+1), L(bActive, bFree, false, now+1)},
		{L(bBackup, bBackup, false, now+1), L(bBackup, bBackup, false, now+1), L(bFree, bFree, false, now+1)},
		{L(bActive, bFree, false, NeverTime), L(bActive, bFree, false, NeverTime), L(bActive, bFree, false, NeverTime)},
	}
	for _, c := range cases {
		if got := c.in.Effective(now, true); got != c.failover {
			t.Errorf("%+v with failover: %+v, want %+v", c.in, got, c.failover)
		}
		if got := c.in.Effective(now, false); got != c.none {
			t.Errorf("%+v without failover: %+v, want %+v", c.in, got, c.none)
		}
	}
	// "never" stays never even past 2038.
	if got := L(bActive, bFree, false, NeverTime).Effective(NeverTime+5, true); got.State != binding.Active {
		t.Errorf("ends never moved: %+v", got)
	}
}

// TestCountPoolMatchesEffective: the look-up table CountRange uses gives
// Effective's bucket for every packed lease, due or not, and unrecorded
// addresses are free.
func TestCountPoolMatchesEffective(t *testing.T) {
	const now = 5000
	db := newLeaseDB()
	var want [2]Counts
	ip := uint32(10 << 24)
	for s := binding.Free; s <= binding.Backup; s++ {
		for n := binding.Free; n <= binding.Backup; n++ {
			for _, reserved := range []bool{false, true} {
				for _, ends := range []uint32{0, now - 1, now, now + 1, NeverTime} {
					l := Lease{State: s, Next: n, Reserved: reserved, Ends: ends}
					db.set(ip, l)
					ip++
					if got, _ := db.get(ip - 1); got != l {
						t.Fatalf("packing: %+v read back as %+v", l, got)
					}
					for fo := range want {
						want[fo][l.Effective(now, fo == 1).Bucket()]++
					}
				}
			}
		}
	}
	r := dhcpdconf.Range{Low: uint32Addr(10 << 24), High: uint32Addr(ip + 99)} // 100 addresses without a record
	for fo := range want {
		want[fo][binding.Free] += 100
		p := &dhcpdconf.Pool{Ranges: []dhcpdconf.Range{r}}
		if fo == 1 {
			p.FailoverPeer = "fo"
		}
		var got Counts
		countPool(db, p, now, &got)
		if got != want[fo] {
			t.Errorf("failover %v: CountRange %v, Effective %v", fo == 1, got, want[fo])
		}
	}
}

// TestStateStatementsTakeTheFastPath: dhcpd's own spelling of the state
// statements never falls back to the tokenizer.
func TestStateStatementsTakeTheFastPath(t *testing.T) {
	for _, c := range []struct {
		src  string
		kind int
		rest string // what is left after the fast path
	}{
		{"  binding state active;\n", stmtBinding, "\n"},
		{"  next binding state free;\n", stmtNext, "\n"},
		{"  rewind binding state backup;\n", stmtRewind, "\n"},
		{"  reserved;\n", stmtReserved, ";\n"},
		{"  nextx binding state free;\n", stmtOther, ""},
		{"  rewinding;\n", stmtOther, ""},
	} {
		l := conflex.NewLexer("t", []byte(c.src))
		kind := statementStart(l)
		if kind != c.kind {
			t.Errorf("%q: kind %d, want %d", c.src, kind, c.kind)
			continue
		}
		switch kind {
		case stmtBinding, stmtNext, stmtRewind:
			if _, ok := fastBindingState(l, kind != stmtBinding); !ok {
				t.Errorf("%q: fast path refused", c.src)
			}
		}
		src, pos, _ := l.Bytes()
		if kind != stmtOther && string(src[pos:]) != c.rest {
			t.Errorf("%q: left %q, want %q", c.src, src[pos:], c.rest)
		}
	}
}

// Malformed state statements drop the record, as dhcpd drops a record with
// an unknown state word (server/confpars.c:3387-3392).
func TestMalformedStateStatements(t *testing.T) {
	for _, bad := range []string{
		"next binding state sleepy;",
		"rewind binding state sleepy;",
		"next state free;",
		"next binding free;",
		"rewind binding state free",
	} {
		lf, res := parseString(t, "lease 10.0.0.2 { "+bad+" }\nlease 10.0.0.1 { binding state active; ends never; }\n")
		if res.Malformed != 1 || res.Records != 1 {
			t.Errorf("%q: %+v", bad, res)
		}
		if _, ok := lf.DB().Get(netip.MustParseAddr("10.0.0.2")); ok {
			t.Errorf("%q: the malformed record was applied", bad)
		}
		if l, _ := lf.DB().Get(netip.MustParseAddr("10.0.0.1")); l.State != binding.Active {
			t.Errorf("%q: the next record was not read", bad)
		}
	}
}
