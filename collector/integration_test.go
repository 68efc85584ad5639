package collector_test

// Proofs against a real dhcpd 4.4.3 (internal/testlab): the dhcpd.conf pool
// model matches dhcpd's own pools, and file-derived counts match OMAPI's.

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/dhcpd-exporter/dhcpd_exporter/internal/testlab"
	"github.com/dhcpd-exporter/dhcpd_exporter/leasefile"
	"github.com/dhcpd-exporter/dhcpd_exporter/omapi"
)

func labClient(t testing.TB, p *testlab.Pair, s *testlab.Server) *omapi.Client {
	secret, err := base64.StdEncoding.DecodeString(p.KeySecret)
	if err != nil {
		t.Fatal(err)
	}
	key, err := omapi.NewKey(p.KeyName, p.KeyAlgorithm, secret)
	if err != nil {
		t.Fatal(err)
	}
	cl := omapi.NewClient(omapi.Config{Address: s.OMAPIAddr, Key: key, Dial: p.NS.DialContext})
	t.Cleanup(func() { cl.Close() })
	return cl
}

// assignmentConfigs exercise pool merging, ad-hoc pools and dhcpd's bare
// range mis-assignment (confpars.c:3854-3905). The 192.0.2.0/24 subnet the
// lab's interfaces need comes first.
var assignmentConfigs = map[string]string{
	"facts §6": `subnet 192.0.2.0 netmask 255.255.255.0 {
  pool { failover peer "dhcp-failover"; range 192.0.2.100 192.0.2.110; }
  pool { range 192.0.2.120 192.0.2.122; }
  range 192.0.2.130 192.0.2.132;
  range 192.0.2.140;
}`,
	"merging and permits": `subnet 192.0.2.0 netmask 255.255.255.0 {
  pool { range 192.0.2.100 192.0.2.109; }
  pool { range 192.0.2.110 192.0.2.119; }
  pool { allow known-clients; range 192.0.2.120 192.0.2.124; }
  pool { allow known clients; range 192.0.2.125 192.0.2.129; }
  pool { default-lease-time 300; range 192.0.2.130 192.0.2.139; }
  pool { range 192.0.2.140 192.0.2.141; }
}`,
	"dynamic-bootp ad-hoc pools": `subnet 192.0.2.0 netmask 255.255.255.0 {
  range 192.0.2.100 192.0.2.109;
  range 192.0.2.120 192.0.2.110;
  range dynamic-bootp 192.0.2.150 192.0.2.151;
  range dynamic-bootp 192.0.2.160;
  range 192.0.2.170;
}
subnet 10.99.0.0 netmask 255.255.0.0 {
  pool { range 10.99.1.1 10.99.1.20; }
  range 10.99.2.1 10.99.2.5;
  pool { deny dynamic bootp clients; range 10.99.3.1 10.99.3.3; }
  range 10.99.4.1;
}`,
	"shared network with failover reference": `subnet 192.0.2.0 netmask 255.255.255.0 { }
shared-network "campus" {
  subnet 10.1.0.0 netmask 255.255.255.0 { }
  subnet 10.2.0.0 netmask 255.255.255.0 { range 10.2.0.200 10.2.0.201; }
  pool { allow all clients; range 10.1.0.10 10.1.0.19; range 10.2.0.10 10.2.0.14; }
  failover peer "dhcp-failover";
  pool { range 10.1.0.100 10.1.0.149; }
  pool { no failover peer range 10.2.0.100 10.2.0.101; } # dhcpd 4.4.3 refuses "no failover peer;"
}`,
}

// referFailover is appended to every configuration: dhcpd refuses a
// declared failover peer that no pool refers to.
const referFailover = `
subnet 10.250.0.0 netmask 255.255.255.0 { pool { failover peer "dhcp-failover"; range 10.250.0.10 10.250.0.11; } }
`

