package collector_test

import (
	"bytes"
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dhcpd-exporter/dhcpd_exporter/collector"
	"github.com/dhcpd-exporter/dhcpd_exporter/omapi"
)

// seedNow is when the lab seed (leasefile/testdata/primary.leases.seed) was written.
var seedNow = time.Unix(1795355429, 0)

// poolFixture adds dhcpd's pool objects and the pools' handle leases (of
// their first addresses) to the fake.
func (f *fixture) addPools(t *testing.T) (poolA, poolB omapi.Handle) {
	poolA = f.srv.Add("pool", omapi.Values{{Name: "lease-count", Data: u32(50)}, {Name: "free-leases", Data: u32(11)}, {Name: "backup-leases", Data: u32(12)}})
	poolB = f.srv.Add("pool", omapi.Values{{Name: "lease-count", Data: u32(50)}, {Name: "free-leases", Data: u32(12)}, {Name: "backup-leases", Data: u32(11)}})
	for _, l := range []struct {
		ip   byte
		pool omapi.Handle
	}{{100, poolA}, {150, poolB}} {
		f.srv.Add("lease", omapi.Values{{Name: "ip-address", Data: []byte{192, 0, 2, l.ip}}, {Name: "state", Data: u32(2)}, {Name: "pool", Data: u32(uint32(l.pool))}})
	}
	return poolA, poolB
}

func (f *fixture) poolExporter(t *testing.T, leases string) *collector.Exporter {
	return f.exporter(t, collector.Options{
		LeasesFile: leases,
		Now:        func() time.Time { return seedNow },
		Enabled:    map[string]bool{"failover": false, "leases": true, "pools": true},
	})
}

var poolMetrics = []string{"dhcpd_up", "dhcpd_scrape_collector_success", "dhcpd_pool_addresses", "dhcpd_pool_leases",
	"dhcpd_pool_loaded_addresses", "dhcpd_pool_free_addresses", "dhcpd_leases_file_records", "dhcpd_leases_file_addresses",
	"dhcpd_leases_file_malformed_records_total"}

func TestPoolsGolden(t *testing.T) {
	f := newFixture(t)
	f.addPools(t)
	e := f.poolExporter(t, "../leasefile/testdata/primary.leases.seed")
	compareGolden(t, e.Collector(scrapeCtx(t)), "pools", poolMetrics...)
}

// Lease counts come from files: they stay when dhcpd does not answer.
func TestLeaseCountsSurviveOMAPIDown(t *testing.T) {
	f := newFixture(t)
	f.addPools(t)
	e := f.poolExporter(t, "../leasefile/testdata/primary.leases.seed")
	f.srv.Close()
	got := gather(t, e)
	for _, want := range []string{
		"dhcpd_up 0",
		`dhcpd_scrape_collector_success{collector="leases"} 1`,
		`dhcpd_scrape_collector_success{collector="pools"} 0`,
		`dhcpd_pool_leases{failover_peer="dhcp-failover",pool="192.0.2.100-192.0.2.149",shared_network="192.0.2.0/24",state="active"} 25`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %s in\n%s", want, got)
		}
	}
	if strings.Contains(got, "dhcpd_pool_loaded_addresses") {
		t.Error("OMAPI pool series while dhcpd is down")
	}
}

// poolA's series as the pool collectors export them.
const (
	poolASize  = `dhcpd_pool_addresses{failover_peer="dhcp-failover",pool="192.0.2.100-192.0.2.149",shared_network="192.0.2.0/24"} 50`
	poolALease = `dhcpd_pool_leases{failover_peer="dhcp-failover",pool="192.0.2.100-192.0.2.149",shared_network="192.0.2.0/24",state="active"} 25`
)

// Lease-file trouble takes away the lease-derived series only: the pool
// sizes come from dhcpd.conf, and OMAPI's pool series from dhcpd.
func TestMissingLeaseFileFailsOnlyLeases(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.leases")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	unreadable := filepath.Join(dir, "unreadable.leases")
	b, _ := os.ReadFile("../leasefile/testdata/primary.leases.seed")
	os.WriteFile(unreadable, b, 0)
	for _, c := range []struct{ name, path string }{
		{"missing", "testdata/nonexistent.leases"},
		{"unreadable", unreadable},
		{"FIFO", fifo},
		{"directory", dir},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.name == "unreadable" && os.Geteuid() == 0 {
				t.Skip("root reads any file")
			}
			f := newFixture(t)
			f.addPools(t)
			e := f.poolExporter(t, c.path)
			begin := time.Now()
			got := gather(t, e)
			if took := time.Since(begin); took > 5*time.Second {
				t.Errorf("scrape took %v", took)
			}
			checkOnlyLeasesFail(t, got)
		})
	}
}

