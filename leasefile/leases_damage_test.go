package leasefile

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dhcpd-exporter/dhcpd_exporter/binding"
)

// laterRecords are complete records written after a damaged one.
const laterRecords = "lease 10.0.0.2 {\n  starts 4 2026/11/22 13:45:29;\n  ends 4 2026/11/22 14:50:29;\n  binding state active;\n  next binding state free;\n  uid \"\\001\\002\";\n}\n" +
	"failover peer \"fo\" state {\n  my state normal at 4 2026/11/22 13:44:43;\n}\n" +
	"lease 10.0.0.3 {\n  binding state free;\n}\n" +
	"lease 10.0.0.4 {\n  binding state backup;\n}\n"

// A record cut off in the middle (dhcpd died, the disk filled up) and
// followed by complete records is one malformed record, reported at its
// first line; every record after it counts, and nothing is read twice.
func TestCutRecordFollowedByCompleteRecords(t *testing.T) {
	const head = "# This lease file was written by isc-dhcp-4.4.3-P1\n\nlease 10.0.0.9 {\n  binding state active;\n  ends never;\n}\n"
	cases := []struct {
		name, cut string
		glued     bool // the next record starts on the cut line: it is lost with it
	}{
		{"in a date", "lease 10.0.0.1 {\n  starts 4 2026/11/22 13:45:29;\n  ends 4 2026/1\n", false},
		{"after a statement", "lease 10.0.0.1 {\n  starts 4 2026/11/22 13:45:29;\n", false},
		{"after the brace", "lease 10.0.0.1 {\n", false},
		{"in the address", "lease 10.0.\n", false},
		{"in a string", "lease 10.0.0.1 {\n  uid \"\\001\\00\n", false},
		{"in a string, upper case next", "lease 10.0.0.1 {\n  client-hostname \"a\n", false},
		{"in an on block", "lease 10.0.0.1 {\n  on expiry {\n    set x = \"y\";\n", false},
		{"in a binding state", "lease 10.0.0.1 {\n  binding state act\n", false},
		{"in a failover record", "failover peer \"fo\" state {\n  my state normal at 4 2026/\n", false},
		{"unclosed braces at the top level", "{{{{{{\n", false},
		{"unterminated string at the top level", "\"abc\n", false},
		{"mid-line, glued", "lease 10.0.0.1 {\n  binding sta", true},
	}
	for _, c := range cases {
		for _, workers := range []int{1, 3} {
			t.Run(fmt.Sprintf("%s/workers=%d", c.name, workers), func(t *testing.T) {
				later := laterRecords
				if c.name == "in a string, upper case next" {
					later = strings.Replace(later, "lease 10.0.0.2", "LEASE\t10.0.0.2", 1)
				}
				text := head + c.cut + later
				path := filepath.Join(t.TempDir(), "dhcpd.leases")
				os.WriteFile(path, []byte(text), 0o644)
				lf := NewLeaseFile(path)
				lf.Workers = workers
				if workers > 1 {
					lf.parallelAt = 1
				}
				res, err := lf.Update(bg, testNow)
				if err != nil {
					t.Fatal(err)
				}
				wantRecords := 5 // head, 10.0.0.2, failover, .3, .4
				if c.glued {
					// 10.0.0.2 starts on the cut line, and the failover
					// record after it is not a lease record start.
					wantRecords = 3
				}
				if res.Records != wantRecords || res.Malformed != 1 || lf.Stats().Offset != int64(len(text)) {
					t.Fatalf("%+v offset %d of %d, last %v", res, lf.Stats().Offset, len(text), lf.Stats().LastMalformed)
				}
				cutLine := strings.Count(head, "\n") + 1
				nextLine := cutLine + strings.Count(c.cut, "\n")
				want := fmt.Sprintf("%s:%d: ", path, cutLine)
				if e := lf.Stats().LastMalformed; e == nil || !strings.HasPrefix(e.Error(), want) {
					t.Fatalf("error %v, want it at %s", e, want)
				} else if !c.glued && !strings.Contains(e.Error(), fmt.Sprintf("line %d starts a new lease record", nextLine)) {
					t.Errorf("error %v does not name line %d", e, nextLine)
				}
				states := map[string]binding.State{"10.0.0.9": binding.Active, "10.0.0.2": binding.Active, "10.0.0.3": binding.Free, "10.0.0.4": binding.Backup}
				if c.glued {
					delete(states, "10.0.0.2")
				}
				for a, want := range states {
					if l, ok := lf.DB().Get(netip.MustParseAddr(a)); !ok || l.State != want {
						t.Errorf("%s: %+v, want %v", a, l, want)
					}
				}
				if _, ok := lf.DB().Get(netip.MustParseAddr("10.0.0.1")); ok {
					t.Error("the cut record was applied")
				}
				if res, err := lf.Update(bg, testNow); err != nil || res.BytesRead != 0 || res.FullParse {
					t.Errorf("second update: %+v %v", res, err)
				}
			})
		}
	}
}

