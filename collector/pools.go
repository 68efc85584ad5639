package collector

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dhcpd-exporter/dhcpd_exporter/dhcpdconf"
	"github.com/dhcpd-exporter/dhcpd_exporter/omapi"
)

func init() {
	register("pools", true, true, newPoolsCollector)
}

// poolsCollector reads dhcpd's own pool counters over OMAPI. Pools cannot
// be looked up; the handle of each configured pool is learned once by
// opening a lease of its first range (every range address has a lease
// object), cached, and REFRESHed each scrape through the windowed pipeline.
// Handles belong to one dhcpd process: they are learned again after the
// client reconnects (a dhcpd restart breaks the connection) or dhcpd.conf
// changes.
//
// dhcpd reports the same free-leases and backup-leases on both servers of a
// pair; which of them this server may allocate depends on its role: the
// primary allocates FREE leases, the secondary BACKUP ones (server/dhcp.c:
// 5014-5034; docs/dhcpd-semantics.md). The role of every failover peer the
// pools use is read once per connection from OMAPI (hierarchy), so it is
// what dhcpd runs, with or without a matching dhcpd.conf.
type poolsCollector struct {
	mu         sync.Mutex
	handles    map[string]omapi.Handle // by pool ID; missing until learned
	absent     map[string]bool         // pools dhcpd does not have (no lease at the probe address)
	roles      map[string]omapi.Hierarchy
	client     *omapi.Client // the client and connection the handles and roles were learned on
	generation uint64
	cfg        *dhcpdconf.Config // the configuration the handles belong to

	loaded, free *prometheus.Desc
}

