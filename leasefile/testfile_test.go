package leasefile

import (
	"context"

	"github.com/dhcpd-exporter/dhcpd_exporter/dhcpdconf"
)

// bg is the context of updates that need no deadline.
var bg = context.Background()

// countPool counts a pool of dhcpd.conf as the leases collector does:
// every range, with the pool's failover flag.
func countPool(db *LeaseDB, p *dhcpdconf.Pool, now uint32, counts *Counts) {
	for _, r := range p.Ranges {
		db.CountRange(r.Low, r.High, p.FailoverPeer != "", now, counts)
	}
}
