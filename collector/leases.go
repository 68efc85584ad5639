package collector

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dhcpd-exporter/dhcpd_exporter/leasefile"
)

func init() {
	register("leases", true, false, newLeasesCollector)
}

// leasesCollector counts every pool's addresses by binding state from
// dhcpd.leases, read incrementally: a scrape reads only what dhcpd appended
// since the previous one.
type leasesCollector struct {
	mu   sync.Mutex // one update of the lease state at a time
	file *leasefile.LeaseFile
	now  func() time.Time

	addresses, leases                              *prometheus.Desc
	size, mtime, records, malformed, parseDuration *prometheus.Desc
	lastFull, readBytes, recordAddresses           *prometheus.Desc
	readTotal                                      float64
}

func leasesFileDesc(name, help string) *prometheus.Desc {
	return prometheus.NewDesc(prometheus.BuildFQName(namespace, "leases_file", name), help, nil, nil)
}

func newLeasesCollector(o Options) (Collector, error) {
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
		readBytes:       leasesFileDesc("read_bytes_total", "Bytes of dhcpd.leases the exporter has read."),
		recordAddresses: leasesFileDesc("addresses", "Distinct addresses with a lease record in dhcpd.leases."),
	}, nil
}

func (c *leasesCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.addresses, c.leases, c.size, c.mtime, c.records, c.malformed, c.parseDuration, c.lastFull, c.readBytes, c.recordAddresses} {
		ch <- d
	}
}

func (c *leasesCollector) Update(ctx context.Context, s *Scrape, ch chan<- prometheus.Metric) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	now := c.now()
	malformedBefore := c.file.Stats().Malformed
	res, err := c.file.Update(now)
	if err != nil {
		return fmt.Errorf("lease file: %w", err)
	}
	c.readTotal += float64(res.BytesRead)
	st := c.file.Stats()
	gauge(c.size, float64(res.Size))
	gauge(c.mtime, unixSeconds(res.ModTime))
	gauge(c.records, float64(st.Records))
	ch <- prometheus.MustNewConstMetric(c.malformed, prometheus.CounterValue, float64(st.Malformed))
	gauge(c.parseDuration, res.Duration.Seconds())
	gauge(c.lastFull, unixSeconds(st.LastFullParse))
	ch <- prometheus.MustNewConstMetric(c.readBytes, prometheus.CounterValue, c.readTotal)
	gauge(c.recordAddresses, float64(c.file.DB().Addresses()))
	if st.Malformed > malformedBefore {
		s.logWarn("msg", "malformed records in the lease file", "count", st.Malformed-malformedBefore, "last", st.LastMalformed)
	}

	cfg, err := s.Conf()
	if err != nil {
		return fmt.Errorf("pool counts: %w", err)
	}
	db := c.file.DB()
	stamp := uint32(now.Unix())
	eachPool(cfg, func(sn *leasefile.SharedNetwork, p *leasefile.Pool) {
		gauge(c.addresses, float64(p.Size()), poolLabelValues(sn, p)...)
		var counts leasefile.Counts
		db.CountPool(p, stamp, &counts)
		for _, state := range leasefile.BindingStates {
			gauge(c.leases, float64(counts[state]), poolLabelValues(sn, p, state.String())...)
		}
	})
	return nil
}
