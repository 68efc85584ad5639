package leasefile

// Proof of the lease state rules (docs/lease-states.md) against a real
// dhcpd 4.4.3: every record of stateCases is seeded into a failover pool and
// a pool without failover of a lone primary, and what the exporter makes of
// the seed must be what dhcpd makes of it, per address (OMAPI lease state
// and reserved flag) and per pool (OMAPI free-leases, backup-leases and
// lease-count).

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dhcpd-exporter/dhcpd_exporter/binding"
	"github.com/dhcpd-exporter/dhcpd_exporter/dhcpdconf"
	"github.com/dhcpd-exporter/dhcpd_exporter/internal/labclient"
	"github.com/dhcpd-exporter/dhcpd_exporter/internal/testlab"
	"github.com/dhcpd-exporter/dhcpd_exporter/omapi"
)

// plainSubnet is a subnet whose pool has no failover peer. dhcpd needs no
// interface on it.
const plainSubnet = "subnet 10.9.0.0 netmask 255.255.255.0 { pool { range 10.9.0.10 10.9.0.59; } }\n"

func TestRealDhcpdLeaseStates(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real dhcpd")
	}
	testlab.Require(t)
	if len(stateCases) > 50 {
		t.Fatalf("%d cases do not fit the 50-address pools", len(stateCases))
	}
	// The seed: case i at 192.0.2.(100+i) (failover pool) and 10.9.0.(10+i).
	now := time.Now()
	var seed strings.Builder
	seed.WriteString("authoring-byte-order little-endian;\n\n")
	foIP := func(i int) netip.Addr { return netip.AddrFrom4([4]byte{192, 0, 2, byte(100 + i)}) }
	plainIP := func(i int) netip.Addr { return netip.AddrFrom4([4]byte{10, 9, 0, byte(10 + i)}) }
	for i, c := range stateCases {
		seed.WriteString(stateCaseRecord(c, foIP(i).String(), now))
		seed.WriteString(stateCaseRecord(c, plainIP(i).String(), now))
	}

	// The exporter reads the seed, at the time it was written.
	seedPath := filepath.Join(t.TempDir(), "seed.leases")
	if err := os.WriteFile(seedPath, []byte(seed.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	lf := NewLeaseFile(seedPath)
	if res, err := lf.Update(bg, now); err != nil || res.Malformed != 0 || res.Records != 2*len(stateCases)+1 {
		t.Fatalf("seed: %+v %v %v", res, err, lf.Stats().LastMalformed)
	}
	at := uint32(now.Unix())

	// dhcpd reads it at start-up (and rewrites the file: the comparison is
	// with the seed).
	p := testlab.StartPair(t, testlab.PairOptions{Start: "primary", Extra: plainSubnet, PrimaryLeases: []byte(seed.String())})
	started := time.Now()
	cfg, err := dhcpdconf.ParseFile(p.Primary.ConfPath, dhcpdconf.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cl := labclient.New(t, p, p.Primary)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	// Per address: the exporter's state is dhcpd's.
	for _, kind := range []struct {
		failover bool
		ip       func(int) netip.Addr
	}{{true, foIP}, {false, plainIP}} {
		ips := make([]netip.Addr, len(stateCases))
		for i := range stateCases {
			ips[i] = kind.ip(i)
		}
		leases, errs, err := cl.LeasesByIP(ctx, ips)
		if err != nil {
			t.Fatal(err)
		}
		for i, c := range stateCases {
			if errs[i] != nil {
				t.Fatalf("%s: %v", ips[i], errs[i])
			}
			rec, ok := lf.DB().Get(ips[i])
			if !ok {
				t.Fatalf("%s: not in the parsed seed", ips[i])
			}
			eff := rec.Effective(at, kind.failover)
			want := c.none
			if kind.failover {
				want = c.failover
			}
			dl := leases[i]
			dReserved := dl.Flags&omapi.LeaseFlagReserved != 0
			if dl.State != eff.State || dReserved != eff.Reserved || eff.Bucket() != want {
				t.Errorf("%s (failover %v) %s: dhcpd %v reserved %v; exporter %v reserved %v (bucket %v, table says %v)\n  %s",
					ips[i], kind.failover, c.name, dl.State, dReserved, eff.State, eff.Reserved, eff.Bucket(), want, c.body)
			}
		}
	}

	// Per pool: the exporter's free and backup counts are dhcpd's, except
	// for one start-up quirk of dhcpd's counters: after loading the file,
	// expire_all_pools counts a free or backup lease only if it has
	// ended (server/mdb.c:2895-2912), so those whose end is still to come
	// sit on the free or backup queue without being counted.
	pools := 0
	for _, sn := range cfg.SharedNetworks {
		for _, pool := range sn.Pools {
			pools++
			var counts Counts
			countPool(lf.DB(), pool, at, &counts)
			var notCounted [binding.Backup + 1]uint64
			for _, r := range pool.Ranges {
				for a := r.Low; a.Compare(r.High) <= 0; a = a.Next() {
					if l, ok := lf.DB().Get(a); ok {
						if e := l.Effective(at, pool.FailoverPeer != ""); !e.Reserved && (e.State == binding.Free || e.State == binding.Backup) && e.Ends > uint32(started.Unix()) {
							notCounted[e.State]++
						}
					}
				}
			}
			l, err := cl.LeaseByIP(ctx, pool.Ranges[0].Low)
			if err != nil {
				t.Fatal(err)
			}
			dp, err := cl.Pool(ctx, l.Pool)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("pool %s (failover %q): exporter %v; dhcpd free %d backup %d lease-count %d; free/backup leases not ended: %d/%d",
				pool.ID, pool.FailoverPeer, countsString(counts), dp.FreeLeases, dp.BackupLeases, dp.LeaseCount, notCounted[binding.Free], notCounted[binding.Backup])
			if counts.total() != pool.Size() || uint64(dp.LeaseCount) != pool.Size() {
				t.Errorf("pool %s: exporter counts %d addresses, dhcpd lease-count %d, configured %d", pool.ID, counts.total(), dp.LeaseCount, pool.Size())
			}
			if counts[binding.Free]-notCounted[binding.Free] != uint64(dp.FreeLeases) || counts[binding.Backup]-notCounted[binding.Backup] != uint64(dp.BackupLeases) {
				t.Errorf("pool %s: exporter free %d backup %d (less %d/%d not ended), dhcpd free-leases %d backup-leases %d",
					pool.ID, counts[binding.Free], counts[binding.Backup], notCounted[binding.Free], notCounted[binding.Backup], dp.FreeLeases, dp.BackupLeases)
			}
		}
	}
	if pools != 3 {
		t.Errorf("%d pools, want 3 (two with failover, one without)", pools)
	}
	p.Primary.AssertHealthy(t)
}

func countsString(c Counts) string {
	var parts []string
	for _, s := range Buckets {
		if c[s] != 0 {
			parts = append(parts, fmt.Sprintf("%v %d", s, c[s]))
		}
	}
	return strings.Join(parts, ", ")
}