// A record cut off at the end of the file waits for its end; when dhcpd
// writes a new record instead, the cut one is malformed and the new one
// counts. Only the unfinished record is read again.
func TestCutLastRecordThenNewRecords(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dhcpd.leases")
	cut := "lease 10.0.0.1 {\n  binding state active;\n  ends 4 2026/1"
	os.WriteFile(path, []byte(cut), 0o644)
	lf := NewLeaseFile(path)
	if res, err := lf.Update(bg, testNow); err != nil || res.Records != 0 || res.Malformed != 0 || lf.Stats().Offset != 0 {
		t.Fatalf("%+v %v", res, err)
	}
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("\n" + laterRecords)
	f.Close()
	res, err := lf.Update(bg, testNow)
	if err != nil || res.Records != 4 || res.Malformed != 1 || res.BytesRead != int64(len(cut)+1+len(laterRecords)) {
		t.Fatalf("%+v %v (%v)", res, err, lf.Stats().LastMalformed)
	}
	if e := lf.Stats().LastMalformed.Error(); !strings.HasPrefix(e, path+":1: lease 10.0.0.1 is cut off: line 4 starts") {
		t.Errorf("error %q", e)
	}
	if res, _ := lf.Update(bg, testNow); res.BytesRead != 0 {
		t.Errorf("read again: %+v", res)
	}
}

// The record bound: a record up to MaxRecordBytes is read, a longer one is
// malformed and skipped to the next record start, and so is a longer line
// of blanks or comment between records.
func TestRecordBound(t *testing.T) {
	const bound = 200
	pad := func(n int) string { return strings.Repeat("x", n) }
	rec := func(ip, body string) string { return "lease " + ip + " {\n" + body + "}\n" }
	short := rec("10.0.0.1", "  binding state active;\n  ends never;\n")
	cases := []struct {
		name      string
		text      string
		records   int
		malformed int
		absent    string
	}{
		// The record's last byte, its '}', is bound bytes from its first.
		{"within the bound", rec("10.0.0.5", "  client-hostname \""+pad(bound+1-len(rec("10.0.0.5", "  client-hostname \"\";\n")))+"\";\n") + short, 2, 0, ""},
		{"one byte over", rec("10.0.0.5", "  client-hostname \""+pad(bound+2-len(rec("10.0.0.5", "  client-hostname \"\";\n")))+"\";\n") + short, 1, 1, "10.0.0.5"},
		{"long record, then garbage lines", rec("10.0.0.5", "  uid \""+pad(3*bound)+"\";\n") + "junk;\nmore junk;\n" + short, 1, 1, "10.0.0.5"},
		{"long comment line", "#" + pad(3*bound) + "\njunk;\n" + short, 1, 1, ""},
		{"long blank line", strings.Repeat(" ", bound+1) + "\n" + short, 1, 1, ""},
		{"many short blank lines", strings.Repeat("  \n# c\n", bound) + short, 1, 0, ""},
		{"deep braces", "lease 10.0.0.5 {" + strings.Repeat("{", 3*bound) + "\n" + short, 1, 1, "10.0.0.5"},
	}
	for _, c := range cases {
		for _, chunk := range []int{7, 64, 0} {
			t.Run(fmt.Sprintf("%s/chunk=%d", c.name, chunk), func(t *testing.T) {
				m := newMemFS()
				m.write("/l", []byte(c.text))
				lf := m.follow("/l")
				lf.maxRecord, lf.chunk = bound, chunk
				res, err := lf.Update(bg, testNow)
				if err != nil || res.Records != c.records || res.Malformed != c.malformed || lf.Stats().Offset != int64(len(c.text)) {
					t.Fatalf("%+v %v offset %d of %d, last %v", res, err, lf.Stats().Offset, len(c.text), lf.Stats().LastMalformed)
				}
				if l, _ := lf.DB().Get(netip.MustParseAddr("10.0.0.1")); l.State != binding.Active {
					t.Error("the record after it was not read")
				}
				if c.absent != "" {
					if _, ok := lf.DB().Get(netip.MustParseAddr(c.absent)); ok {
						t.Error("the long record was applied")
					}
				}
				if c.malformed > 0 && !strings.Contains(lf.Stats().LastMalformed.Error(), "bytes: skipped up to the next line that starts a lease record") {
					t.Errorf("error %v", lf.Stats().LastMalformed)
				}
			})
		}
	}
}

