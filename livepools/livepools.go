// Package livepools reads the pools of dhcpd.conf live from a running dhcpd
// over OMAPI: dhcpd's own count of each pool's addresses, and its free
// addresses told apart by owner (this server or its failover partner). It
// joins the configuration model (dhcpdconf) to dhcpd's pool objects, which
// OMAPI cannot look up: a Tracker learns each pool's handle from the lease
// of the pool's first address (its handle lease), keeps the handles for as
// long as they are valid, and REFRESHes them on every Read.
//
// It knows nothing of Prometheus, and uses only the standard library,
// dhcpdconf and omapi.
package livepools

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"

	"github.com/dhcpd-exporter/dhcpd_exporter/dhcpdconf"
	"github.com/dhcpd-exporter/dhcpd_exporter/omapi"
)

// Pool is what a Read found of one pool of the configuration.
type Pool struct {
	Network *dhcpdconf.SharedNetwork // the pool's shared network
	Config  *dhcpdconf.Pool          // the pool as dhcpd.conf declares it

	// Absent is set when dhcpd has no lease at the pool's first address:
	// it runs a configuration without this pool (dhcpd.conf changed and
	// dhcpd was not restarted). Nothing else is set then.
	Absent bool
	// Known is set when dhcpd's counters of the pool were read.
	Known      bool
	LeaseCount uint32 // dhcpd's lease-count: the addresses it has in the pool, in any state

	// ByOwner is set when the free addresses could be told apart by
	// owner: always in a pool without failover, and in a failover pool
	// once this server's role for the peer is known.
	ByOwner bool
	// FreeLocal are the free addresses THIS server may allocate:
	// free-leases on a primary, backup-leases on a secondary
	// (server/dhcp.c:5014-5034), both without failover (dhcpd makes every
	// backup lease free at start-up then, server/mdb.c:2778-2790).
	FreeLocal uint32
	// FreePartner are those its failover partner may allocate (the other
	// count); 0 without failover. Reserved leases are in neither.
	FreePartner uint32

	// Err says why Known or ByOwner is not set (nil for an absent pool).
	Err error
}

// Tracker reads the pools of a configuration from one dhcpd. Handles
// belong to one dhcpd process and one configuration: they are learned
// again when the configuration, the client or its connection changes (a
// dhcpd restart breaks the connection), including when the connection
// breaks under a Read (omapi.ErrReconnected), within that Read.
//
// dhcpd reports the same free-leases and backup-leases on both servers of a
// pair; which of them this server may allocate depends on its role: the
// primary allocates FREE leases, the secondary BACKUP ones
// (server/dhcp.c:5014-5034; docs/dhcpd-semantics.md). The role of every
// failover peer the pools use is read once per connection from OMAPI
// (hierarchy), so it is what dhcpd runs, with or without a matching
// dhcpd.conf.
//
// The zero Tracker is ready for use, and safe for concurrent Reads (they
// take turns).
type Tracker struct {
	mu         sync.Mutex
	handles    map[string]omapi.Handle // by pool ID; missing until learned
	absent     map[string]bool         // pools dhcpd does not have (no lease at the handle lease's address)
	merged     map[string]error        // pools whose handle another pool has: dhcpd merged them
	roles      map[string]omapi.Hierarchy
	client     *omapi.Client // the client and connection the handles and roles were learned on
	generation uint64
	cfg        *dhcpdconf.Config // the configuration the handles belong to

	// Of the Read in progress: why a pool or a peer's role is unknown.
	poolErr map[string]error // by pool ID
	roleErr map[string]error // by failover peer
}

// handleLease is the address of the lease a pool's handle is learned from:
// every address of a range has a lease object in dhcpd, and its pool
// attribute names the pool.
func handleLease(p *dhcpdconf.Pool) netip.Addr { return p.Ranges[0].Low }

// Read reads every pool of cfg from the dhcpd cl talks to, learning the
// handles and roles it does not know yet. It returns one Pool for each pool
// of cfg, in the configuration's order, and err joins every problem met
// (each also in its pool's Err). When the exchange itself failed, it
// returns no pools and that error.
func (t *Tracker) Read(ctx context.Context, cl *omapi.Client, cfg *dhcpdconf.Config) ([]Pool, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var (
		ids      []string
		handles  []omapi.Handle
		pools    []*omapi.Pool
		errs     []error
		learnErr error
		err      error
	)
	for attempt := 0; ; attempt++ {
		// Handles belong to one dhcpd process and one configuration.
		if cfg != t.cfg || cl != t.client || cl.Generation() != t.generation {
			t.handles, t.absent, t.merged, t.roles, t.cfg, t.client = map[string]omapi.Handle{}, map[string]bool{}, map[string]error{}, map[string]omapi.Hierarchy{}, cfg, cl
		}
		t.poolErr, t.roleErr = map[string]error{}, map[string]error{}
		learnErr = errors.Join(t.learn(ctx, cl, cfg), t.learnRoles(ctx, cl, cfg))
		t.generation = cl.Generation()

		ids, handles = nil, nil
		cfg.EachPool(func(_ *dhcpdconf.SharedNetwork, p *dhcpdconf.Pool) {
			if h, ok := t.handles[p.ID]; ok {
				ids, handles = append(ids, p.ID), append(handles, h)
			}
		})
		pools, errs, err = cl.Pools(ctx, handles)
		if errors.Is(err, omapi.ErrReconnected) && attempt == 0 {
			// The connection broke under the REFRESHes (dhcpd may have
			// restarted, and the handles with it): learn them again on
			// the new connection, once.
			continue
		}
		if err != nil {
			return nil, err
		}
		break
	}
	byID := map[string]*omapi.Pool{}
	failed := []error{learnErr}
	cfg.EachPool(func(_ *dhcpdconf.SharedNetwork, p *dhcpdconf.Pool) {
		if err, ok := t.merged[p.ID]; ok && t.poolErr[p.ID] == nil {
			// Learned merged on an earlier Read: still so.
			t.poolErr[p.ID] = err
			failed = append(failed, err)
		}
	})
	for i, p := range pools {
		if errs[i] != nil {
			// Not a pool any more: learn it again next time.
			delete(t.handles, ids[i])
			err := fmt.Errorf("pool %s (handle %d): %w", ids[i], handles[i], errs[i])
			t.poolErr[ids[i]] = err
			failed = append(failed, err)
			continue
		}
		byID[ids[i]] = p
	}
	var out []Pool
	cfg.EachPool(func(sn *dhcpdconf.SharedNetwork, p *dhcpdconf.Pool) {
		r := Pool{Network: sn, Config: p}
		defer func() { out = append(out, r) }()
		if t.absent[p.ID] {
			r.Absent = true
			return
		}
		op, ok := byID[p.ID]
		if !ok {
			r.Err = t.poolErr[p.ID]
			return
		}
		r.Known, r.LeaseCount = true, op.LeaseCount
		if p.FailoverPeer == "" {
			// Without failover dhcpd makes every backup lease free at
			// start-up (server/mdb.c:2778-2790): only free-leases count.
			r.ByOwner, r.FreeLocal = true, op.FreeLeases+op.BackupLeases
			return
		}
		role, ok := t.roles[p.FailoverPeer]
		if !ok {
			r.Err = t.roleErr[p.FailoverPeer] // learnRoles said why
			return
		}
		r.ByOwner, r.FreeLocal, r.FreePartner = true, op.FreeLeases, op.BackupLeases
		if role == omapi.Secondary {
			r.FreeLocal, r.FreePartner = r.FreePartner, r.FreeLocal
		}
	})
	return out, errors.Join(failed...)
}

