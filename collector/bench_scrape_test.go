package collector_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/go-kit/log"

	"github.com/dhcpd-exporter/dhcpd_exporter/collector"
	"github.com/dhcpd-exporter/dhcpd_exporter/dhcpdconf"
	"github.com/dhcpd-exporter/dhcpd_exporter/internal/leasegen"
)

// BenchmarkScrapeAfterAppend is a whole /metrics scrape (collectors,
// registry, text encoding) of 1,000 pools after dhcpd appended 1,000
// records to a large lease file. OMAPI is down (a closed port): this
// measures the file side. DHCPD_EXPORTER_BENCH_RECORDS sizes the file.
func BenchmarkScrapeAfterAppend(b *testing.B) {
	records := 100000
	if os.Getenv("DHCPD_EXPORTER_BENCH_RECORDS") != "" {
		records = benchRecordsEnv()
	}
	conf, src, err := leasegen.Cached(leasegen.BenchOptions(records))
	if err != nil {
		b.Fatal(err)
	}
	leases := filepath.Join(b.TempDir(), "dhcpd.leases")
	data, _ := os.ReadFile(src)
	os.WriteFile(leases, data, 0o644)
	e, err := collector.New(collector.Options{
		Logger:     log.NewNopLogger(),
		Config:     dhcpdconf.NewSource(conf, "/"),
		LeasesFile: leases,
		Enabled:    map[string]bool{"failover": false, "pools": false, "sentinel": false, "leases": true},
	})
	if err != nil {
		b.Fatal(err)
	}
	h := collector.NewHandler(e, collector.HandlerOpts{Timeout: 10 * time.Second})
	scrape := func() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		io.Copy(io.Discard, w.Body)
	}
	scrape()
	appendBatch, err := leasegen.Appender(leases, 1000)
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC() // not the setup's garbage
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		if err := appendBatch(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		scrape()
	}
}
