package collector_test

import (
	"strings"
	"testing"
	"time"

	"github.com/dhcpd-exporter/dhcpd_exporter/collector"
	"github.com/dhcpd-exporter/dhcpd_exporter/dhcpdconf"
	"github.com/dhcpd-exporter/dhcpd_exporter/omapi"
	"github.com/dhcpd-exporter/dhcpd_exporter/omapi/omapitest"
)

// roleFixture is a fake dhcpd with testdata/roles.conf's two pools: a
// failover pool (free-leases 11, backup-leases 12) and one without failover
// (free-leases 40), and its failover peer in the given role.
func roleFixture(t *testing.T, primary bool) *fixture {
	f := newFixtureWith(t, omapitest.FailoverState("dhcp-failover", omapi.FailoverNormal, omapi.FailoverNormal, primary, 0))
	fo := f.srv.Add("pool", omapi.Values{{Name: "lease-count", Data: u32(50)}, {Name: "free-leases", Data: u32(11)}, {Name: "backup-leases", Data: u32(12)}})
	plain := f.srv.Add("pool", omapi.Values{{Name: "lease-count", Data: u32(50)}, {Name: "free-leases", Data: u32(40)}, {Name: "backup-leases", Data: u32(0)}})
	f.srv.Add("lease", omapi.Values{{Name: "ip-address", Data: []byte{192, 0, 2, 100}}, {Name: "state", Data: u32(1)}, {Name: "pool", Data: u32(uint32(fo))}})
	f.srv.Add("lease", omapi.Values{{Name: "ip-address", Data: []byte{10, 9, 0, 10}}, {Name: "state", Data: u32(1)}, {Name: "pool", Data: u32(uint32(plain))}})
	return f
}

// owner="local" is what this server may allocate: FREE leases on the
// primary, BACKUP leases on the secondary (server/dhcp.c:5014-5034); a pool
// without failover has no partner.
func TestFreeAddressOwnerFollowsRole(t *testing.T) {
	// Labels in exposition order: failover_peer, owner, pool, shared_network.
	free := func(peer, owner, pool, network string) string {
		return `dhcpd_pool_free_addresses{failover_peer="` + peer + `",owner="` + owner + `",pool="` + pool + `",shared_network="` + network + `"} `
	}
	for _, c := range []struct {
		role           string
		primary        bool
		local, partner string
	}{
		{"primary", true, "11", "12"},
		{"secondary", false, "12", "11"},
	} {
		t.Run(c.role, func(t *testing.T) {
			f := roleFixture(t, c.primary)
			e := f.exporter(t, collector.Options{
				Config:  dhcpdconf.NewSource("testdata/roles.conf", "."),
				Enabled: map[string]bool{"failover": false, "pools": true},
			})
			got := gather(t, e)
			for _, want := range []string{
				free("dhcp-failover", "local", "192.0.2.100-192.0.2.149", "192.0.2.0/24") + c.local,
				free("dhcp-failover", "partner", "192.0.2.100-192.0.2.149", "192.0.2.0/24") + c.partner,
				free("", "local", "10.9.0.10-10.9.0.59", "10.9.0.0/24") + "40",
				`dhcpd_scrape_collector_success{collector="pools"} 1`,
			} {
				if !strings.Contains(got, want+"\n") {
					t.Errorf("missing %s in\n%s", want, got)
				}
			}
			if strings.Contains(got, free("", "partner", "10.9.0.10-10.9.0.59", "10.9.0.0/24")) {
				t.Errorf("a pool without failover has no partner:\n%s", got)
			}
		})
	}
}

// The role is read once per connection, not once per scrape.
func TestRoleIsReadOncePerConnection(t *testing.T) {
	f := roleFixture(t, false)
	e := f.exporter(t, collector.Options{
		Config:  dhcpdconf.NewSource("testdata/roles.conf", "."),
		Enabled: map[string]bool{"failover": false, "pools": true},
	})
	for i := 0; i < 3; i++ {
		gather(t, e)
	}
	opens := 0
	for _, m := range f.srv.Received() {
		if typ, _ := m.Message.Get("type"); m.Op == omapi.OpOpen && string(typ) == "failover-state" {
			opens++
		}
	}
	if opens != 1 {
		t.Errorf("%d failover-state OPENs in three scrapes, want 1", opens)
	}
	// A new connection may be a restarted dhcpd with another dhcpd.conf:
	// the role is read again.
	f.srv.DropConnections()
	time.Sleep(20 * time.Millisecond)
	if got := gather(t, e); !strings.Contains(got, `dhcpd_scrape_collector_success{collector="pools"} 1`) {
		t.Fatalf("after a reconnect:\n%s", got)
	}
	opens = 0
	for _, m := range f.srv.Received() {
		if typ, _ := m.Message.Get("type"); m.Op == omapi.OpOpen && string(typ) == "failover-state" {
			opens++
		}
	}
	if opens != 2 {
		t.Errorf("%d failover-state OPENs after a reconnect, want 2", opens)
	}
}