// checkOnlyLeasesFail checks a scrape whose lease file could not be read.
func checkOnlyLeasesFail(t *testing.T, got string) {
	t.Helper()
	for _, want := range []string{"dhcpd_up 1", `dhcpd_scrape_collector_success{collector="leases"} 0`, `dhcpd_scrape_collector_success{collector="pools"} 1`, "dhcpd_pool_loaded_addresses{", poolASize} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %s in\n%s", want, got)
		}
	}
	for _, unwanted := range []string{"dhcpd_pool_leases{", "dhcpd_leases_file_"} {
		if strings.Contains(got, unwanted) {
			t.Errorf("%s series without a lease file:\n%s", unwanted, got)
		}
	}
}

// A lease file read that outlasts the scrape's deadline fails the leases
// collector only, at the deadline; the read goes on, and a later scrape
// gets its result.
func TestLeaseFileTimeoutFailsOnlyLeases(t *testing.T) {
	f := newFixture(t)
	f.addPools(t)
	dir := t.TempDir()
	leases := filepath.Join(dir, "dhcpd.leases")
	seed, _ := os.ReadFile("../leasefile/testdata/primary.leases.seed")
	os.WriteFile(leases, seed, 0o644)
	e := f.poolExporter(t, leases)
	if got := gather(t, e); !strings.Contains(got, poolALease) {
		t.Fatalf("first scrape:\n%s", got)
	}
	// dhcpd's rewrite brings a file that takes long to read: a million
	// malformed statements, then the seed.
	slow := append(bytes.Repeat([]byte("x;\n"), 1<<20), seed...)
	os.WriteFile(leases+".new", slow, 0o644)
	os.Rename(leases+".new", leases)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	begin := time.Now()
	got := gatherCtx(t, e, ctx)
	took := time.Since(begin)
	if strings.Contains(got, `dhcpd_scrape_collector_success{collector="leases"} 1`) {
		t.Skipf("the lease file was read within the deadline (%v)", took)
	}
	if took > 2*time.Second {
		t.Errorf("scrape took %v with a 30ms deadline", took)
	}
	for _, want := range []string{`dhcpd_scrape_collector_success{collector="leases"} 0`, poolASize} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %s in\n%s", want, got)
		}
	}
	for _, unwanted := range []string{"dhcpd_pool_leases{", "dhcpd_leases_file_"} {
		if strings.Contains(got, unwanted) {
			t.Errorf("%s series after a lease file timeout:\n%s", unwanted, got)
		}
	}
	// The next scrape waits for the read in flight and exports its result.
	got = gather(t, e)
	for _, want := range []string{`dhcpd_scrape_collector_success{collector="leases"} 1`, poolASize, poolALease, "dhcpd_leases_file_malformed_records_total 1.048576e+06"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %s in\n%s", want, got)
		}
	}
}

// A pool dhcpd does not have (configuration changed, dhcpd not restarted)
// shows loaded 0 next to its configured size.
func TestPoolUnknownToDhcpd(t *testing.T) {
	f := newFixture(t)
	poolA := f.srv.Add("pool", omapi.Values{{Name: "lease-count", Data: u32(50)}, {Name: "free-leases", Data: u32(11)}, {Name: "backup-leases", Data: u32(12)}})
	f.srv.Add("lease", omapi.Values{{Name: "ip-address", Data: []byte{192, 0, 2, 100}}, {Name: "state", Data: u32(2)}, {Name: "pool", Data: u32(uint32(poolA))}})
	e := f.poolExporter(t, "../leasefile/testdata/primary.leases.seed")
	got := gather(t, e)
	for _, want := range []string{
		`dhcpd_pool_loaded_addresses{failover_peer="dhcp-failover",pool="192.0.2.150-192.0.2.199",shared_network="192.0.2.0/24"} 0`,
		`dhcpd_pool_addresses{failover_peer="dhcp-failover",pool="192.0.2.150-192.0.2.199",shared_network="192.0.2.0/24"} 50`,
		`dhcpd_scrape_collector_success{collector="pools"} 1`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %s in\n%s", want, got)
		}
	}
}