// Whatever a file holds, reading it costs a bounded amount of memory, each
// byte is read once, and records written after the damage are read. The
// files are generated in the test's temporary directory.
func TestDamagedFilesMemoryBounded(t *testing.T) {
	size := 64 << 20
	garbageSize := 200 << 20
	if testing.Short() || raceDetector {
		size, garbageSize = 8<<20, 8<<20
	}
	after := "\n" + laterRecords
	cases := []struct {
		name  string
		write func(w *bytes.Buffer)
		want  int // records read after the damage
	}{
		{"random garbage", func(w *bytes.Buffer) { randomBytes(w, garbageSize) }, 4},
		{"text full of statements", func(w *bytes.Buffer) {
			for w.Len() < size/4 {
				w.WriteString("x = y;\nint main() { return 0; }\n")
			}
		}, 4},
		{"a line without newline", func(w *bytes.Buffer) { w.WriteString(strings.Repeat("x", size)) }, 4},
		{"a huge quoted string", func(w *bytes.Buffer) {
			w.WriteString("lease 10.0.0.1 {\n  uid \"")
			w.WriteString(strings.Repeat("a", size))
		}, 4},
		{"deep braces", func(w *bytes.Buffer) {
			w.WriteString("lease 10.0.0.1 {\n")
			w.WriteString(strings.Repeat("{", size))
		}, 4},
		{"a huge comment", func(w *bytes.Buffer) { w.WriteString("#" + strings.Repeat("c", size)) }, 4},
		{"blank lines", func(w *bytes.Buffer) { w.WriteString(strings.Repeat("\n", size)) }, 4},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			c.write(&b)
			path := filepath.Join(t.TempDir(), "dhcpd.leases")
			if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			n := b.Len()
			b = bytes.Buffer{}
			lf := NewLeaseFile(path)
			stop := watchHeap()
			begin := time.Now()
			res, err := lf.Update(bg, testNow)
			took := time.Since(begin)
			heap := stop()
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%d MB: %v, peak heap in use %.1f MB above the start, %d malformed, last %v", n>>20, took, float64(heap)/(1<<20), res.Malformed, lf.Stats().LastMalformed)
			if heap > 64<<20 {
				t.Errorf("peak heap %d MB", heap>>20)
			}
			if res.BytesRead != int64(n) {
				t.Errorf("read %d of %d bytes", res.BytesRead, n)
			}
			// Records appended after the damage count, and what was read
			// is not read again.
			f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
			f.WriteString(after)
			f.Close()
			res, err = lf.Update(bg, testNow)
			if err != nil || res.FullParse || res.Records != c.want {
				t.Fatalf("after the damage: %+v %v (last %v)", res, err, lf.Stats().LastMalformed)
			}
			if res.BytesRead > int64(len(after)+MaxRecordBytes) {
				t.Errorf("read %d bytes again", res.BytesRead-int64(len(after)))
			}
			if l, _ := lf.DB().Get(netip.MustParseAddr("10.0.0.4")); l.State != binding.Backup {
				t.Error("a record after the damage was not applied")
			}
			if res, _ := lf.Update(bg, testNow); res.BytesRead != 0 {
				t.Errorf("third update read %d bytes", res.BytesRead)
			}
		})
	}
}

// randomBytes writes n random bytes.
func randomBytes(w *bytes.Buffer, n int) {
	r := rand.NewChaCha8([32]byte{7})
	w.Grow(n)
	b := make([]byte, 1<<20)
	for w.Len() < n {
		r.Read(b)
		w.Write(b[:min(len(b), n-w.Len())])
	}
}

// watchHeap samples the heap in use until stop, which returns its peak
// above the level at the start.
func watchHeap() (stop func() uint64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	peak := new(atomic.Uint64)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > base && ms.HeapInuse-base > peak.Load() {
				peak.Store(ms.HeapInuse - base)
			}
			select {
			case <-done:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	return func() uint64 {
		close(done)
		wg.Wait()
		return peak.Load()
	}
}
