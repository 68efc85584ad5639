package leasefile

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dhcpd-exporter/dhcpd_exporter/binding"
	"github.com/dhcpd-exporter/dhcpd_exporter/dhcpdconf"
	"github.com/dhcpd-exporter/dhcpd_exporter/internal/conflex"
)

// now is 2026-11-22 13:50:29 UTC, the lab seed's NOW.
var testNow = time.Unix(1795355429, 0)

// everyRecord holds every kind of record dhcpd 4.4 writes, and the older
// or hand-written forms it reads (docs/lease-states.md).
const everyRecord = `# The format of this file is documented in the dhcpd.leases(5) manual page.
# This lease file was written by isc-dhcp-4.4.3-P1

# authoring-byte-order entry is generated, DO NOT DELETE
authoring-byte-order little-endian;

server-duid "\000\001\000\001(\350\023\234\036f\316@\310\211";

failover peer "dhcp-failover" state {
  my state recover at 0 2026/11/22 13:44:43;
  partner state unknown-state at 0 2026/11/22 13:44:43;
  mclt 10;
}
class "dyn" { dynamic; lease limit 4; match hardware; }
subclass "dyn" 1:2:0:0:0:0:1 { dynamic; }
group "g" { dynamic; default-lease-time 60; }
host omapi-host1 {
  dynamic;
  hardware ethernet 02:00:00:00:00:14;
  fixed-address 192.0.2.20;
}
host omapi-host1 { dynamic; deleted; }
lease 192.0.2.100 {
  starts 0 2026/11/22 13:45:29;
  ends 0 2026/11/22 14:50:29;
  tstp 0 2026/11/22 14:50:29;
  tsfp 0 2026/11/22 14:50:29;
  atsfp 0 2026/11/22 14:50:29;
  cltt 0 2026/11/22 13:45:29;
  binding state active;
  next binding state free;
  rewind binding state free;
  hardware ethernet 02:00:00:00:00:64;
  uid "\001\002\000\000\000\000d";
  set ddns-fwd-name = "client-100.example.";
  set remote-handle = %2;
  set flag = true;
  option agent.circuit-id "port;7}";
  option agent.remote-id 0:1:2;
  client-hostname "client-100";
  on expiry { set x = "}"; if exists host-name { log (info, "{"); } }
  on release { execute ("/bin/true"); }
}
lease 192.0.2.101 {
  starts epoch 1795355000; # Sun Nov 22 13:43:20 2026
  ends never;
  cltt 0 2026/11/22 13:45:29;
  binding state backup;
  billing class "dyn";
  reserved;
  dynamic-bootp;
}
lease 192.0.2.102 {
  starts 0 2026/11/22 13:45:29;
  ends 0 2026/11/22 12:00:00;
  binding state active;
}
lease 192.0.2.103 {
  ends 0 2026/11/22 14:50:29;
}
lease 192.0.2.104 {
  ends 0 2026/11/22 12:50:29;
}
lease 192.0.2.105 {
  ends 6 2040/01/01 00:00:00;
  binding state abandoned;
}
lease 192.0.2.106 {
  ends 0 2026/11/22 12:50:29 3600;
  binding state released;
}
lease 192.0.2.107 {
  next binding state free;
  binding state active;
  ends 0 2026/11/22 12:00:00;
}
lease 192.0.2.108 {
  ends 0 2026/11/22 12:00:00;
  binding state reserved;
  next binding state free;
}
lease 192.0.2.109 {
  binding state free;
  rewind binding state reserved;
}
lease 192.0.2.110 {
  starts 0 2026/11/22 11:00:00;
  ends 0 2026/11/22 12:00:00;
  binding state expired;
  next binding state free;
  rewind binding state active;
}
lease 192.0.2.111 {
  ends 0 2026/11/22 12:00:00;
  next binding state free;
  abandoned;
}
ia-na "\001\000\000\000\000\001\000\001" {
  cltt 0 2026/11/22 13:45:29;
  iaaddr 2001:db8::10 {
    binding state active;
    preferred-life 300;
    max-life 600;
    ends 0 2026/11/22 14:50:29;
  }
}
ia-pd "\002\000\000\000" { iaprefix 2001:db8:1::/56 { binding state active; } }
lease 192.0.2.100 {
  starts 0 2026/11/22 13:45:29;
  ends 0 2026/11/22 14:55:29;
  binding state active;
}
`

