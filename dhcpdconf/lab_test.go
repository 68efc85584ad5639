package dhcpdconf

import (
	"encoding/base64"
	"testing"
)

// A dhcpd failover pair's configurations, as a real dhcpd 4.4.3 pair ran
// them (`dhcpd -t` accepts them: TestRealDhcpdAccepts).
func TestLabConfigs(t *testing.T) {
	secret, _ := base64.StdEncoding.DecodeString("2ecz5ILgSn7SVAV3hjqYGw==")
	for _, c := range []struct {
		file                        string
		omapiPort                   int
		role                        Role
		address, peerAddress        string
		port, peerPort, mclt, split int
		hba                         bool
	}{
		{"testdata/primary.conf", 7911, RolePrimary, "192.0.2.1", "192.0.2.2", 647, 847, 10, 128, true},
		{"testdata/secondary.conf", 7912, RoleSecondary, "192.0.2.2", "192.0.2.1", 847, 647, -1, -1, false},
	} {
		cfg, err := ParseFile(c.file, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if cfg.OMAPIPort != c.omapiPort || cfg.OMAPIKey != "omapi_key" || len(cfg.Files) != 1 || len(cfg.Warnings) != 0 {
			t.Errorf("%s: omapi %d %q files %v warnings %v", c.file, cfg.OMAPIPort, cfg.OMAPIKey, cfg.Files, cfg.Warnings)
		}
		k := cfg.Key("OMAPI_KEY")
		if len(cfg.Keys) != 1 || k == nil || k.Name != "omapi_key" || k.Algorithm != "hmac-md5" || string(k.Secret) != string(secret) || k.Pos.Line != 9 {
			t.Fatalf("%s: key %+v", c.file, k)
		}
		fp := cfg.FailoverPeer("dhcp-failover")
		if len(cfg.FailoverPeers) != 1 || fp == nil || fp.Role != c.role || fp.Address != c.address || fp.PeerAddress != c.peerAddress ||
			fp.Port != c.port || fp.PeerPort != c.peerPort || fp.MaxResponseDelay != 5 || fp.MaxUnackedUpdates != 10 ||
			fp.LoadBalanceMaxSeconds != 3 || fp.MCLT != c.mclt || fp.Split != c.split || (fp.HBA != nil) != c.hba ||
			fp.AutoPartnerDown != 0 || fp.Pos.Line != 15 {
			t.Errorf("%s: peer %+v", c.file, fp)
		}
		if len(cfg.SharedNetworks) != 1 {
			t.Fatalf("%s: shared networks %+v", c.file, cfg.SharedNetworks)
		}
		sn := cfg.SharedNetworks[0]
		if sn.Name != "192.0.2.0/24" || !sn.Implicit || len(sn.Subnets) != 1 || sn.Subnets[0].Prefix.String() != "192.0.2.0/24" {
			t.Errorf("%s: shared network %+v", c.file, sn)
		}
		// Different permit lists keep the two pools apart.
		if len(sn.Pools) != 2 || sn.Pools[0].ID != "192.0.2.100-192.0.2.149" || sn.Pools[1].ID != "192.0.2.150-192.0.2.199" {
			t.Fatalf("%s: pools %+v", c.file, sn.Pools)
		}
		for _, p := range sn.Pools {
			if p.Size() != 50 || len(p.Ranges) != 1 || p.FailoverPeer != "dhcp-failover" || p.AdHoc {
				t.Errorf("%s: pool %+v", c.file, p)
			}
		}
	}
}
