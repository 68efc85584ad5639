package leasefile

import (
	"testing"
)

func TestLabConfigs(t *testing.T) {
	for _, c := range []struct {
		file string
		role Role
		port int
		peer string
	}{
		{"testdata/primary.conf", RolePrimary, 7911, "192.0.2.2"},
		{"testdata/secondary.conf", RoleSecondary, 7912, "192.0.2.1"},
	} {
		cfg, err := ParseConfigFile(c.file, ConfigOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if cfg.OMAPIPort != c.port || cfg.OMAPIKey != "omapi_key" {
			t.Errorf("%s: omapi %d %q", c.file, cfg.OMAPIPort, cfg.OMAPIKey)
		}
		k := cfg.Key("OMAPI_KEY")
		if k == nil || k.Algorithm != "hmac-md5" || len(k.Secret) != 16 {
			t.Fatalf("%s: key %+v", c.file, k)
		}
		fp := cfg.FailoverPeer("dhcp-failover")
		if fp == nil || fp.Role != c.role || fp.PeerAddress != c.peer || fp.MaxResponseDelay != 5 || fp.MaxUnackedUpdates != 10 || fp.LoadBalanceMaxSeconds != 3 {
			t.Fatalf("%s: peer %+v", c.file, fp)
		}
		if c.role == RolePrimary && (fp.MCLT != 10 || fp.Split != 128 || fp.Port != 647 || fp.PeerPort != 847) {
			t.Errorf("primary peer %+v", fp)
		}
		if len(cfg.SharedNetworks) != 1 || cfg.SharedNetworks[0].Name != "192.0.2.0/24" || !cfg.SharedNetworks[0].Implicit {
			t.Fatalf("%s: shared networks %+v", c.file, cfg.SharedNetworks)
		}
		pools := cfg.SharedNetworks[0].Pools
		if len(pools) != 2 || pools[0].ID != "192.0.2.100-192.0.2.149" || pools[1].ID != "192.0.2.150-192.0.2.199" {
			t.Fatalf("%s: pools %+v", c.file, pools)
		}
		for _, p := range pools {
			if p.Size() != 50 || p.FailoverPeer != "dhcp-failover" || p.AdHoc {
				t.Errorf("%s: pool %+v", c.file, p)
			}
		}
	}
}