func parseString(t *testing.T, text string) (*LeaseFile, UpdateResult) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "dhcpd.leases")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	lf := NewLeaseFile(path)
	res, err := lf.Update(bg, testNow)
	if err != nil {
		t.Fatal(err)
	}
	return lf, res
}

func TestEveryRecordKind(t *testing.T) {
	lf, res := parseString(t, everyRecord)
	if res.Malformed != 0 {
		t.Fatalf("malformed %d: %v", res.Malformed, lf.Stats().LastMalformed)
	}
	if res.Records != everyRecordCount || !res.FullParse || lf.Stats().Offset != int64(len(everyRecord)) {
		t.Errorf("result %+v stats %+v", res, lf.Stats())
	}
	now := uint32(testNow.Unix())
	const A, F, E, R, X, B = binding.Active, binding.Free, binding.Expired, binding.Released, binding.Abandoned, binding.Backup
	const bA, bF, bE, bR, bX, bQ = Bucket(A), Bucket(F), Bucket(E), Bucket(R), Bucket(X), Reserved // buckets
	cases := []struct {
		ip             string
		state, next    binding.State
		reserved       bool
		ends           uint32
		failover, none Bucket // the bucket now, in a pool with and without failover
	}{
		{"192.0.2.100", A, A, false, 1795355429 + 3900, bA, bA}, // the later record replaced the first
		{"192.0.2.101", B, B, true, NeverTime, bQ, bQ},
		{"192.0.2.102", A, A, false, 1795348800, bA, bA},        // ended, but no next state: stays active
		{"192.0.2.103", A, F, false, 1795355429 + 3600, bA, bA}, // no binding state, not ended
		{"192.0.2.104", A, F, false, 1795355429 - 3600, bF, bF}, // no binding state, ended
		{"192.0.2.105", X, X, false, NeverTime, bX, bX},         // 2040 reads as never
		{"192.0.2.106", R, R, false, 1795355429, bR, bR},        // time zone offset, added as dhcpd does
		{"192.0.2.107", A, F, false, 1795348800, bF, bF},        // next before binding state still counts
		{"192.0.2.108", A, F, true, 1795348800, bQ, bQ},         // old "reserved" state: active, flagged
		{"192.0.2.109", F, F, true, 0, bQ, bQ},                  // the rewind word sets the flag too
		{"192.0.2.110", E, F, false, 1795348800, bE, bF},        // expired waits for the peer only with failover
		{"192.0.2.111", X, X, false, 1795348800, bX, bX},        // `abandoned;` sets the next state too
	}
	for _, c := range cases {
		l, ok := lf.DB().Get(netip.MustParseAddr(c.ip))
		want := Lease{State: c.state, Next: c.next, Reserved: c.reserved, Ends: c.ends}
		if !ok || l != want {
			t.Errorf("%s: %+v, want %+v", c.ip, l, want)
		}
		fo, none := l.Effective(now, true).Bucket(), l.Effective(now, false).Bucket()
		if fo != c.failover || none != c.none {
			t.Errorf("%s: bucket %v with failover, %v without; want %v, %v", c.ip, fo, none, c.failover, c.none)
		}
	}
	if _, ok := lf.DB().Get(netip.MustParseAddr("192.0.2.120")); ok {
		t.Error("absent address has a record")
	}
}

// everyRecordCount is the number of top-level records in everyRecord.
const everyRecordCount = 23

