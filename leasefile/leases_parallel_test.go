package leasefile

import (
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dhcpd-exporter/dhcpd_exporter/binding"
	"github.com/dhcpd-exporter/dhcpd_exporter/internal/leasegen"
)

// The parallel full parse gives exactly the sequential result: states,
// counts, and the line of the last malformed record.
func TestParallelParseEqualsSequential(t *testing.T) {
	o := leasegen.Options{Seed: 7, Pools: 40, PoolSize: 200, Records: 30000, Failover: true, Now: testNow}
	var buf bytes.Buffer
	if err := leasegen.WriteLeases(&buf, o); err != nil {
		t.Fatal(err)
	}
	// Flag one record in 50 reserved, and give one in 70 its next state
	// before its binding state, so the slices carry every packed field.
	var data []byte
	for i, rec := range bytes.SplitAfter(buf.Bytes(), []byte("}\n")) {
		if i%50 == 7 {
			rec = bytes.Replace(rec, []byte("  rewind binding state free;\n"), []byte("  rewind binding state free;\n  reserved;\n"), 1)
		}
		if i%70 == 3 {
			rec = bytes.Replace(rec, []byte("  next binding state free;\n"), nil, 1)
			rec = bytes.Replace(rec, []byte("  cltt "), []byte("  next binding state expired;\n  cltt "), 1)
		}
		data = append(data, rec...)
	}
	// A malformed record three quarters in, to check line numbers.
	cut := bytes.Index(data[len(data)*3/4:], []byte("}\nlease ")) + len(data)*3/4 + 2
	bad := []byte("lease 10.0.0.2 {\n  binding state sleepy;\n}\n")
	data = append(append(append([]byte{}, data[:cut]...), bad...), data[cut:]...)
	badLine := bytes.Count(data[:cut], []byte("\n")) + 2
	path := filepath.Join(t.TempDir(), "dhcpd.leases")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}

	seq := NewLeaseFile(path)
	seq.Workers = 1
	resSeq, err := seq.Update(bg, testNow)
	if err != nil {
		t.Fatal(err)
	}
	defer func(old int64) { parallelMin = old }(parallelMin)
	parallelMin = 1
	for _, workers := range []int{2, 3, 4} {
		par := NewLeaseFile(path)
		par.Workers = workers
		res, err := par.Update(bg, testNow)
		if err != nil {
			t.Fatal(err)
		}
		if res.Records != resSeq.Records || res.Malformed != 1 || resSeq.Malformed != 1 || par.Stats().Offset != int64(len(data)) {
			t.Fatalf("workers %d: %+v, sequential %+v", workers, res, resSeq)
		}
		if got, want := par.Stats().LastMalformed.Error(), fmt.Sprintf("%s:%d:", path, badLine); got[:len(want)] != want {
			t.Errorf("workers %d: error %q, want line %d (sequential: %v)", workers, got, badLine, seq.Stats().LastMalformed)
		}
		if par.DB().Addresses() != seq.DB().Addresses() {
			t.Fatalf("workers %d: %d addresses, sequential %d", workers, par.DB().Addresses(), seq.DB().Addresses())
		}
		reserved, early := 0, 0
		for _, p := range o.PoolList() {
			for ip := p.Low; ip.Compare(p.High) <= 0; ip = ip.Next() {
				a, _ := par.DB().Get(ip)
				b, _ := seq.DB().Get(ip)
				if a != b {
					t.Fatalf("workers %d: %s: %+v, sequential %+v", workers, ip, a, b)
				}
				if a.Reserved {
					reserved++
				}
				if a.Next == binding.Expired {
					early++
				}
			}
		}
		if !sameState(par.DB(), seq.DB()) || reserved == 0 || early == 0 {
			t.Fatalf("workers %d: states differ, or the file lacks reserved (%d) or early next-state (%d) records", workers, reserved, early)
		}
		// It continues incrementally from where the workers stopped.
		f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
		f.WriteString("lease 10.0.0.3 {\n  binding state backup;\n}\n")
		f.Close()
		if res, _ := par.Update(bg, testNow); res.FullParse || res.Records != 1 {
			t.Fatalf("workers %d: append after parallel parse: %+v", workers, res)
		}
		if l, _ := par.DB().Get(netip.MustParseAddr("10.0.0.3")); l.State != binding.Backup {
			t.Fatalf("append not applied")
		}
		os.WriteFile(path, data, 0o644)
	}
	_ = time.Second
}