// Handles are learned once, REFRESHed every scrape, learned again after a
// reconnect.
func TestPoolHandlesAreCachedAndRelearned(t *testing.T) {
	f := newFixture(t)
	f.addPools(t)
	e := f.poolExporter(t, "../leasefile/testdata/primary.leases.seed")
	count := func() (opens, refreshes int) {
		for _, m := range f.srv.Received() {
			if typ, _ := m.Message.Get("type"); m.Op == omapi.OpOpen && string(typ) == "lease" {
				opens++
			}
			if m.Op == omapi.OpRefresh {
				refreshes++
			}
		}
		return
	}
	gather(t, e)
	gather(t, e)
	if o, r := count(); o != 2 || r != 4 {
		t.Fatalf("after two scrapes: %d lease OPENs, %d REFRESHes; want 2, 4", o, r)
	}
	f.srv.DropConnections()
	time.Sleep(20 * time.Millisecond)
	gather(t, e)
	if o, r := count(); o != 4 || r != 6 {
		t.Fatalf("after a reconnect: %d lease OPENs, %d REFRESHes; want 4, 6", o, r)
	}
	// The connection breaks under the REFRESHes themselves: the client does
	// not resend handles that may belong to a dead dhcpd, so the collector
	// learns them again on the new connection, in the same scrape.
	f.srv.DropOn(omapi.OpRefresh)
	got := gather(t, e)
	if !strings.Contains(got, `dhcpd_scrape_collector_success{collector="pools"} 1`) {
		t.Fatalf("pools failed after a break under REFRESH:\n%s", got)
	}
	if o, r := count(); o != 6 || r != 9 {
		t.Fatalf("after a break under REFRESH: %d lease OPENs, %d REFRESHes; want 6, 9", o, r)
	}
}

// Every pool's lease states sum to its addresses.
func TestLeaseStatesSumToAddresses(t *testing.T) {
	f := newFixture(t)
	f.addPools(t)
	dir := t.TempDir()
	leases := filepath.Join(dir, "dhcpd.leases")
	b, _ := os.ReadFile("../leasefile/testdata/primary.leases.seed")
	os.WriteFile(leases, b, 0o644)
	e := f.poolExporter(t, leases)
	got := gather(t, e)
	sums := map[string]float64{}
	sizes := map[string]float64{}
	for _, line := range strings.Split(got, "\n") {
		var v float64
		switch {
		case strings.HasPrefix(line, "dhcpd_pool_leases{"):
			pool := line[strings.Index(line, `pool="`):]
			pool = pool[:strings.Index(pool, `",`)]
			if _, err := fmtSscan(line[strings.LastIndex(line, " ")+1:], &v); err == nil {
				sums[pool] += v
			}
		case strings.HasPrefix(line, "dhcpd_pool_addresses{"):
			pool := line[strings.Index(line, `pool="`):]
			pool = pool[:strings.Index(pool, `",`)]
			fmtSscan(line[strings.LastIndex(line, " ")+1:], &v)
			sizes[pool] = v
		}
	}
	if len(sizes) != 2 {
		t.Fatalf("sizes %v", sizes)
	}
	for p, n := range sizes {
		if sums[p] != n {
			t.Errorf("%s: states sum to %v, addresses %v", p, sums[p], n)
		}
	}
}

func TestPoolsLint(t *testing.T) {
	f := newFixture(t)
	f.addPools(t)
	e := f.poolExporter(t, "../leasefile/testdata/primary.leases.seed")
	problems, err := lintCollector(e)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s", p)
	}
}

func TestSentinelAddresses(t *testing.T) {
	f := newFixture(t)
	f.addPools(t)
	e := f.exporter(t, collector.Options{
		SentinelAddresses: []netip.Addr{netip.MustParseAddr("192.0.2.100"), netip.MustParseAddr("192.0.2.50")},
		Enabled:           map[string]bool{"failover": false, "sentinel": true},
	})
	got := gather(t, e)
	for _, want := range []string{
		`dhcpd_sentinel_lease_state{address="192.0.2.100",state="active"} 1`,
		`dhcpd_sentinel_lease_state{address="192.0.2.100",state="free"} 0`,
		`dhcpd_scrape_collector_success{collector="sentinel"} 0`, // .50 is in no range
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %s in\n%s", want, got)
		}
	}
	if strings.Contains(got, `address="192.0.2.50"`) {
		t.Error("series for an address dhcpd does not serve")
	}
}
