package leasefile

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dhcpd-exporter/dhcpd_exporter/binding"
)

// A statement cut short by a '}' (a missing ';') is one malformed record,
// never a stop: the records after it still count, as in dhcpd, which skips
// to the '}' and goes on.
func TestMissingSemicolonBeforeBraceDoesNotStall(t *testing.T) {
	for _, bad := range []string{
		"foo }",
		`server-duid "x" }`,
		"lease foo }",
		"lease 10.0.0.2 { abandoned }",
		"lease 10.0.0.2 { hardware ethernet 02:00:00:00:00:01 }",
		"lease 10.0.0.2 { on expiry }",
		"lease 10.0.0.2 { binding state active }",
		"lease 10.0.0.2 { binding }",
		"lease 10.0.0.2 { ends never }",
		"lease 10.0.0.2 { ends 0 2026/11/22 12:00:00 }",
		"lease 10.0.0.2 { next binding state free }",
		"lease 10.0.0.2 { next }",
		"lease 10.0.0.2 { rewind binding state free }",
		"lease 10.0.0.2 { reserved }",
		"LEASE 10.0.0.2 { NEXT BINDING STATE FREE }",
		"LEASE 10.0.0.2 { RESERVED }",
	} {
		t.Run(bad, func(t *testing.T) {
			lf, res := parseString(t, bad+"\nlease 10.0.0.1 { binding state active; ends never; }\n")
			if l, _ := lf.DB().Get(netip.MustParseAddr("10.0.0.1")); l.State != binding.Active {
				t.Errorf("the record after it was not read: %+v, %+v", l, res)
			}
			if res.Malformed != 1 || lf.Stats().LastMalformed == nil {
				t.Errorf("malformed %d (%v), want 1", res.Malformed, lf.Stats().LastMalformed)
			}
			if _, ok := lf.DB().Get(netip.MustParseAddr("10.0.0.2")); ok {
				t.Error("the malformed record was applied")
			}
		})
	}
	// Records the exporter does not read are skipped by their braces alone.
	lf, res := parseString(t, `failover peer "x" state { mclt 3600 }`+"\nlease 10.0.0.1 { binding state active; ends never; }\n")
	if l, _ := lf.DB().Get(netip.MustParseAddr("10.0.0.1")); l.State != binding.Active || res.Records != 2 {
		t.Errorf("after a skipped record: %+v, %+v", l, res)
	}
}

// A file rewritten in place (cp over it, copytruncate) that has grown past
// the point read last time is read again from the start.
func TestRewriteInPlaceThatGrewIsReadAgain(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dhcpd.leases")
	os.WriteFile(path, []byte("lease 10.0.0.1 { binding state active; ends never; }\n"), 0o644)
	lf := NewLeaseFile(path)
	if _, err := lf.Update(bg, testNow); err != nil {
		t.Fatal(err)
	}
	longer := "lease 10.0.0.1 {\n  binding state free;\n}\nlease 10.0.0.2 {\n  binding state active;\n  ends never;\n}\n"
	if err := os.WriteFile(path, []byte(longer), 0o644); err != nil { // same inode, truncated, longer
		t.Fatal(err)
	}
	res, err := lf.Update(bg, testNow)
	if err != nil || !res.FullParse || res.Malformed != 0 {
		t.Fatalf("%+v %v (last %v)", res, err, lf.Stats().LastMalformed)
	}
	for ip, want := range map[string]binding.State{"10.0.0.1": binding.Free, "10.0.0.2": binding.Active} {
		if l, _ := lf.DB().Get(netip.MustParseAddr(ip)); l.State != want {
			t.Errorf("%s: %v, want %v", ip, l.State, want)
		}
	}
	// An append after that is still read alone.
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("lease 10.0.0.3 { binding state backup; }\n")
	f.Close()
	if res, _ := lf.Update(bg, testNow); res.FullParse || res.Records != 1 {
		t.Errorf("append after the rewrite: %+v", res)
	}
}

