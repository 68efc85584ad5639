package collector_test

// Proofs against a real dhcpd 4.4.3 (internal/testlab): file-derived counts
// match OMAPI's. That the dhcpd.conf pool model is dhcpd's own is shown in
// leasefile (TestRealDhcpdPools).

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/dhcpd-exporter/dhcpd_exporter/binding"
	"github.com/dhcpd-exporter/dhcpd_exporter/dhcpdconf"
	"github.com/dhcpd-exporter/dhcpd_exporter/internal/labclient"
	"github.com/dhcpd-exporter/dhcpd_exporter/internal/testlab"
	"github.com/dhcpd-exporter/dhcpd_exporter/leasefile"
	"github.com/dhcpd-exporter/dhcpd_exporter/omapi"
)

var labClient = labclient.New

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
			cfg, err := dhcpdconf.ParseFile(s.ConfPath, dhcpdconf.Options{})
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

func compareFileAndOMAPI(t *testing.T, ctx context.Context, cl *omapi.Client, cfg *dhcpdconf.Config, leasesPath string) string {
	lf := leasefile.NewLeaseFile(leasesPath)
	now := time.Now()
	if _, err := lf.Update(ctx, now); err != nil {
		t.Fatal(err)
	}
	var mismatch string
	cfg.EachPool(func(sn *dhcpdconf.SharedNetwork, pool *dhcpdconf.Pool) {
		var counts leasefile.Counts
		for _, r := range pool.Ranges {
			lf.DB().CountRange(r.Low, r.High, pool.FailoverPeer != "", uint32(now.Unix()), &counts)
		}
		l, err := cl.LeaseByIP(ctx, pool.Ranges[0].Low)
		if err != nil {
			t.Fatal(err)
		}
		dp, err := cl.Pool(ctx, l.Pool)
		if err != nil {
			t.Fatal(err)
		}
		file := counts[binding.Free] + counts[binding.Backup]
		live := uint64(dp.FreeLeases) + uint64(dp.BackupLeases)
		t.Logf("pool %s: file free %d backup %d active %d abandoned %d reserved %d; OMAPI free %d backup %d lease-count %d",
			pool.ID, counts[binding.Free], counts[binding.Backup], counts[binding.Active], counts[binding.Abandoned],
			counts[leasefile.Reserved], dp.FreeLeases, dp.BackupLeases, dp.LeaseCount)
		if file != live || uint64(dp.LeaseCount) != pool.Size() {
			mismatch += fmt.Sprintf("pool %s: file free+backup %d, OMAPI %d; lease-count %d, configured %d\n", pool.ID, file, live, dp.LeaseCount, pool.Size())
		}
	})
	return mismatch
}
