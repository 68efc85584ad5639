package collector

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

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

	addresses, leases                              *prometheus.Desc
	size, mtime, records, malformed, parseDuration *prometheus.Desc
	lastFull, readBytes, recordAddresses           *prometheus.Desc
}

func leasesFileDesc(name, help string) *prometheus.Desc {
	return prometheus.NewDesc(prometheus.BuildFQName(namespace, "leases_file", name), help, nil, nil)
}

func newLeasesCollector(o Options) (subCollector, error) {
	if o.LeasesFile == "" {
		return nil, fmt.Errorf("no lease file configured")
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	return &leasesCollector{
		file: leasefile.NewLeaseFile(o.LeasesFile),
		now:  now,
		addresses: poolDesc("addresses",
			"Addresses configured for the pool in dhcpd.conf (distinct addresses of its ranges, after dhcpd's pool merging)."),
		leases: poolDesc("leases",
			"The pool's addresses by binding state as dhcpd holds them now, from the last record of each address in dhcpd.leases: a lease whose end has passed is counted in its next binding state, as dhcpd's pool timer moves it (in a failover pool expired, released and reset leases wait for the peer); backup leases of a pool without failover are free; addresses without a record are free. State \"reserved\" counts free and backup leases with the reserved flag, which dhcpd leaves out of its free and backup counts. The states sum to dhcpd_pool_addresses (rules: docs/lease-states.md).",
			"state"),
		size:            leasesFileDesc("size_bytes", "Size of dhcpd.leases."),
		mtime:           leasesFileDesc("modified_timestamp_seconds", "When dhcpd.leases was last modified."),
		records:         leasesFileDesc("records", "Records read from dhcpd.leases since it was last read from the start (dhcpd rewrites it hourly)."),
		malformed:       leasesFileDesc("malformed_records_total", "Malformed records skipped in dhcpd.leases (each is logged with its file:line)."),
		parseDuration:   leasesFileDesc("parse_duration_seconds", "Time this scrape spent reading dhcpd.leases (only bytes appended since the previous scrape are read)."),
		lastFull:        leasesFileDesc("last_full_parse_timestamp_seconds", "When dhcpd.leases was last read from the start: at start-up, and after dhcpd rewrote it."),
		readBytes:       leasesFileDesc("read_bytes_total", "Bytes of dhcpd.leases the exporter has read (including reads that finished after their scrape's deadline)."),
		recordAddresses: leasesFileDesc("addresses", "Distinct addresses with a lease record in dhcpd.leases."),
	}, nil
}

func (c *leasesCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.addresses, c.leases, c.size, c.mtime, c.records, c.malformed, c.parseDuration, c.lastFull, c.readBytes, c.recordAddresses} {
		ch <- d
	}
}

func (c *leasesCollector) Update(ctx context.Context, s *scrape, ch chan<- prometheus.Metric) error {
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	now := c.now()
	// dhcpd.conf first: a missing, unreadable or hung lease file takes away
	// the lease-derived series only.
	cfg, cfgErr := s.conf()
	if cfgErr == nil {
		cfg.EachPool(func(sn *dhcpdconf.SharedNetwork, p *dhcpdconf.Pool) {
			gauge(c.addresses, float64(p.Size()), poolLabelValues(sn, p)...)
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
	ch <- prometheus.MustNewConstMetric(c.malformed, prometheus.CounterValue, float64(st.Malformed))
	gauge(c.parseDuration, res.Duration.Seconds())
	gauge(c.lastFull, unixSeconds(st.LastFullParse))
	ch <- prometheus.MustNewConstMetric(c.readBytes, prometheus.CounterValue, float64(st.BytesRead))
	c.mu.Lock()
	if st.Malformed > c.loggedMalform {
		s.logWarn("msg", "malformed records in the lease file", "count", st.Malformed-c.loggedMalform, "last", st.LastMalformed)
		c.loggedMalform = st.Malformed
	}
	c.mu.Unlock()

	// Count under the state's lock (a read in flight applies records
	// between its reads of the file), send after it.
	type poolCounts struct {
		sn     *dhcpdconf.SharedNetwork
		p      *dhcpdconf.Pool
		counts leasefile.Counts
	}
	var pools []poolCounts
	var addresses int
	stamp := uint32(now.Unix())
	c.file.ReadDB(func(db *leasefile.LeaseDB) {
		addresses = db.Addresses()
		if cfgErr == nil {
			cfg.EachPool(func(sn *dhcpdconf.SharedNetwork, p *dhcpdconf.Pool) {
				pools = append(pools, poolCounts{sn: sn, p: p})
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
	for _, pc := range pools {
		for _, state := range leasefile.Buckets {
			gauge(c.leases, float64(pc.counts[state]), poolLabelValues(pc.sn, pc.p, state.String())...)
		}
	}
	return nil
}
