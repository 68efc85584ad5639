package collector

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/dhcpd-exporter/dhcpd_exporter/dhcpdconf"
	"github.com/dhcpd-exporter/dhcpd_exporter/leasefile"
)

func init() {
	register("leases", true, false, newLeasesCollector)
}

// leasesCollector counts every pool's addresses by binding state from
// dhcpd.leases, read incrementally: a scrape reads only what dhcpd appended
// since the previous one. Pool sizes come from dhcpd.conf alone, so they are
// exported whatever state the lease file is in.
type leasesCollector struct {
	file *leasefile.LeaseFile // safe for concurrent scrapes
	now  func() time.Time

	mu            sync.Mutex
	loggedMalform uint64 // malformed records already logged

	// states are the indexes in leasefile.Buckets of the states exported
	// (Options.LeaseStates; all by default).
	states []int

	addresses, leases                              *family
	size, mtime, records, malformed, parseDuration *family
	lastFull, readBytes, recordAddresses           *family
}

func leasesFileGauge(name, help string) *family {
	return newGauge(namespace+"_leases_file_"+name, help)
}

func leasesFileCounter(name, help string) *family {
	return newCounter(namespace+"_leases_file_"+name, help)
}

// leaseStates returns the indexes in leasefile.Buckets of the named
// states, in the order of leasefile.Buckets; all of them when names is
// empty.
func leaseStates(names []string) ([]int, error) {
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	var valid []string
	for _, b := range leasefile.Buckets {
		valid = append(valid, b.String())
		delete(want, b.String())
	}
	for _, n := range names { // the first bad one, as given
		if want[n] {
			return nil, fmt.Errorf("lease state %q is not one of %s", n, strings.Join(valid, ", "))
		}
	}
	var idx []int
	for i, b := range leasefile.Buckets {
		if len(names) == 0 || slices.Contains(names, b.String()) {
			idx = append(idx, i)
		}
	}
	return idx, nil
}

func newLeasesCollector(o Options) (subCollector, error) {
	if o.LeasesFile == "" {
		return nil, fmt.Errorf("no lease file configured")
	}
	states, err := leaseStates(o.LeaseStates)
	if err != nil {
		return nil, err
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	return &leasesCollector{
		file:   leasefile.NewLeaseFile(o.LeasesFile),
		now:    now,
		states: states,
		addresses: poolGauge("addresses",
			"Addresses configured for the pool in dhcpd.conf (distinct addresses of its ranges, after dhcpd's pool merging)."),
		leases: poolGauge("leases",
			"The pool's addresses by binding state as dhcpd holds them now, from the last record of each address in dhcpd.leases: a lease whose end has passed is counted in its next binding state, as dhcpd's pool timer moves it (in a failover pool expired, released and reset leases wait for the peer); backup leases of a pool without failover are free; addresses without a record are free. State \"reserved\" counts free and backup leases with the reserved flag, which dhcpd leaves out of its free and backup counts. The states sum to dhcpd_pool_addresses (rules: docs/lease-states.md).",
			"state"),
		size:            leasesFileGauge("size_bytes", "Size of dhcpd.leases."),
		mtime:           leasesFileGauge("modified_timestamp_seconds", "When dhcpd.leases was last modified."),
		records:         leasesFileGauge("records", "Records read from dhcpd.leases since it was last read from the start (dhcpd rewrites it hourly)."),
		malformed:       leasesFileCounter("malformed_records_total", "Malformed records skipped in dhcpd.leases (each is logged with its file:line)."),
		parseDuration:   leasesFileGauge("parse_duration_seconds", "Time this scrape spent reading dhcpd.leases (only bytes appended since the previous scrape are read)."),
		lastFull:        leasesFileGauge("last_full_parse_timestamp_seconds", "When dhcpd.leases was last read from the start: at start-up, and after dhcpd rewrote it."),
		readBytes:       leasesFileCounter("read_bytes_total", "Bytes of dhcpd.leases the exporter has read (including reads that finished after their scrape's deadline)."),
		recordAddresses: leasesFileGauge("addresses", "Distinct addresses with a lease record in dhcpd.leases."),
	}, nil
}

func (c *leasesCollector) families() []*family {
	return []*family{c.addresses, c.leases, c.size, c.mtime, c.records, c.malformed, c.parseDuration, c.lastFull, c.readBytes, c.recordAddresses}
}

func (c *leasesCollector) Update(ctx context.Context, s *scrape, out *sink) error {
	gauge := func(f *family, v float64) { out.add(f, v, nil) }
	now := c.now()
	// dhcpd.conf first: a missing, unreadable or hung lease file takes away
	// the lease-derived series only.
	cfg, cfgErr := s.conf()
	var labels map[*dhcpdconf.Pool]*poolLabelSet
	if cfgErr == nil {
		labels = s.poolLabels(cfg)
		out.expect(c.addresses, len(labels))
		cfg.EachPool(func(_ *dhcpdconf.SharedNetwork, p *dhcpdconf.Pool) {
			out.add(c.addresses, float64(p.Size()), &labels[p].plain)
		})
	}
	// The read stops waiting at the scrape's deadline; a read still in
	// flight then goes on, and the next scrape starts from what it read.
	res, err := c.file.Update(ctx, now)
	if err != nil {
		return fmt.Errorf("lease file: %w", err)
	}
	st := c.file.Stats()
	gauge(c.size, float64(res.Size))
	gauge(c.mtime, unixSeconds(res.ModTime))
	gauge(c.records, float64(st.Records))
	out.add(c.malformed, float64(st.Malformed), nil)
	gauge(c.parseDuration, res.Duration.Seconds())
	gauge(c.lastFull, unixSeconds(st.LastFullParse))
	out.add(c.readBytes, float64(st.BytesRead), nil)
	c.mu.Lock()
	if st.Malformed > c.loggedMalform {
		s.logWarn("msg", "malformed records in the lease file", "count", st.Malformed-c.loggedMalform, "last", st.LastMalformed)
		c.loggedMalform = st.Malformed
	}
	c.mu.Unlock()

	// Count under the state's lock (a read in flight applies records
	// between its reads of the file), send after it.
	type poolCounts struct {
		p      *dhcpdconf.Pool
		counts leasefile.Counts
	}
	pools := make([]poolCounts, 0, len(labels))
	var addresses int
	stamp := uint32(now.Unix())
	c.file.ReadDB(func(db *leasefile.LeaseDB) {
		addresses = db.Addresses()
		if cfgErr == nil {
			cfg.EachPool(func(_ *dhcpdconf.SharedNetwork, p *dhcpdconf.Pool) {
				pools = append(pools, poolCounts{p: p})
				counts := &pools[len(pools)-1].counts
				for _, r := range p.Ranges {
					db.CountRange(r.Low, r.High, p.FailoverPeer != "", stamp, counts)
				}
			})
		}
	})
	gauge(c.recordAddresses, float64(addresses))
	if cfgErr != nil {
		return fmt.Errorf("pool counts: %w", cfgErr)
	}
	out.expect(c.leases, len(pools)*len(c.states))
	for _, pc := range pools {
		states := labels[pc.p].states
		for _, i := range c.states {
			out.add(c.leases, float64(pc.counts[leasefile.Buckets[i]]), &states[i])
		}
	}
	return nil
}