func TestTruncatedTailWaitsForTheRest(t *testing.T) {
	full := everyRecord
	for _, cut := range []int{len(full) - 1, len(full) - 30, strings.Index(full, "ia-na") + 10, strings.Index(full, `"port;7}"`) + 4, strings.Index(full, "binding state backup") + 11} {
		path := filepath.Join(t.TempDir(), "dhcpd.leases")
		os.WriteFile(path, []byte(full[:cut]), 0o644)
		lf := NewLeaseFile(path)
		res, err := lf.Update(bg, testNow)
		if err != nil || res.Malformed != 0 {
			t.Fatalf("cut %d: %v malformed %d (%v)", cut, err, res.Malformed, lf.Stats().LastMalformed)
		}
		// Completing the file completes the record.
		f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
		f.WriteString(full[cut:])
		f.Close()
		res2, err := lf.Update(bg, testNow)
		if err != nil || res2.FullParse || res2.Malformed != 0 || res.Records+res2.Records != everyRecordCount {
			t.Fatalf("cut %d: second update %+v %v (first %+v)", cut, res2, err, res)
		}
		if l, _ := lf.DB().Get(netip.MustParseAddr("192.0.2.100")); l.Ends != 1795355429+3900 {
			t.Fatalf("cut %d: final state wrong", cut)
		}
	}
}

func TestIncrementalAndRewrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "dhcpd.leases")
	os.WriteFile(path, []byte("lease 10.0.0.1 {\n  binding state active;\n  ends never;\n}\n"), 0o644)
	lf := NewLeaseFile(path)
	if res, _ := lf.Update(bg, testNow); !res.FullParse || res.Records != 1 {
		t.Fatalf("%+v", res)
	}
	// Nothing changed: nothing is read.
	if res, _ := lf.Update(bg, testNow); res.BytesRead != 0 || res.FullParse {
		t.Fatalf("unchanged file read again: %+v", res)
	}
	// An appended record is read alone and replaces the earlier one.
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	rec := "lease 10.0.0.1 {\n  binding state free;\n}\n"
	f.WriteString(rec)
	f.Close()
	res, _ := lf.Update(bg, testNow)
	if res.FullParse || res.BytesRead != int64(len(rec)) || res.Records != 1 {
		t.Fatalf("append: %+v", res)
	}
	if l, _ := lf.DB().Get(netip.MustParseAddr("10.0.0.1")); l.State != binding.Free {
		t.Fatalf("append not applied: %+v", l)
	}
	// dhcpd's rewrite: a new file renamed over the path.
	tmp := filepath.Join(dir, "dhcpd.leases.1795355429")
	os.WriteFile(tmp, []byte("lease 10.0.0.2 {\n  binding state backup;\n}\n"), 0o644)
	os.Link(path, path+"~")
	os.Rename(tmp, path)
	res, _ = lf.Update(bg, testNow)
	if !res.FullParse || lf.DB().Addresses() != 1 {
		t.Fatalf("rewrite not detected: %+v, %d addresses", res, lf.DB().Addresses())
	}
	if _, ok := lf.DB().Get(netip.MustParseAddr("10.0.0.1")); ok {
		t.Fatal("state from the old file survived the rewrite")
	}
	// A file that shrank in place is read again.
	os.WriteFile(path, []byte("\n"), 0o644)
	if res, _ := lf.Update(bg, testNow); !res.FullParse || lf.DB().Addresses() != 0 {
		t.Fatalf("truncation not detected: %+v", res)
	}
	os.Remove(path)
	if _, err := lf.Update(bg, testNow); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("missing file: %v", err)
	}
}

func TestMalformedRecordsAreCountedWithTheirLine(t *testing.T) {
	text := `lease 10.0.0.1 {
  binding state active;
}
lease 10.0.0.2 {
  binding state sleepy;
}
lease 10.0.0.300 {
  binding state free;
}
garbage here;
lease 10.0.0.3 {
  ends 0 2026/13/01 00:00:00;
}
lease 10.0.0.4 {
  hardware ethernet 02:00:00:00:00:01
}
lease 10.0.0.5 {
  binding state backup;
}
`
	lf, res := parseString(t, text)
	if res.Malformed != 5 || res.Records != 2 {
		t.Fatalf("%+v last %v", res, lf.Stats().LastMalformed)
	}
	if err := lf.Stats().LastMalformed; err == nil || !strings.Contains(err.Error(), "dhcpd.leases:16:") {
		t.Errorf("last error %v", err)
	}
	for ip, want := range map[string]binding.State{"10.0.0.1": binding.Active, "10.0.0.5": binding.Backup} {
		if l, _ := lf.DB().Get(netip.MustParseAddr(ip)); l.State != want {
			t.Errorf("%s: %v", ip, l.State)
		}
	}
	for _, ip := range []string{"10.0.0.2", "10.0.0.3", "10.0.0.4"} {
		if _, ok := lf.DB().Get(netip.MustParseAddr(ip)); ok {
			t.Errorf("%s: malformed record applied", ip)
		}
	}
}