func newPoolsCollector(Options) (Collector, error) {
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

// probeAddress is the lease the pool's handle is learned from.
func probeAddress(p *dhcpdconf.Pool) netip.Addr { return p.Ranges[0].Low }

func (c *poolsCollector) Update(ctx context.Context, s *Scrape, ch chan<- prometheus.Metric) error {
	cfg, err := s.Conf()
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var (
		ids      []string
		handles  []omapi.Handle
		pools    []*omapi.Pool
		errs     []error
		learnErr error
	)
	for attempt := 0; ; attempt++ {
		// Handles belong to one dhcpd process and one configuration.
		if cfg != c.cfg || s.OMAPI != c.client || s.OMAPI.Generation() != c.generation {
			c.handles, c.absent, c.roles, c.cfg, c.client = map[string]omapi.Handle{}, map[string]bool{}, map[string]omapi.Hierarchy{}, cfg, s.OMAPI
		}
		learnErr = errors.Join(c.learn(ctx, s.OMAPI, cfg), c.learnRoles(ctx, s.OMAPI, cfg))
		c.generation = s.OMAPI.Generation()

		ids, handles = nil, nil
		eachPool(cfg, func(_ *dhcpdconf.SharedNetwork, p *dhcpdconf.Pool) {
			if h, ok := c.handles[p.ID]; ok {
				ids, handles = append(ids, p.ID), append(handles, h)
			}
		})
		pools, errs, err = s.OMAPI.Pools(ctx, handles)
		if errors.Is(err, omapi.ErrReconnected) && attempt == 0 {
			// The connection broke under the REFRESHes (dhcpd may have
			// restarted, and the handles with it): learn them again on
			// the new connection, once.
			continue
		}
		if err != nil {
			return err
		}
		break
	}
	byID := map[string]*omapi.Pool{}
	failed := []error{learnErr}
	for i, p := range pools {
		if errs[i] != nil {
			// Not a pool any more: learn it again next scrape.
			delete(c.handles, ids[i])
			failed = append(failed, fmt.Errorf("pool %s (handle %d): %w", ids[i], handles[i], errs[i]))
			continue
		}
		byID[ids[i]] = p
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	eachPool(cfg, func(sn *dhcpdconf.SharedNetwork, p *dhcpdconf.Pool) {
		if c.absent[p.ID] {
			// dhcpd runs an older configuration without this pool.
			gauge(c.loaded, 0, poolLabelValues(sn, p)...)
			gauge(c.free, 0, poolLabelValues(sn, p, "local")...)
			if p.FailoverPeer != "" {
				gauge(c.free, 0, poolLabelValues(sn, p, "partner")...)
			}
			return
		}
		op, ok := byID[p.ID]
		if !ok {
			return
		}
		gauge(c.loaded, float64(op.LeaseCount), poolLabelValues(sn, p)...)
		if p.FailoverPeer == "" {
			// Without failover dhcpd makes every backup lease free at
			// start-up (server/mdb.c:2778-2790): only free-leases count.
			gauge(c.free, float64(op.FreeLeases+op.BackupLeases), poolLabelValues(sn, p, "local")...)
			return
		}
		role, ok := c.roles[p.FailoverPeer]
		if !ok {
			return // learnRoles said why
		}
		local, partner := op.FreeLeases, op.BackupLeases
		if role == omapi.Secondary {
			local, partner = partner, local
		}
		gauge(c.free, float64(local), poolLabelValues(sn, p, "local")...)
		gauge(c.free, float64(partner), poolLabelValues(sn, p, "partner")...)
	})
	return errors.Join(failed...)
}

// learnRoles reads this server's role for every failover peer the pools
// use and that is not known yet on this connection. A peer dhcpd does not
// know leaves its pools without free-address series.
func (c *poolsCollector) learnRoles(ctx context.Context, cl *omapi.Client, cfg *dhcpdconf.Config) error {
	var names []string
	seen := map[string]bool{}
	eachPool(cfg, func(_ *dhcpdconf.SharedNetwork, p *dhcpdconf.Pool) {
		if _, known := c.roles[p.FailoverPeer]; p.FailoverPeer != "" && !known && !seen[p.FailoverPeer] && !c.absent[p.ID] {
			seen[p.FailoverPeer] = true
			names = append(names, p.FailoverPeer)
		}
	})
	if len(names) == 0 {
		return nil
	}
	states, errs, err := cl.FailoverStatesByName(ctx, names)
	if err != nil {
		return fmt.Errorf("reading the failover roles of the pools: %w", err)
	}
	var failed []error
	for i, f := range states {
		switch {
		case errs[i] != nil:
			failed = append(failed, fmt.Errorf("failover peer %q of the pools: %w (their free addresses cannot be told apart by owner)", names[i], errs[i]))
		case f.Hierarchy != omapi.Primary && f.Hierarchy != omapi.Secondary:
			failed = append(failed, fmt.Errorf("failover-state %q: hierarchy %d is neither primary nor secondary", names[i], uint32(f.Hierarchy)))
		default:
			c.roles[names[i]] = f.Hierarchy
		}
	}
	return errors.Join(failed...)
}

// learn finds the handles of pools not known yet, one lease OPEN each.
func (c *poolsCollector) learn(ctx context.Context, cl *omapi.Client, cfg *dhcpdconf.Config) error {
	var ids []string
	var ips []netip.Addr
	eachPool(cfg, func(_ *dhcpdconf.SharedNetwork, p *dhcpdconf.Pool) {
		if _, known := c.handles[p.ID]; !known && !c.absent[p.ID] {
			ids, ips = append(ids, p.ID), append(ips, probeAddress(p))
		}
	})
	if len(ips) == 0 {
		return nil
	}
	leases, errs, err := cl.LeasesByIP(ctx, ips)
	if err != nil {
		return fmt.Errorf("learning pool handles: %w", err)
	}
	owner := map[omapi.Handle]string{}
	var failed []error
	for i, l := range leases {
		switch {
		case errors.Is(errs[i], omapi.ErrNotFound):
			c.absent[ids[i]] = true // dhcpd has no lease there: it runs without this pool
		case errs[i] != nil:
			failed = append(failed, fmt.Errorf("pool %s: lease %s: %w", ids[i], ips[i], errs[i]))
		case l.Pool == 0:
			failed = append(failed, fmt.Errorf("pool %s: lease %s has no pool in dhcpd", ids[i], ips[i]))
		default:
			if other, dup := owner[l.Pool]; dup {
				// dhcpd merged two pools the configuration model keeps apart.
				failed = append(failed, fmt.Errorf("pools %s and %s are one pool in dhcpd (handle %d): the configuration model disagrees with dhcpd", other, ids[i], l.Pool))
				continue
			}
			owner[l.Pool] = ids[i]
			c.handles[ids[i]] = l.Pool
		}
	}
	return errors.Join(failed...)
}
