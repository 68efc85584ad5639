package dhcpdconf

import (
	"bytes"
	"testing"
)

const failoverDeclarationConf = `failover peer "dhcp" {
  primary; address dhcp1.example.com; port 519; peer address 10.0.0.2; peer port 520;
  max-response-delay 60; max-unacked-updates 10; peer max-response-delay 30; peer max-unacked-updates 5;
  mclt 3600; hba ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:01;
  LOAD BALANCE MAX SECONDS 3; max-lease-misbalance 25; max-lease-ownership 5;
  max-balance 1800; min-balance 30; auto-partner-down 300;
}
failover peer "dhcp" state { my state normal at 1 2026/01/01 00:00:00; partner state normal at 1 2026/01/01 00:00:00; }
failover peer sec { secondary; peer address 10.0.0.1; }
failover peer split-peer { peer address 10.0.0.3; mclt 10; split 10; }
subnet 10.0.0.0 netmask 255.255.255.0 {
  pool { failover peer "dhcp"; range 10.0.0.1; }
  pool { failover peer "sec"; range 10.0.0.2; }
  pool { failover peer "split-peer"; range 10.0.0.3; }
}
`

func TestFailoverDeclaration(t *testing.T) {
	cfg := mustParse(t, failoverDeclarationConf)
	p := cfg.FailoverPeer("dhcp")
	if p.Role != RolePrimary || p.Address != "dhcp1.example.com" || p.Port != 519 || p.PeerAddress != "10.0.0.2" || p.PeerPort != 520 ||
		p.MaxResponseDelay != 60 || p.MaxUnackedUpdates != 10 || p.MCLT != 3600 || p.Split != 129 || len(p.HBA) != 32 ||
		p.LoadBalanceMaxSeconds != 3 || p.AutoPartnerDown != 300 || p.Pos != (Position{File: "test.conf", Line: 1}) ||
		p.MaxLeaseMisbalance != 25 || p.MaxLeaseOwnership != 5 || p.MaxBalance != 1800 || p.MinBalance != 30 {
		t.Errorf("%+v", p)
	}
	s := cfg.FailoverPeer("sec")
	if s.Role != RoleSecondary || s.Address != "" || s.Port != 647 || s.PeerPort != 647 || s.MaxResponseDelay != 20 ||
		s.MaxUnackedUpdates != 100 || s.MCLT != -1 || s.Split != -1 || s.HBA != nil || s.LoadBalanceMaxSeconds != -1 || s.AutoPartnerDown != 0 ||
		// dhcpd's defaults (includes/failover.h:47-60)
		s.MaxLeaseMisbalance != 15 || s.MaxLeaseOwnership != 10 || s.MaxBalance != 3600 || s.MinBalance != 60 {
		t.Errorf("%+v", s)
	}
	// split N sets the first N bucket bits, least significant bit first.
	sp := cfg.FailoverPeer("split-peer")
	if sp.Role != RolePrimary || sp.Split != 10 || !bytes.Equal(sp.HBA[:3], []byte{0xff, 0x03, 0x00}) || sp.MCLT != 10 {
		t.Errorf("%+v", sp)
	}
	if cfg.FailoverPeer("DHCP") != nil {
		t.Error("failover peer names are case-sensitive in dhcpd (strcmp)")
	}
	if len(cfg.Warnings) != 0 {
		t.Errorf("warnings %v", cfg.Warnings)
	}
}

// cNumbersConf holds numbers a real dhcpd 4.4.3 takes although no operator
// means them (TestRealDhcpdAccepts): a negative mclt wraps to a large
// u_int32_t, a negative port stays an int, and a hex octet may have
// leading zeros.
const cNumbersConf = `failover peer "c" {
  primary; peer address 10.0.0.2; port -7; mclt -5;
  hba 0ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:001;
}
subnet 10.0.0.0 netmask 255.255.255.0 { pool { failover peer "c"; range 10.0.0.1; } }
`

func TestFailoverCNumbers(t *testing.T) {
	p := mustParse(t, cNumbersConf).FailoverPeer("c")
	if p.Port != -7 || p.MCLT != 4294967291 || len(p.HBA) != 32 || p.HBA[0] != 0xff || p.HBA[31] != 1 {
		t.Errorf("%+v", p)
	}
}

func TestSplitHBA(t *testing.T) {
	for _, c := range []struct {
		split int
		first []byte
	}{{0, []byte{0, 0}}, {1, []byte{1, 0}}, {8, []byte{0xff, 0}}, {9, []byte{0xff, 1}}, {128, []byte{0xff, 0xff}}} {
		hba := splitHBA(c.split)
		if !bytes.Equal(hba[:2], c.first) || popcount(hba) != c.split {
			t.Errorf("split %d: % x", c.split, hba)
		}
	}
	if hba := splitHBA(256); popcount(hba) != 256 {
		t.Errorf("split 256: % x", hba)
	}
}
