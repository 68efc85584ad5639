package collector_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-kit/log"

	"github.com/dhcpd-exporter/dhcpd_exporter/collector"
	"github.com/dhcpd-exporter/dhcpd_exporter/dhcpdconf"
	"github.com/dhcpd-exporter/dhcpd_exporter/internal/testlab"
	"github.com/dhcpd-exporter/dhcpd_exporter/omapiconf"
)

// manyPoolsExporter starts a lone primary with the lab's 2 pools plus n
// more, and 2 failover peers, and an exporter with the OMAPI collectors.
func manyPoolsExporter(tb testing.TB, n int) (*testlab.Pair, *collector.Exporter, func() string) {
	p := testlab.StartPair(tb, testlab.PairOptions{Start: "primary", Extra: testlab.ManyPools(n, 50)})
	cl := labClient(tb, p, p.Primary)
	e, err := collector.New(collector.Options{
		Logger:  log.NewNopLogger(),
		OMAPI:   omapiconf.NewFixed(cl),
		Config:  dhcpdconf.NewSource(p.Primary.ConfPath, "/"),
		Enabled: map[string]bool{"failover": true, "pools": true, "leases": false},
	})
	if err != nil {
		tb.Fatal(err)
	}
	scrape := func() string {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return gatherCtx(tb, e, ctx)
	}
	return p, e, scrape
}

// BenchmarkRealOMAPIScrape1000Pools is one scrape of the OMAPI collectors
// (failover: 2 peers; pools: 1,002 pools REFRESHed through the windowed
// pipeline) against a real dhcpd, after the pool handles were learned.
// Target: under 100 ms, with dhcpd alive afterwards.
func BenchmarkRealOMAPIScrape1000Pools(b *testing.B) {
	testlab.Require(b)
	p, _, scrape := manyPoolsExporter(b, 1000)
	first := time.Now()
	body := scrape() // learns the handles: one lease OPEN per pool
	b.Logf("first scrape (learning 1,002 pool handles): %v", time.Since(first).Round(time.Millisecond))
	for _, want := range []string{`dhcpd_scrape_collector_success{collector="pools"} 1`, `dhcpd_scrape_collector_success{collector="failover"} 1`} {
		if !strings.Contains(body, want) {
			b.Fatalf("missing %s", want)
		}
	}
	if n := strings.Count(body, "dhcpd_pool_loaded_addresses{"); n != 1002 {
		b.Fatalf("%d pools exported", n)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		scrape()
	}
	b.StopTimer()
	if !p.Primary.Alive() || strings.Contains(p.Primary.Log(), "REQUIRE") {
		b.Fatalf("dhcpd died or aborted:\n%s", p.Primary.LogTail(20))
	}
}

func benchRecordsEnv() int {
	var n int
	fmt.Sscan(os.Getenv("DHCPD_EXPORTER_BENCH_RECORDS"), &n)
	return n
}
