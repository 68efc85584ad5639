package leasefile

// Benchmarks for the lease file targets (BENCHMARKS.md). The files are
// generated once (internal/leasegen, seeded) into the temp directory:
//
//	go test ./leasefile -run XXX -bench . -benchtime 5x
//
// DHCPD_EXPORTER_BENCH_RECORDS sets the size of the large file (default
// 1,000,000 records, about 365 MB).

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/dhcpd-exporter/dhcpd_exporter/binding"
	"github.com/dhcpd-exporter/dhcpd_exporter/dhcpdconf"
	"github.com/dhcpd-exporter/dhcpd_exporter/internal/leasegen"
	"github.com/dhcpd-exporter/dhcpd_exporter/internal/testlab"
)

var benchNow = time.Unix(1795355429, 0)

func benchOptions(records int) leasegen.Options { return leasegen.BenchOptions(records) }

func benchRecords() int {
	if v, err := strconv.Atoi(os.Getenv("DHCPD_EXPORTER_BENCH_RECORDS")); err == nil && v > 0 {
		return v
	}
	return 1000000
}

// benchFiles returns the generated dhcpd.conf and dhcpd.leases (made once).
func benchFiles(b *testing.B, records int) (conf, leases string) {
	conf, leases, err := leasegen.Cached(benchOptions(records))
	if err != nil {
		b.Fatal(err)
	}
	return conf, leases
}

// aggregate counts every pool's addresses by state, as a scrape does.
func aggregate(cfg *dhcpdconf.Config, db *LeaseDB) uint64 {
	var total uint64
	for _, sn := range cfg.SharedNetworks {
		for _, p := range sn.Pools {
			var counts Counts
			countPool(db, p, uint32(benchNow.Unix()), &counts)
			total += counts[binding.Active]
		}
	}
	return total
}

func maxRSSMB() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Maxrss) / 1024
}

// BenchmarkFullParse is a scrape of a file not seen before: read it whole,
// then count every pool by state.
func BenchmarkFullParse(b *testing.B) {
	conf, leases := benchFiles(b, benchRecords())
	cfg, err := dhcpdconf.ParseFile(conf, dhcpdconf.Options{})
	if err != nil {
		b.Fatal(err)
	}
	fi, _ := os.Stat(leases)
	b.SetBytes(fi.Size())
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		lf := NewLeaseFile(leases)
		if _, err := lf.Update(bg, benchNow); err != nil {
			b.Fatal(err)
		}
		aggregate(cfg, lf.DB())
	}
	b.ReportMetric(maxRSSMB(), "peak-RSS-MB")
}

// BenchmarkFullParseOneCPU is BenchmarkFullParse without the parallel split.
func BenchmarkFullParseOneCPU(b *testing.B) {
	conf, leases := benchFiles(b, benchRecords())
	cfg, _ := dhcpdconf.ParseFile(conf, dhcpdconf.Options{})
	fi, _ := os.Stat(leases)
	b.SetBytes(fi.Size())
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		lf := NewLeaseFile(leases)
		lf.Workers = 1
		if _, err := lf.Update(bg, benchNow); err != nil {
			b.Fatal(err)
		}
		aggregate(cfg, lf.DB())
	}
}

// BenchmarkDhcpdPools runs dhcpd-pools (the reference) on the same files.
func BenchmarkDhcpdPools(b *testing.B) {
	if _, err := exec.LookPath("dhcpd-pools"); err != nil {
		b.Skip("dhcpd-pools not installed")
	}
	conf, leases := benchFiles(b, benchRecords())
	fi, _ := os.Stat(leases)
	b.SetBytes(fi.Size())
	var rss int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cmd := exec.Command("dhcpd-pools", "-c", conf, "-l", leases, "-f", "j", "-o", os.DevNull)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%v: %s", err, out)
		}
		rss = max(rss, cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss)
	}
	b.ReportMetric(float64(rss)/1024, "peak-RSS-MB")
}

// BenchmarkAppend1000 is a scrape after dhcpd appended 1,000 records: read
// the new bytes, then count every pool. Its cost must not grow with the size
// of the file, so it runs on a small and the large file.
func BenchmarkAppend1000(b *testing.B) {
	for _, records := range []int{100000, benchRecords()} {
		b.Run(fmt.Sprintf("file=%drecords", records), func(b *testing.B) {
			conf, src := benchFiles(b, records)
			cfg, _ := dhcpdconf.ParseFile(conf, dhcpdconf.Options{})
			// Work on a copy: appending would change the shared file.
			leases := filepath.Join(b.TempDir(), "dhcpd.leases")
			if err := copyFile(src, leases); err != nil {
				b.Fatal(err)
			}
			lf := NewLeaseFile(leases)
			if _, err := lf.Update(bg, benchNow); err != nil {
				b.Fatal(err)
			}
			appendBatch, err := leasegen.Appender(leases, 1000)
			if err != nil {
				b.Fatal(err)
			}
			fi, _ := os.Stat(leases)
			b.ReportMetric(float64(fi.Size())/1e6, "file-MB")
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				if err := appendBatch(); err != nil { // dhcpd's work, not the exporter's
					b.Fatal(err)
				}
				b.StartTimer()
				res, err := lf.Update(bg, benchNow)
				if err != nil || res.FullParse || res.Records < 1000 {
					b.Fatalf("%+v %v", res, err)
				}
				aggregate(cfg, lf.DB())
			}
		})
	}
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	defer out.Close()
	_, err = out.ReadFrom(in)
	return err
}

// BenchmarkSpeedupVsDhcpdPools alternates one full parse + aggregation of
// ours with one dhcpd-pools run on the same files and reports the median of
// the paired ratios: on a machine whose speed drifts (a VM with noisy
// neighbours), pairs measured back to back compare fairly.
func BenchmarkSpeedupVsDhcpdPools(b *testing.B) {
	conf, leases := benchFiles(b, benchRecords())
	cfg, err := dhcpdconf.ParseFile(conf, dhcpdconf.Options{})
	if err != nil {
		b.Fatal(err)
	}
	testlab.RaceDhcpdPools(b, conf, leases, func() time.Duration {
		start := time.Now()
		lf := NewLeaseFile(leases)
		if _, err := lf.Update(bg, benchNow); err != nil {
			b.Fatal(err)
		}
		aggregate(cfg, lf.DB())
		return time.Since(start)
	})
}
