package collector_test

// Against real dhcpd 4.4.3 servers: owner="local" is what THIS server hands
// out, on the primary, on the secondary and on a server without failover.
// A real DHCP client (dhclient) takes an address from one server, and that
// server's owner="local" drops by exactly one.

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/go-kit/log"

	"github.com/dhcpd-exporter/dhcpd_exporter/collector"
	"github.com/dhcpd-exporter/dhcpd_exporter/dhcpdconf"
	"github.com/dhcpd-exporter/dhcpd_exporter/internal/testlab"
	"github.com/dhcpd-exporter/dhcpd_exporter/omapiconf"
)

// labExporter is an in-process exporter for one lab server.
func labExporter(t *testing.T, p *testlab.Pair, s *testlab.Server, collectors ...string) func() string {
	enabled := map[string]bool{}
	for _, n := range collector.Names() {
		enabled[n] = false
	}
	for _, n := range collectors {
		enabled[n] = true
	}
	e, err := collector.New(collector.Options{
		Logger:     log.NewNopLogger(),
		OMAPI:      omapiconf.NewFixed(labClient(t, p, s)),
		Config:     dhcpdconf.NewSource(s.ConfPath, "/"),
		LeasesFile: s.LeasesPath,
		Enabled:    enabled,
	})
	if err != nil {
		t.Fatal(err)
	}
	return func() string {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return gatherCtx(t, e, ctx)
	}
}