func TestRealPoolModelMatchesDhcpd(t *testing.T) {
	testlab.Require(t)
	for name, subnet := range assignmentConfigs {
		subnet += referFailover
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := testlab.StartPair(t, testlab.PairOptions{Start: "primary", Subnet: subnet, PrimaryLeases: []byte{}})
			cfg, err := leasefile.ParseConfigFile(p.Primary.ConfPath, leasefile.ConfigOptions{})
			if err != nil {
				t.Fatal(err)
			}
			cl := labClient(t, p, p.Primary)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			seen := map[omapi.Handle]string{}
			pools := 0
			eachPoolOf(cfg, func(sn *leasefile.SharedNetwork, pool *leasefile.Pool) {
				pools++
				// Both ends of every range belong to the dhcpd pool of the first.
				var ips []netip.Addr
				for _, r := range pool.Ranges {
					ips = append(ips, r.Low, r.High)
				}
				leases, errs, err := cl.LeasesByIP(ctx, ips)
				if err != nil {
					t.Fatal(err)
				}
				h := leases[0].Pool
				for i, l := range leases {
					if errs[i] != nil || l.Pool != h {
						t.Errorf("pool %s: %s is in dhcpd pool %v (%v), the pool's first address in %d", pool.ID, ips[i], l, errs[i], h)
					}
				}
				if other, dup := seen[h]; dup {
					t.Errorf("pools %s and %s are one pool in dhcpd", other, pool.ID)
				}
				seen[h] = pool.ID
				dp, err := cl.Pool(ctx, h)
				if err != nil {
					t.Fatal(err)
				}
				if uint64(dp.LeaseCount) != pool.Size() {
					t.Errorf("pool %s: dhcpd lease-count %d, model %d", pool.ID, dp.LeaseCount, pool.Size())
				}
			})
			t.Logf("%d pools, each matching dhcpd's pool object and lease-count", pools)
			p.Primary.AssertHealthy(t)
		})
	}
}

func eachPoolOf(cfg *leasefile.Config, f func(*leasefile.SharedNetwork, *leasefile.Pool)) {
	for _, sn := range cfg.SharedNetworks {
		for _, p := range sn.Pools {
			f(sn, p)
		}
	}
}

// After dhcpd's start-up rewrite and the failover handshake, the lease file
// says what dhcpd says: per pool, file free+backup equals OMAPI
// free-leases+backup-leases, and loaded equals configured addresses, on both
// servers.
func TestRealFileCountsMatchOMAPI(t *testing.T) {
	testlab.Require(t)
	p := testlab.StartPair(t, testlab.PairOptions{})
	time.Sleep(500 * time.Millisecond) // let pool balancing settle and be written
	for _, s := range p.Servers() {
		t.Run(s.Role, func(t *testing.T) {
			cfg, err := leasefile.ParseConfigFile(s.ConfPath, leasefile.ConfigOptions{})
			if err != nil {
				t.Fatal(err)
			}
			cl := labClient(t, p, s)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			deadline := time.Now().Add(10 * time.Second)
			for {
				mismatch := compareFileAndOMAPI(t, ctx, cl, cfg, s.LeasesPath)
				if mismatch == "" {
					return
				}
				if time.Now().After(deadline) {
					t.Fatal(mismatch)
				}
				time.Sleep(200 * time.Millisecond) // dhcpd may still be writing
			}
		})
	}
}

func compareFileAndOMAPI(t *testing.T, ctx context.Context, cl *omapi.Client, cfg *leasefile.Config, leasesPath string) string {
	lf := leasefile.NewLeaseFile(leasesPath)
	now := time.Now()
	if _, err := lf.Update(now); err != nil {
		t.Fatal(err)
	}
	var mismatch string
	eachPoolOf(cfg, func(sn *leasefile.SharedNetwork, pool *leasefile.Pool) {
		var counts [leasefile.StateBackup + 1]uint64
		for _, r := range pool.Ranges {
			lf.DB().CountRange(r, uint32(now.Unix()), &counts)
		}
		l, err := cl.LeaseByIP(ctx, pool.Ranges[0].Low)
		if err != nil {
			t.Fatal(err)
		}
		dp, err := cl.Pool(ctx, l.Pool)
		if err != nil {
			t.Fatal(err)
		}
		file := counts[leasefile.StateFree] + counts[leasefile.StateBackup]
		live := uint64(dp.FreeLeases) + uint64(dp.BackupLeases)
		t.Logf("pool %s: file free %d backup %d active %d abandoned %d; OMAPI free %d backup %d lease-count %d",
			pool.ID, counts[leasefile.StateFree], counts[leasefile.StateBackup], counts[leasefile.StateActive], counts[leasefile.StateAbandoned],
			dp.FreeLeases, dp.BackupLeases, dp.LeaseCount)
		if file != live || uint64(dp.LeaseCount) != pool.Size() {
			mismatch += fmt.Sprintf("pool %s: file free+backup %d, OMAPI %d; lease-count %d, configured %d\n", pool.ID, file, live, dp.LeaseCount, pool.Size())
		}
	})
	return mismatch
}
