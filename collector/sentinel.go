package collector

import (
	"context"
	"errors"
	"fmt"
	"net/netip"

	"github.com/dhcpd-exporter/dhcpd_exporter/binding"
	"github.com/dhcpd-exporter/dhcpd_exporter/omapi"
)

func init() {
	register("sentinel", true, true, newSentinelCollector)
}

// sentinelCollector reads the live state of the sentinel leases the
// operator names with --collector.sentinel.address. The address label is
// bounded by that list: this is no per-lease export.
type sentinelCollector struct {
	addresses []netip.Addr
	state     *family
	ends      *family
}

func newSentinelCollector(o Options) (subCollector, error) {
	return &sentinelCollector{
		addresses: o.SentinelAddresses,
		state: newGauge(namespace+"_sentinel_lease_state",
			"Binding state of an operator-named sentinel lease (--collector.sentinel.address), read live over OMAPI: one series per state, 1 for the current one.",
			"address", "state"),
		ends: newGauge(namespace+"_sentinel_lease_ends_timestamp_seconds",
			"The sentinel lease's end time as dhcpd holds it (OMAPI ends): for an active lease when it expires; for a free, expired or released lease a time in the past (when it last ended), not a future event. 0 unset, 2147483647 never.",
			"address"),
	}, nil
}

func (c *sentinelCollector) families() []*family { return []*family{c.state, c.ends} }

func (c *sentinelCollector) Update(ctx context.Context, s *scrape, out *sink) error {
	if len(c.addresses) == 0 {
		return nil
	}
	leases, errs, err := s.OMAPI.LeasesByIP(ctx, c.addresses)
	if err != nil {
		return err
	}
	var failed []error
	for i, l := range leases {
		addr := c.addresses[i].String()
		if errs[i] != nil {
			if errors.Is(errs[i], omapi.ErrNotFound) {
				errs[i] = fmt.Errorf("sentinel address %s is in no range dhcpd serves: %w", addr, errs[i])
			}
			failed = append(failed, errs[i])
			continue
		}
		for _, st := range binding.States {
			out.addValues(c.state, boolValue(l.State == st), addr, st.String())
		}
		ends := unixSeconds(l.Ends)
		out.addValues(c.ends, ends, addr)
	}
	return errors.Join(failed...)
}
