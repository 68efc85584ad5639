package collector_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"testing"

	"github.com/dhcpd-exporter/dhcpd_exporter/internal/leasegen"
)

// BenchmarkScrapeAfterAppend is a whole /metrics scrape (collectors, text
// encoding) of 1,000 pools after dhcpd appended 1,000 records to a large
// lease file. The OMAPI collectors are off: this measures the file side.
// DHCPD_EXPORTER_BENCH_RECORDS sizes the file.
func BenchmarkScrapeAfterAppend(b *testing.B) {
	records := 100000
	if os.Getenv("DHCPD_EXPORTER_BENCH_RECORDS") != "" {
		records = benchRecordsEnv()
	}
	o := leasegen.BenchOptions(records)
	h, leases, _ := leasesExporter(b, o.Pools, o.PoolSize, records)
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
