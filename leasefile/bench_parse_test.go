package leasefile

import (
	"os"
	"testing"
	"time"
)

// BenchmarkParseBenchFile parses $DHCPD_EXPORTER_BENCH_LEASES (skipped when unset).
func BenchmarkParseBenchFile(b *testing.B) {
	path := os.Getenv("DHCPD_EXPORTER_BENCH_LEASES")
	if path == "" {
		b.Skip("set DHCPD_EXPORTER_BENCH_LEASES")
	}
	fi, _ := os.Stat(path)
	b.SetBytes(fi.Size())
	for i := 0; i < b.N; i++ {
		lf := NewLeaseFile(path)
		if _, err := lf.Update(time.Unix(1795355429, 0)); err != nil {
			b.Fatal(err)
		}
	}
}