func TestLabSeedAndCountPool(t *testing.T) {
	b, err := os.ReadFile("testdata/primary.leases.seed")
	if err != nil {
		t.Fatal(err)
	}
	lf, res := parseString(t, string(b))
	if res.Malformed != 0 || res.Records != 101 {
		t.Fatalf("%+v", res)
	}
	r := dhcpdconf.Range{Low: netip.MustParseAddr("192.0.2.100"), High: netip.MustParseAddr("192.0.2.199")}
	fo := &dhcpdconf.Pool{FailoverPeer: "dhcp-failover", Ranges: []dhcpdconf.Range{r}}
	plain := &dhcpdconf.Pool{Ranges: []dhcpdconf.Range{r}}
	count := func(p *dhcpdconf.Pool, at time.Time) Counts {
		var c Counts
		countPool(lf.DB(), p, uint32(at.Unix()), &c)
		if c.total() != 100 {
			t.Errorf("%d addresses counted, want 100: %v", c.total(), c)
		}
		return c
	}
	check := func(name string, got Counts, want map[Bucket]uint64) {
		t.Helper()
		for _, s := range Buckets {
			if got[s] != want[s] {
				t.Errorf("%s: %v %d, want %d (%v)", name, s, got[s], want[s], got)
			}
		}
	}
	// The seed was written at 13:50:29 with actives ending an hour later
	// (next state free), expired and released leases ended a minute
	// before (next state free), abandoned ones without a next state.
	check("failover", count(fo, testNow), map[Bucket]uint64{Bucket(binding.Active): 50, Bucket(binding.Free): 20, Bucket(binding.Backup): 16, Bucket(binding.Expired): 6, Bucket(binding.Abandoned): 4, Bucket(binding.Released): 4})
	// Without failover, backup leases are free, and ended expired and
	// released leases have moved on to free.
	check("no failover", count(plain, testNow), map[Bucket]uint64{Bucket(binding.Active): 50, Bucket(binding.Free): 20 + 16 + 6 + 4, Bucket(binding.Abandoned): 4})
	// Two hours later every active lease has moved to its next state, free.
	later := testNow.Add(2 * time.Hour)
	check("failover, later", count(fo, later), map[Bucket]uint64{Bucket(binding.Free): 70, Bucket(binding.Backup): 16, Bucket(binding.Expired): 6, Bucket(binding.Abandoned): 4, Bucket(binding.Released): 4})
	check("no failover, later", count(plain, later), map[Bucket]uint64{Bucket(binding.Free): 96, Bucket(binding.Abandoned): 4})
	// Addresses without records are free, across /24 boundaries.
	span := &dhcpdconf.Pool{FailoverPeer: "dhcp-failover", Ranges: []dhcpdconf.Range{{Low: netip.MustParseAddr("192.0.1.250"), High: netip.MustParseAddr("192.0.3.5")}}}
	var c Counts
	countPool(lf.DB(), span, uint32(testNow.Unix()), &c)
	if c.total() != 6+256+6 || c[binding.Free] != 6+256+6-80 {
		t.Errorf("span: %v", c)
	}
}

