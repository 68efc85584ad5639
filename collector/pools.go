package collector

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"

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

	loaded, free *prometheus.Desc
}

func newPoolsCollector(Options) (subCollector, error) {
	return &poolsCollector{
		loaded: poolDesc("loaded_addresses",
			"Addresses dhcpd itself has in the pool, read live over OMAPI (pool lease-count); differs from dhcpd_pool_addresses when dhcpd.conf changed and dhcpd was not restarted, 0 when dhcpd has no such pool."),
		free: poolDesc("free_addresses",
			"Free addresses of the pool, read live over OMAPI: owner=local are those THIS server may allocate (free-leases on a primary or without failover, backup-leases on a secondary), owner=partner those its failover partner may (the other count; no partner series without failover). Reserved leases are in neither.",
			"owner"),
	}, nil
}

func (c *poolsCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.loaded
	ch <- c.free
}

func (c *poolsCollector) Update(ctx context.Context, s *scrape, ch chan<- prometheus.Metric) error {
	cfg, err := s.conf()
	if err != nil {
		return err
	}
	pools, err := c.pools.Read(ctx, s.OMAPI, cfg)
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	for _, p := range pools {
		failover := p.Config.FailoverPeer != ""
		switch {
		case p.Absent:
			// dhcpd runs an older configuration without this pool.
			gauge(c.loaded, 0, poolLabelValues(p.Network, p.Config)...)
			gauge(c.free, 0, poolLabelValues(p.Network, p.Config, "local")...)
			if failover {
				gauge(c.free, 0, poolLabelValues(p.Network, p.Config, "partner")...)
			}
		case p.Known:
			gauge(c.loaded, float64(p.LeaseCount), poolLabelValues(p.Network, p.Config)...)
			if !p.ByOwner {
				continue // the error says why
			}
			gauge(c.free, float64(p.FreeLocal), poolLabelValues(p.Network, p.Config, "local")...)
			if failover {
				gauge(c.free, float64(p.FreePartner), poolLabelValues(p.Network, p.Config, "partner")...)
			}
		}
	}
	return err
}