// A lease without a binding state is active while it has not ended, then
// free, in a pool with or without failover: dhcpd decides while the lease
// has no pool yet (server/confpars.c:3654-3677), and gives an active one
// next state free. Statements to run on expiry or release only keep it
// active until the pool timer, which frees it at once. So a record without
// a binding state reads as active with next state free, whenever it is read.
func TestLeaseWithoutBindingState(t *testing.T) {
	past, future := "ends 4 2020/01/02 03:04:05;", "ends never;"
	cases := []struct {
		body  string
		state binding.State // as read
		now   Bucket        // the bucket, with and without failover
	}{
		{past, binding.Active, Bucket(binding.Free)},
		{"", binding.Active, Bucket(binding.Free)}, // no end: due at once
		{future, binding.Active, Bucket(binding.Active)},
		{"ends 4 2026/11/22 14:50:29;", binding.Active, Bucket(binding.Active)},
		{past + ` on expiry { set a = "b"; }`, binding.Active, Bucket(binding.Free)},
		{past + ` on commit or release { set a = "b"; }`, binding.Active, Bucket(binding.Free)},
		{past + ` ON EXPIRY { set a = "}"; }`, binding.Active, Bucket(binding.Free)},
		{past + ` on commit { set a = "b"; }`, binding.Active, Bucket(binding.Free)},
		{past + ` next binding state expired;`, binding.Active, Bucket(binding.Free)}, // dhcpd overrides the next state
		{past + ` reserved;`, binding.Active, Reserved},
		{future + ` reserved;`, binding.Active, Bucket(binding.Active)},
		{past + ` on expiry { set a = "b"; } binding state free;`, binding.Free, Bucket(binding.Free)},
	}
	for _, c := range cases {
		lf, res := parseString(t, "lease 10.0.0.1 { "+c.body+" }\n")
		l, _ := lf.DB().Get(netip.MustParseAddr("10.0.0.1"))
		if l.State != c.state || res.Malformed != 0 {
			t.Errorf("%s: %v (%+v, %v), want %v", c.body, l.State, res, lf.Stats().LastMalformed, c.state)
		}
		for _, fo := range []bool{true, false} {
			if got := l.Effective(uint32(testNow.Unix()), fo).Bucket(); got != c.now {
				t.Errorf("%s (failover %v): bucket %v, want %v", c.body, fo, got, c.now)
			}
		}
	}
}

// upperOutsideStrings upper-cases keywords, which dhcpd reads without
// regard to case: the fast paths only take dhcpd's own lower-case output,
// so the upper-cased file goes through the tokenizer alone.
func upperOutsideStrings(data []byte) []byte {
	out := make([]byte, len(data))
	inString, inComment, escaped := false, false, false
	for i, c := range data {
		out[i] = c
		switch {
		case inComment:
			inComment = c != '\n'
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '#':
			inComment = true
		case c >= 'a' && c <= 'z':
			out[i] = c - 'a' + 'A'
		}
	}
	return out
}

// sameState reports whether two lease databases hold the same leases.
func sameState(a, b *LeaseDB) bool {
	if a.addresses != b.addresses {
		return false
	}
	for k, ca := range a.chunks {
		cb, ok := b.chunks[k]
		if !ok || *ca != *cb {
			return false
		}
	}
	for k := range b.chunks {
		if _, ok := a.chunks[k]; !ok {
			return false
		}
	}
	return true
}

func TestFastPathsEqualTokenizer(t *testing.T) {
	lower, _ := parseString(t, everyRecord)
	upper, _ := parseString(t, string(upperOutsideStrings([]byte(everyRecord))))
	if !sameState(lower.DB(), upper.DB()) || lower.Stats().Records != upper.Stats().Records {
		t.Errorf("fast paths and tokenizer disagree: %d/%d addresses, %d/%d records",
			lower.DB().Addresses(), upper.DB().Addresses(), lower.Stats().Records, upper.Stats().Records)
	}
	if !strings.Contains(string(upperOutsideStrings([]byte(`lease 1 { uid "\"a"; } # x"y`+"\nb"))), `LEASE 1 { UID "\"a"; } # x"y`+"\nB") {
		t.Error("upperOutsideStrings")
	}
}