// A failover peer dhcpd does not know: its pools keep their loaded size but
// get no free series (the owner cannot be told), and the collector fails.
func TestPoolPeerUnknownToDhcpd(t *testing.T) {
	f := newFixtureWith(t, omapitest.FailoverState("other-peer", omapi.FailoverNormal, omapi.FailoverNormal, true, 0))
	fo := f.srv.Add("pool", omapi.Values{{Name: "lease-count", Data: u32(50)}, {Name: "free-leases", Data: u32(11)}, {Name: "backup-leases", Data: u32(12)}})
	f.srv.Add("lease", omapi.Values{{Name: "ip-address", Data: []byte{192, 0, 2, 100}}, {Name: "state", Data: u32(1)}, {Name: "pool", Data: u32(uint32(fo))}})
	e := f.exporter(t, collector.Options{
		Config:  dhcpdconf.NewSource("testdata/roles.conf", "."),
		Enabled: map[string]bool{"failover": false, "pools": true},
	})
	got := gather(t, e)
	for _, want := range []string{
		`dhcpd_pool_loaded_addresses{failover_peer="dhcp-failover",pool="192.0.2.100-192.0.2.149",shared_network="192.0.2.0/24"} 50`,
		`dhcpd_scrape_collector_success{collector="pools"} 0`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %s in\n%s", want, got)
		}
	}
	if strings.Contains(got, `dhcpd_pool_free_addresses{failover_peer="dhcp-failover"`) {
		t.Errorf("free addresses without a known owner:\n%s", got)
	}
}

// peer_info's role is what dhcpd runs; a dhcpd.conf that says otherwise
// fails the collector with both positions named.
func TestRoleFromOMAPIOverDhcpdConf(t *testing.T) {
	f := newFixtureWith(t, omapitest.FailoverState("dhcp-failover", omapi.FailoverNormal, omapi.FailoverNormal, false, 0))
	e := f.exporter(t, collector.Options{})
	got := gather(t, e)
	for _, want := range []string{
		`dhcpd_failover_peer_info{local_address="192.0.2.1",local_port="647",pair="dhcp-failover@192.0.2.100",partner_address="192.0.2.2",partner_port="847",peer="dhcp-failover",role="secondary"} 1`,
		`dhcpd_scrape_collector_success{collector="failover"} 0`,
		`dhcpd_failover_state{peer="dhcp-failover",side="local",state="normal"} 1`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %s in\n%s", want, got)
		}
	}
}

// Balancing settings come from dhcpd.conf, with dhcpd's defaults.
func TestBalancingSettings(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct {
		conf string
		want []string
	}{
		{"../dhcpdconf/testdata/primary.conf", []string{ // nothing set: includes/failover.h:47-60
			`dhcpd_failover_max_lease_misbalance_ratio{peer="dhcp-failover"} 0.15`,
			`dhcpd_failover_max_lease_ownership_ratio{peer="dhcp-failover"} 0.1`,
			`dhcpd_failover_min_balance_seconds{peer="dhcp-failover"} 60`,
			`dhcpd_failover_max_balance_seconds{peer="dhcp-failover"} 3600`,
			`dhcpd_failover_auto_partner_down_seconds{peer="dhcp-failover"} 0`,
		}},
		{"testdata/roles.conf", []string{
			`dhcpd_failover_max_lease_misbalance_ratio{peer="dhcp-failover"} 0.2`,
			`dhcpd_failover_max_balance_seconds{peer="dhcp-failover"} 1800`,
		}},
	} {
		e := f.exporter(t, collector.Options{Config: dhcpdconf.NewSource(c.conf, ".")})
		got := gather(t, e)
		for _, want := range c.want {
			if !strings.Contains(got, want+"\n") {
				t.Errorf("%s: missing %s in\n%s", c.conf, want, got)
			}
		}
	}
}
