package collector

import (
	"context"

	"github.com/dhcpd-exporter/dhcpd_exporter/livepools"
)

func init() {
	register("pools", true, true, newPoolsCollector)
}

// poolsCollector exports dhcpd's own pool counters, read live over OMAPI
// by a livepools.Tracker (which learns and keeps the pool handles and the
// failover roles).
type poolsCollector struct {
	pools livepools.Tracker

	loaded, free *family
}

func newPoolsCollector(Options) (subCollector, error) {
	return &poolsCollector{
		loaded: poolGauge("loaded_addresses",
			"Addresses dhcpd itself has in the pool, read live over OMAPI (pool lease-count); differs from dhcpd_pool_addresses when dhcpd.conf changed and dhcpd was not restarted, 0 when dhcpd has no such pool."),
		free: poolGauge("free_addresses",
			"Free addresses of the pool, read live over OMAPI: owner=local are those THIS server may allocate (free-leases on a primary or without failover, backup-leases on a secondary), owner=partner those its failover partner may (the other count; no partner series without failover). Reserved leases are in neither.",
			"owner"),
	}, nil
}

func (c *poolsCollector) families() []*family { return []*family{c.loaded, c.free} }

func (c *poolsCollector) Update(ctx context.Context, s *scrape, out *sink) error {
	cfg, err := s.conf()
	if err != nil {
		return err
	}
	pools, err := c.pools.Read(ctx, s.OMAPI, cfg)
	labels := s.poolLabels(cfg)
	// One family after the other: a sink groups series by family.
	out.expect(c.loaded, len(pools))
	for _, p := range pools {
		switch {
		case p.Absent:
			// dhcpd runs an older configuration without this pool.
			out.add(c.loaded, 0, &labels[p.Config].plain)
		case p.Known:
			out.add(c.loaded, float64(p.LeaseCount), &labels[p.Config].plain)
		}
	}
	out.expect(c.free, 2*len(pools))
	for _, p := range pools {
		failover := p.Config.FailoverPeer != ""
		owners := &labels[p.Config].owners
		switch {
		case p.Absent:
			out.add(c.free, 0, &owners[ownerLocal])
			if failover {
				out.add(c.free, 0, &owners[ownerPartner])
			}
		case p.Known && p.ByOwner: // else the error says why
			out.add(c.free, float64(p.FreeLocal), &owners[ownerLocal])
			if failover {
				out.add(c.free, float64(p.FreePartner), &owners[ownerPartner])
			}
		}
	}
	return err
}
