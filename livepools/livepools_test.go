package livepools_test

import (
	"context"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/dhcpd-exporter/dhcpd_exporter/dhcpdconf"
	"github.com/dhcpd-exporter/dhcpd_exporter/livepools"
	"github.com/dhcpd-exporter/dhcpd_exporter/omapi"
	"github.com/dhcpd-exporter/dhcpd_exporter/omapi/omapitest"
)

const conf = `failover peer "fo" { secondary; address 10.0.0.2; peer address 10.0.0.1; }
subnet 192.0.2.0 netmask 255.255.255.0 {
  pool { failover peer "fo"; range 192.0.2.100 192.0.2.149; }
  pool { failover peer "fo"; deny unknown-clients; range 192.0.2.150 192.0.2.199; }
  pool { failover peer "fo"; deny known-clients; range 192.0.2.200 192.0.2.209; }
}
subnet 10.9.0.0 netmask 255.255.255.0 { pool { range 10.9.0.10 10.9.0.59; } }
`

func u32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

// A stranger's view: a secondary's pools, one of them merged by dhcpd with
// another (told on every Read), one that dhcpd does not have; roles and
// handles are learned once per connection.
func TestRead(t *testing.T) {
	cfg, err := dhcpdconf.Parse("dhcpd.conf", []byte(conf), dhcpdconf.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := omapitest.NewServer(t, omapitest.Options{})
	srv.Add("failover-state", omapitest.FailoverState("fo", omapi.FailoverNormal, omapi.FailoverNormal, false, 0))
	fo := srv.Add("pool", omapi.Values{{Name: "lease-count", Data: u32(50)}, {Name: "free-leases", Data: u32(11)}, {Name: "backup-leases", Data: u32(12)}})
	plain := srv.Add("pool", omapi.Values{{Name: "lease-count", Data: u32(50)}, {Name: "free-leases", Data: u32(40)}, {Name: "backup-leases", Data: u32(2)}})
	for _, l := range []struct {
		ip   [4]byte
		pool omapi.Handle
	}{{[4]byte{192, 0, 2, 100}, fo}, {[4]byte{192, 0, 2, 200}, fo}, {[4]byte{10, 9, 0, 10}, plain}} {
		srv.Add("lease", omapi.Values{{Name: "ip-address", Data: l.ip[:]}, {Name: "state", Data: u32(1)}, {Name: "pool", Data: u32(uint32(l.pool))}})
	}
	cl := omapi.NewClient(omapi.Config{Address: srv.Addr})
	defer cl.Close()

	var tr livepools.Tracker
	for scrape := 0; scrape < 2; scrape++ {
		pools, err := tr.Read(context.Background(), cl, cfg)
		if err == nil || !strings.Contains(err.Error(), "pools 192.0.2.100-192.0.2.149 and 192.0.2.200-192.0.2.209 are one pool in dhcpd") {
			t.Errorf("error %v", err)
		}
		if len(pools) != 4 {
			t.Fatalf("%d pools", len(pools))
		}
		got := pools[0]
		if got.Config.ID != "192.0.2.100-192.0.2.149" || got.Network.Name != "192.0.2.0/24" || !got.Known || got.LeaseCount != 50 ||
			!got.ByOwner || got.FreeLocal != 12 || got.FreePartner != 11 || got.Err != nil {
			t.Errorf("failover pool on a secondary: %+v", got)
		}
		if got := pools[1]; !got.Absent || got.Known || got.Err != nil {
			t.Errorf("pool dhcpd lacks: %+v", got)
		}
		if got := pools[2]; got.Known || got.Err == nil || !strings.Contains(got.Err.Error(), "one pool in dhcpd") {
			t.Errorf("pool dhcpd merged: %+v", got)
		}
		if got := pools[3]; !got.Known || !got.ByOwner || got.FreeLocal != 42 || got.FreePartner != 0 {
			t.Errorf("pool without failover: %+v", got)
		}
	}
	opens := map[string]int{}
	for _, m := range srv.Received() {
		if typ, _ := m.Message.Get("type"); m.Op == omapi.OpOpen {
			opens[string(typ)]++
		}
	}
	// Handle leases and the role are opened once, the merged pool's too.
	if opens["lease"] != 4 || opens["failover-state"] != 1 {
		t.Errorf("OPENs %v", opens)
	}
}