func TestDates(t *testing.T) {
	cases := map[string]uint32{
		"0 1970/01/01 00:00:00;":       0,
		"4 2026/11/22 13:50:29;":       1795355429,
		"4 2024/02/29 12:00:00;":       1709208000,
		"4 2026/11/22 13:50:29 -3600;": 1795351829,
		"4 2026/11/22 13:50:29 3600;":  1795359029,
		"never;":                       NeverTime,
		"epoch 1795355429; # comment":  1795355429,
		"3 2038/01/19 03:14:08;":       NeverTime,
		"3 126/11/22 13:50:29;":        1795355429,
	}
	for in, want := range cases {
		got, err := readDate(conflex.NewLexer("d", []byte(in)))
		if err != nil || got != want {
			t.Errorf("%q: %d %v, want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"0 2026/11/22;", "0 2026-11-22 00:00:00;", "soon;", "0 2026/00/10 00:00:00;"} {
		if _, err := readDate(conflex.NewLexer("d", []byte(bad))); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// FuzzLeaseFile checks that whatever the file holds, the reader agrees with
// itself: read whole or in two appends, through the fast paths or the
// tokenizer alone, in small reads or split across workers, and with a small
// record bound whole, in two appends or split across workers; errors carry
// a position, and a record appended after complete lines is read. The
// files live in memory (memFS, behind the same Update): on disk each input
// cost a temporary directory, a dozen file operations and a megabyte
// buffer per read, and the fuzzer ran a few hundred inputs a second at
// best.
func FuzzLeaseFile(f *testing.F) {
	for _, seed := range fuzzSeeds() {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkLeaseData(t, data) })
}

// fuzzSeeds are FuzzLeaseFile's seeds (testdata/fuzz holds more).
func fuzzSeeds() [][]byte {
	seeds := [][]byte{
		[]byte(everyRecord),
		[]byte("lease 1.2.3.4 { binding state active; ends never; }\nlease 1.2.3.4 {"),
		[]byte("lease 1.2.3.4 {\n  next binding state free;\n  binding state active;\n  rewind binding state reserved;\n  reserved;\n  ends 0 2026/11/22 12:00:00;\n}\n"),
		[]byte("lease 1.2.3.4 { next binding free; }\nlease 1.2.3.5 { rewind }\nlease 1.2.3.6 { reserved x; binding state reserved; next binding state bootp; }\n"),
		[]byte("lease 1.2.3.4 {\n  uid \"\\001\nlease 1.2.3.5 {\n  binding state active;\n}\nfailover peer \"x\" state {\n  my state\nLEASE\t1.2.3.6 { binding state backup; }\n# long comment line\n"),
	}
	for _, c := range stateCases {
		seeds = append(seeds, []byte(stateCaseRecord(c, "1.2.3.4", testNow)))
	}
	return seeds
}

// BenchmarkFuzzLeaseFile runs FuzzLeaseFile's body over its seeds: the
// speed of the fuzzer without its own overhead.
func BenchmarkFuzzLeaseFile(b *testing.B) {
	seeds := fuzzSeeds()
	for i := 0; i < b.N; i++ {
		checkLeaseData(b, seeds[i%len(seeds)])
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "execs/s")
}

// The fuzz target must stay fast enough to find anything: on disk, with a
// temporary directory per input and a megabyte buffer per read, it took
// about 3 ms an input; in memory it takes about 0.2 ms.
func TestFuzzBodyIsFast(t *testing.T) {
	if raceDetector {
		t.Skip("the race detector slows it down")
	}
	seeds := fuzzSeeds()
	begin := time.Now()
	const rounds = 10
	for range rounds {
		for _, s := range seeds {
			checkLeaseData(t, s)
		}
	}
	per := time.Since(begin) / time.Duration(rounds*len(seeds))
	t.Logf("%v per input", per)
	if per > 2*time.Millisecond {
		t.Errorf("%v per input, want well under 2ms", per)
	}
}

// checkLeaseData is the body of FuzzLeaseFile.
func checkLeaseData(t testing.TB, data []byte) {
	m := newMemFS()
	const path = "/var/lib/dhcp/dhcpd.leases"
	m.write(path, data)
	lf := m.follow(path)
	res, err := lf.Update(bg, testNow)
	if err != nil {
		t.Fatal(err)
	}
	s1 := lf.Stats()
	if s1.Offset > int64(len(data)) {
		t.Fatalf("consumed %d of %d bytes", s1.Offset, len(data))
	}
	if res.Malformed > 0 && !strings.Contains(s1.LastMalformed.Error(), path+":") {
		t.Fatalf("error without position: %v", s1.LastMalformed)
	}
	// same compares another reading with lf's.
	same := func(what string, other *LeaseFile, offsetsToo bool) {
		t.Helper()
		s2 := other.Stats()
		a, b := min(s1.Offset, s2.Offset), max(s1.Offset, s2.Offset)
		if !sameState(lf.DB(), other.DB()) || s1.Records != s2.Records || s1.Malformed != s2.Malformed || (offsetsToo && !onlyBlankLines(data[a:b])) {
			t.Fatalf("%s differs: %d/%d addresses, %d/%d records, %d/%d malformed, offset %d/%d",
				what, lf.DB().Addresses(), other.DB().Addresses(), s1.Records, s2.Records, s1.Malformed, s2.Malformed, s1.Offset, s2.Offset)
		}
	}
	// split reads data in two appends, the first cut after cut bytes.
	split := func(lf2 *LeaseFile, name string, cut int) {
		m.write(name, data[:cut])
		lf2.Update(bg, testNow)
		m.appendTo(name, data[cut:])
		lf2.Update(bg, testNow)
	}
	// Reading the same data in two pieces gives the same state.
	lf2 := m.follow(path + "2")
	split(lf2, path+"2", len(data)/2)
	same("split read", lf2, true)
	// The tokenizer alone (keywords upper-cased) reads what the fast
	// paths read.
	m.write(path+"3", upperOutsideStrings(data))
	lf3 := m.follow(path + "3")
	lf3.Update(bg, testNow)
	same("tokenizer", lf3, false)
	// Small reads, then the parallel split, read the same.
	lf4 := m.follow(path)
	lf4.chunk = 1 + len(data)%61
	lf4.Update(bg, testNow)
	same("small reads", lf4, true)
	lf5 := m.follow(path)
	lf5.parallelAt, lf5.Workers = 1, 2+len(data)%3
	lf5.Update(bg, testNow)
	same("parallel", lf5, true)
	// With a small record bound (long records, skipping), whole and split
	// reads agree.
	bound := 8 + len(data)%89
	lf6 := m.follow(path)
	lf6.maxRecord = bound
	lf6.Update(bg, testNow)
	lf7 := m.follow(path + "7")
	lf7.maxRecord, lf7.chunk = bound, 1+len(data)%7
	split(lf7, path+"7", len(data)/3)
	lf8 := m.follow(path)
	lf8.maxRecord, lf8.parallelAt, lf8.Workers = bound, 1, 3
	lf8.Update(bg, testNow)
	s6 := lf6.Stats()
	for what, other := range map[string]*LeaseFile{"split read": lf7, "parallel read": lf8} {
		if so := other.Stats(); !sameState(lf6.DB(), other.DB()) || s6.Records != so.Records || s6.Malformed != so.Malformed {
			t.Fatalf("bound %d: %s differs: %d/%d addresses, %d/%d records, %d/%d malformed, offset %d/%d",
				bound, what, lf6.DB().Addresses(), other.DB().Addresses(), s6.Records, so.Records, s6.Malformed, so.Malformed, s6.Offset, so.Offset)
		}
	}
	// Whatever came before, a complete record appended after complete
	// lines is read: nothing stalls the reader. With a small bound too.
	if onlyBlankLines(data[s1.Offset:]) && (len(data) == 0 || data[len(data)-1] == '\n') {
		rec := []byte("lease 10.255.255.1 {\n  binding state backup;\n}\n")
		m.appendTo(path, rec)
		readers := []*LeaseFile{lf}
		if bound >= len(rec) {
			m.appendTo(path+"7", rec)
			readers = append(readers, lf7)
		}
		for _, lf := range readers {
			lf.Update(bg, testNow)
			if l, _ := lf.DB().Get(netip.MustParseAddr("10.255.255.1")); l.State != binding.Backup {
				t.Fatalf("a record appended after complete input was not read (offset %d of %d)", lf.Stats().Offset, len(data))
			}
		}
	}
}

// onlyBlankLines reports whether b holds nothing but blank and comment
// lines: two reads may differ in whether they consumed those yet.
func onlyBlankLines(b []byte) bool {
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimLeft(line, " \t\r\v\f")
		if line != "" && line[0] != '#' {
			return false
		}
	}
	return true
}