// learnRoles reads this server's role for every failover peer the pools
// use and that is not known yet on this connection. A peer dhcpd does not
// know leaves its pools without free addresses by owner.
func (t *Tracker) learnRoles(ctx context.Context, cl *omapi.Client, cfg *dhcpdconf.Config) error {
	var names []string
	seen := map[string]bool{}
	cfg.EachPool(func(_ *dhcpdconf.SharedNetwork, p *dhcpdconf.Pool) {
		if _, known := t.roles[p.FailoverPeer]; p.FailoverPeer != "" && !known && !seen[p.FailoverPeer] && !t.absent[p.ID] {
			seen[p.FailoverPeer] = true
			names = append(names, p.FailoverPeer)
		}
	})
	if len(names) == 0 {
		return nil
	}
	states, errs, err := cl.FailoverStatesByName(ctx, names)
	if err != nil {
		err = fmt.Errorf("reading the failover roles of the pools: %w", err)
		for _, n := range names {
			t.roleErr[n] = err
		}
		return err
	}
	var failed []error
	for i, f := range states {
		var err error
		switch {
		case errs[i] != nil:
			err = fmt.Errorf("failover peer %q of the pools: %w (their free addresses cannot be told apart by owner)", names[i], errs[i])
		case f.Hierarchy != omapi.Primary && f.Hierarchy != omapi.Secondary:
			err = fmt.Errorf("failover-state %q: hierarchy %d is neither primary nor secondary", names[i], uint32(f.Hierarchy))
		default:
			t.roles[names[i]] = f.Hierarchy
			continue
		}
		t.roleErr[names[i]] = err
		failed = append(failed, err)
	}
	return errors.Join(failed...)
}

// learn finds the handles of pools not known yet, one lease OPEN each (of
// the pool's handle lease).
func (t *Tracker) learn(ctx context.Context, cl *omapi.Client, cfg *dhcpdconf.Config) error {
	var ids []string
	var ips []netip.Addr
	cfg.EachPool(func(_ *dhcpdconf.SharedNetwork, p *dhcpdconf.Pool) {
		_, known := t.handles[p.ID]
		_, merged := t.merged[p.ID]
		if !known && !merged && !t.absent[p.ID] {
			ids, ips = append(ids, p.ID), append(ips, handleLease(p))
		}
	})
	if len(ips) == 0 {
		return nil
	}
	leases, errs, err := cl.LeasesByIP(ctx, ips)
	if err != nil {
		err = fmt.Errorf("learning pool handles: %w", err)
		for _, id := range ids {
			t.poolErr[id] = err
		}
		return err
	}
	// A handle learned now may be one a pool learned earlier has: dhcpd
	// merged the two, whenever their handles were learned.
	owner := map[omapi.Handle]string{}
	for id, h := range t.handles {
		owner[h] = id
	}
	var failed []error
	for i, l := range leases {
		var err error
		switch {
		case errors.Is(errs[i], omapi.ErrNotFound):
			t.absent[ids[i]] = true // dhcpd has no lease there: it runs without this pool
			continue
		case errs[i] != nil:
			err = fmt.Errorf("pool %s: lease %s: %w", ids[i], ips[i], errs[i])
		case l.Pool == 0:
			err = fmt.Errorf("pool %s: lease %s has no pool in dhcpd", ids[i], ips[i])
		default:
			if other, dup := owner[l.Pool]; dup {
				// dhcpd merged two pools the configuration model keeps apart.
				err = fmt.Errorf("pools %s and %s are one pool in dhcpd (handle %d): the configuration model disagrees with dhcpd", other, ids[i], l.Pool)
				t.merged[ids[i]] = err
				break
			}
			owner[l.Pool] = ids[i]
			t.handles[ids[i]] = l.Pool
			continue
		}
		t.poolErr[ids[i]] = err
		failed = append(failed, err)
	}
	return errors.Join(failed...)
}