// sample returns the value of the one series whose text (name and labels,
// in exposition order) is exactly series, or fails.
func sample(t *testing.T, exposition, series string) float64 {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindStringSubmatch(exposition)
	if m == nil {
		t.Fatalf("no series %s in\n%s", series, exposition)
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func freeSeries(peer, owner string) string {
	return fmt.Sprintf(`dhcpd_pool_free_addresses{failover_peer=%q,owner=%q,pool="192.0.2.100-192.0.2.149",shared_network="192.0.2.0/24"}`, peer, owner)
}

// waitLocalState waits until s reports the local failover state.
func waitLocalState(t *testing.T, s *testlab.Server, state int) {
	t.Helper()
	if err := s.WaitState(state, testlab.AnyState, 20*time.Second); err != nil {
		t.Fatal(err)
	}
}

// leaseFrom gets a real lease for a new client and checks who answered.
func leaseFrom(t *testing.T, p *testlab.Pair, server *testlab.Server) testlab.ClientLease {
	t.Helper()
	c := p.NewClient(t, "")
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	l, err := c.Lease(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c.Stop() // no renewals while the counts are compared
	if l.Server.String() != server.Addr {
		t.Fatalf("lease %s from %s, want from the %s (%s)", l.Addr, l.Server, server.Role, server.Addr)
	}
	return l
}

// With its partner killed, each server answers every client from its own
// share: the primary from FREE leases, the secondary from BACKUP leases
// (server/dhcp.c:5014-5034). The lease it gives must come off its own
// owner="local" count and leave owner="partner" alone.
func TestRealOwnerLocalDropsWhenThisServerLeases(t *testing.T) {
	testlab.Require(t)
	testlab.RequireCommand(t, "isc-dhcp-client", "dhclient")
	if testing.Short() {
		t.Skip("real dhcpd pair and dhclient: not with -short")
	}
	for _, role := range []string{"primary", "secondary"} {
		t.Run(role, func(t *testing.T) {
			t.Parallel()
			p := testlab.StartPair(t, testlab.PairOptions{})
			serving, killed := p.Primary, p.Secondary
			if role == "secondary" {
				serving, killed = p.Secondary, p.Primary
			}
			scrape := labExporter(t, p, serving, "pools", "failover")
			killed.Kill(syscall.SIGKILL)
			killed.Wait()
			waitLocalState(t, serving, testlab.StateCommunicationsInterrupted)

			before := scrape()
			if v := sample(t, before, `dhcpd_failover_peer_info{local_address="`+serving.Addr+`",local_port="`+map[string]string{"primary": "647", "secondary": "847"}[role]+`",pair="dhcp-failover@192.0.2.100",partner_address="`+killed.Addr+`",partner_port="`+map[string]string{"primary": "847", "secondary": "647"}[role]+`",peer="dhcp-failover",role="`+role+`"}`); v != 1 {
				t.Fatalf("peer_info %v", v)
			}
			local, partner := sample(t, before, freeSeries("dhcp-failover", "local")), sample(t, before, freeSeries("dhcp-failover", "partner"))

			l := leaseFrom(t, p, serving)
			if !inRange(l.Addr.String(), 100, 149) {
				t.Fatalf("lease %s outside the first pool", l.Addr)
			}
			after := scrape()
			gotLocal, gotPartner := sample(t, after, freeSeries("dhcp-failover", "local")), sample(t, after, freeSeries("dhcp-failover", "partner"))
			t.Logf("%s: local %v -> %v, partner %v -> %v after leasing %s", role, local, gotLocal, partner, gotPartner, l.Addr)
			if gotLocal != local-1 || gotPartner != partner {
				t.Errorf("%s leased %s: local %v -> %v, partner %v -> %v; want local -1, partner unchanged", role, l.Addr, local, gotLocal, partner, gotPartner)
			}
			serving.AssertHealthy(t)
		})
	}
}

// A server without failover: every free address is its own, and there is no
// partner series at all.
func TestRealOwnerLocalWithoutFailover(t *testing.T) {
	testlab.Require(t)
	testlab.RequireCommand(t, "isc-dhcp-client", "dhclient")
	if testing.Short() {
		t.Skip("real dhcpd and dhclient: not with -short")
	}
	p := testlab.StartPair(t, testlab.PairOptions{Start: "primary", NoFailover: true})
	scrape := labExporter(t, p, p.Primary, "pools", "failover")
	before := scrape()
	local := sample(t, before, freeSeries("", "local"))
	for _, c := range []string{"pools", "failover"} {
		if sample(t, before, `dhcpd_scrape_collector_success{collector="`+c+`"}`) != 1 {
			t.Errorf("collector %s failed", c)
		}
	}
	if regexp.MustCompile(`owner="partner"|dhcpd_failover_`).MatchString(before) {
		t.Fatalf("partner or failover series on a server without failover:\n%s", before)
	}
	l := leaseFrom(t, p, p.Primary)
	after := scrape()
	if got := sample(t, after, freeSeries("", "local")); got != local-1 {
		t.Errorf("leased %s: local %v -> %v, want -1", l.Addr, local, got)
	}
}

// Both servers of a running pair export the same pair, their own role from
// OMAPI, the split and the MCLT (the secondary learns both from the
// primary's CONNECT), and the balancing settings with dhcpd's defaults.
func TestRealFailoverMetricsOnBothRoles(t *testing.T) {
	testlab.Require(t)
	if testing.Short() {
		t.Skip("real dhcpd pair: not with -short")
	}
	p := testlab.StartPair(t, testlab.PairOptions{})
	for _, s := range p.Servers() {
		got := labExporter(t, p, s, "failover")()
		for series, want := range map[string]float64{
			`dhcpd_scrape_collector_success{collector="failover"}`:                     1,
			`dhcpd_failover_state{peer="dhcp-failover",side="local",state="normal"}`:   1,
			`dhcpd_failover_state{peer="dhcp-failover",side="partner",state="normal"}`: 1,
			`dhcpd_failover_load_balance_split_ratio{peer="dhcp-failover"}`:            0.5,
			`dhcpd_failover_mclt_seconds{peer="dhcp-failover"}`:                        10,
			`dhcpd_failover_partner_max_unacked_updates{peer="dhcp-failover"}`:         10,
			`dhcpd_failover_max_lease_misbalance_ratio{peer="dhcp-failover"}`:          0.15,
			`dhcpd_failover_max_lease_ownership_ratio{peer="dhcp-failover"}`:           0.1,
			`dhcpd_failover_max_balance_seconds{peer="dhcp-failover"}`:                 3600,
			`dhcpd_failover_min_balance_seconds{peer="dhcp-failover"}`:                 60,
			`dhcpd_failover_auto_partner_down_seconds{peer="dhcp-failover"}`:           0,
		} {
			if v := sample(t, got, series); v != want {
				t.Errorf("%s: %s = %v, want %v", s.Role, series, v, want)
			}
		}
		if !regexp.MustCompile(`dhcpd_failover_peer_info\{[^}]*pair="dhcp-failover@192\.0\.2\.100"[^}]*role="` + s.Role + `"\} 1`).MatchString(got) {
			t.Errorf("%s: peer_info without its pair and role:\n%s", s.Role, got)
		}
	}
}

func inRange(addr string, lo, hi int) bool {
	var a, b, c, d int
	if _, err := fmt.Sscanf(addr, "%d.%d.%d.%d", &a, &b, &c, &d); err != nil {
		return false
	}
	return a == 192 && b == 0 && c == 2 && d >= lo && d <= hi
}
