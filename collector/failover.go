package collector

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/dhcpd-exporter/dhcpd_exporter/leasefile"
	"github.com/dhcpd-exporter/dhcpd_exporter/omapi"
)

func init() {
	register("failover", true, true, newFailoverCollector)
}

// failoverCollector reads every failover-state object over OMAPI.
type failoverCollector struct {
	peers []string // explicit --omapi.failover-peer names, or nil for dhcpd.conf's

	state, stateChange, info                    *prometheus.Desc
	mclt, skew, unacked, maxUnacked, maxDelay   *prometheus.Desc
	lbMaxSeconds, split, lastSent, lastReceived *prometheus.Desc
}

func failoverDesc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(prometheus.BuildFQName(namespace, "failover", name), help, append([]string{"peer"}, labels...), nil)
}

func newFailoverCollector(o Options) (Collector, error) {
	return &failoverCollector{
		peers: o.FailoverPeers,
		state: failoverDesc("state",
			"Failover state of this server (side=local) and of its partner as last heard (side=partner): one series per dhcpd 4.x state, 1 for the current one (OMAPI failover-state local-state/partner-state).",
			"side", "state"),
		stateChange: failoverDesc("state_change_timestamp_seconds",
			"When the server (side=local) or its partner (side=partner) entered its current failover state (OMAPI local-stos/partner-stos).",
			"side"),
		info: failoverDesc("peer_info",
			"Failover peer declaration: role and addresses from dhcpd.conf (OMAPI's address fields are garbage in dhcpd 4.4.3), ports from dhcpd.conf or OMAPI.",
			"role", "local_address", "local_port", "partner_address", "partner_port"),
		mclt:         failoverDesc("mclt_seconds", "Maximum client lead time (OMAPI mclt)."),
		skew:         failoverDesc("clock_skew_seconds", "Clock skew to the failover partner (OMAPI skew, signed)."),
		unacked:      failoverDesc("unacked_updates", "Binding updates sent to the partner and not yet acknowledged (OMAPI cur-unacked-updates)."),
		maxUnacked:   failoverDesc("max_unacked_updates", "Most binding updates this server sends before waiting for acknowledgements (OMAPI max-outstanding-updates, dhcpd.conf max-unacked-updates)."),
		maxDelay:     failoverDesc("max_response_delay_seconds", "Silence after which this server considers the partner down (OMAPI max-response-delay)."),
		lbMaxSeconds: failoverDesc("load_balance_max_seconds", "Seconds a client must have waited before either server answers it regardless of load balancing, 0 when unset (OMAPI load-balance-max-secs)."),
		split:        failoverDesc("load_balance_split_ratio", "Share of the 256 load-balancing hash buckets the primary serves (dhcpd.conf split/hba, OMAPI load-balance-hba); exported by the primary only."),
		lastSent:     failoverDesc("last_packet_sent_timestamp_seconds", "When this server last sent a failover packet to the partner, 0 when never (OMAPI last-packet-sent)."),
		lastReceived: failoverDesc("last_received_timestamp_seconds", "Last timestamp received from the partner, 0 when never (OMAPI last-timestamp-received)."),
	}, nil
}

func (c *failoverCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.state, c.stateChange, c.info, c.mclt, c.skew, c.unacked, c.maxUnacked, c.maxDelay, c.lbMaxSeconds, c.split, c.lastSent, c.lastReceived} {
		ch <- d
	}
}

// peerNames returns the peers to poll and the dhcpd.conf (nil if unreadable).
func (c *failoverCollector) peerNames(s *Scrape) ([]string, *leasefile.Config, error) {
	var cfg *leasefile.Config
	var cfgErr error
	if s.Config != nil {
		cfg, cfgErr = s.Config.Load()
	}
	if len(c.peers) > 0 {
		if cfgErr != nil {
			level.Warn(s.Logger).Log("msg", "dhcpd.conf unreadable; failover peer info falls back to OMAPI", "err", cfgErr)
		}
		return c.peers, cfg, nil
	}
	if cfgErr != nil {
		return nil, nil, fmt.Errorf("failover peers: no --omapi.failover-peer given and %w", cfgErr)
	}
	names := make([]string, len(cfg.FailoverPeers))
	for i, p := range cfg.FailoverPeers {
		names[i] = p.Name
	}
	return names, cfg, nil
}

func (c *failoverCollector) Update(ctx context.Context, s *Scrape, ch chan<- prometheus.Metric) error {
	names, cfg, err := c.peerNames(s)
	if err != nil || len(names) == 0 {
		return err
	}
	states, errs, err := s.OMAPI.FailoverStatesByName(ctx, names)
	if err != nil {
		return err
	}
	var failed []error
	for i, f := range states {
		if errs[i] != nil {
			if errors.Is(errs[i], omapi.ErrNotFound) {
				errs[i] = fmt.Errorf("dhcpd has no failover peer %q: %w", names[i], errs[i])
			}
			failed = append(failed, errs[i])
			continue
		}
		var decl *leasefile.FailoverPeer
		if cfg != nil {
			decl = cfg.FailoverPeer(names[i])
		}
		if err := c.emit(ch, f, decl); err != nil {
			failed = append(failed, err)
		}
	}
	return errors.Join(failed...)
}

func (c *failoverCollector) emit(ch chan<- prometheus.Metric, f *omapi.FailoverState, decl *leasefile.FailoverPeer) error {
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, append([]string{f.Name}, labels...)...)
	}
	var unknown []string
	for _, side := range []struct {
		name  string
		state omapi.FailoverStateCode
		since float64
	}{
		{"local", f.LocalState, unixSeconds(f.LocalSince)},
		{"partner", f.PartnerState, unixSeconds(f.PartnerSince)},
	} {
		for _, st := range omapi.FailoverStates {
			gauge(c.state, boolValue(st == side.state), side.name, st.String())
		}
		if !side.state.Known() {
			unknown = append(unknown, fmt.Sprintf("%s state %d", side.name, uint32(side.state)))
		}
		gauge(c.stateChange, side.since, side.name)
	}

	role, localAddr, partnerAddr := f.Hierarchy.String(), "", ""
	localPort, partnerPort := strconv.Itoa(int(f.LocalPort)), strconv.Itoa(int(f.PartnerPort))
	if decl != nil {
		role, localAddr, partnerAddr = string(decl.Role), decl.Address, decl.PeerAddress
		localPort, partnerPort = strconv.Itoa(decl.Port), strconv.Itoa(decl.PeerPort)
	}
	gauge(c.info, 1, role, localAddr, localPort, partnerAddr, partnerPort)

	gauge(c.mclt, f.MCLT.Seconds())
	gauge(c.skew, f.Skew.Seconds())
	gauge(c.unacked, float64(f.CurUnackedUpdates))
	gauge(c.maxUnacked, float64(f.MaxOutstandingUpdates))
	gauge(c.maxDelay, f.MaxResponseDelay.Seconds())
	gauge(c.lbMaxSeconds, f.LoadBalanceMaxSecs.Seconds())
	if n, ok := f.Split(); ok {
		gauge(c.split, float64(n)/256)
	}
	gauge(c.lastSent, unixSeconds(f.LastPacketSent))
	gauge(c.lastReceived, unixSeconds(f.LastTimestampReceived))
	if unknown != nil {
		return fmt.Errorf("failover-state %q: %v not a dhcpd 4.x state (every state series is 0)", f.Name, unknown)
	}
	return nil
}
