package collector

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/dhcpd-exporter/dhcpd_exporter/dhcpdconf"
	"github.com/dhcpd-exporter/dhcpd_exporter/omapi"
)

func init() {
	register("failover", true, true, newFailoverCollector)
}

// failoverCollector reads every failover-state object over OMAPI, and the
// peer's balancing settings from dhcpd.conf (OMAPI does not show them).
// What each value means on which server, with the dhcpd source lines, is in
// docs/dhcpd-semantics.md.
type failoverCollector struct {
	peers []string // explicit --collector.failover.peer names, or nil for dhcpd.conf's

	state, stateChange, info, mclt, unacked, partnerMaxUnacked, maxDelay *family
	lbMaxSeconds, split, lastSent, lastReceived                          *family
	misbalance, ownership, minBalance, maxBalance, autoPartnerDown       *family
}

func failoverDesc(name, help string, labels ...string) *family {
	return newGauge(namespace+"_failover_"+name, help, append([]string{"peer"}, labels...)...)
}

func newFailoverCollector(o Options) (subCollector, error) {
	return &failoverCollector{
		peers: o.FailoverPeers,
		state: failoverDesc("state",
			"Failover state of this server (side=local) and of its partner as last heard (side=partner, kept while the partner is unreachable): one series per dhcpd 4.x state, 1 for the current one (OMAPI failover-state local-state/partner-state).",
			"side", "state"),
		stateChange: failoverDesc("state_change_timestamp_seconds",
			"side=local: dhcpd's start-of-state time (local-stos), kept across startup and into recover-wait and restored from dhcpd.leases after a restart, so it can predate the current state. side=partner: this server's clock when it last processed a state message from the partner (partner-stos).",
			"side"),
		info: failoverDesc("peer_info",
			"Failover peer: role from OMAPI (hierarchy, what dhcpd runs); addresses and ports as declared in dhcpd.conf (OMAPI's address fields are garbage in dhcpd 4.4.3); pair names the failover pair for matching its two servers: the peer name and the lowest address of its pools.",
			"role", "pair", "local_address", "local_port", "partner_address", "partner_port"),
		mclt: failoverDesc("mclt_seconds",
			"Maximum client lead time (OMAPI mclt). A secondary has 0 until the primary's first CONNECT (or its saved state), then the primary's value."),
		unacked: failoverDesc("unacked_updates",
			"Binding updates this server sent to its partner and has not had acknowledged (OMAPI cur-unacked-updates). Capped by the partner's dhcpd_failover_partner_max_unacked_updates; reset to 0 when this server leaves normal, potential-conflict or partner-down."),
		partnerMaxUnacked: failoverDesc("partner_max_unacked_updates",
			"This server's max-unacked-updates (OMAPI max-outstanding-updates): the most unacknowledged binding updates it lets its PARTNER have outstanding. It does not cap this server's own sending; the partner's value does."),
		maxDelay: failoverDesc("max_response_delay_seconds",
			"Silence from the partner after which this server drops the failover connection (\"timeout waiting for failover peer\") and goes communications-interrupted; not partner-down (OMAPI max-response-delay)."),
		lbMaxSeconds: failoverDesc("load_balance_max_seconds",
			"load balance max seconds (OMAPI load-balance-max-secs): a client that has tried longer is answered by either server. 0, also when unset, turns load balancing off: both servers answer every client."),
		split: failoverDesc("load_balance_split_ratio",
			"Share of the 256 load-balancing hash buckets the primary serves (split/hba; OMAPI load-balance-hba); the secondary serves the rest. The same value on both servers; on a secondary only once the primary has connected."),
		lastSent:     failoverDesc("last_packet_sent_timestamp_seconds", "When this server last sent a failover packet to the partner, 0 when never (OMAPI last-packet-sent; dhcpd 4.4.3 never sets it)."),
		lastReceived: failoverDesc("last_received_timestamp_seconds", "Last timestamp received from the partner, 0 when never (OMAPI last-timestamp-received; dhcpd 4.4.3 never sets it)."),
		misbalance: failoverDesc("max_lease_misbalance_ratio",
			"max-lease-misbalance from dhcpd.conf as a ratio (default 0.15): dhcpd logs a pool IMBALANCED when, after balancing, |free - backup| / (free + backup) stays above twice this."),
		ownership: failoverDesc("max_lease_ownership_ratio",
			"max-lease-ownership from dhcpd.conf as a ratio (default 0.10): dhcpd balancing gives free addresses to the partner until |free - backup| / (free + backup) is at most twice this."),
		minBalance: failoverDesc("min_balance_seconds",
			"min-balance from dhcpd.conf (default 60): the least time between two balancing runs."),
		maxBalance: failoverDesc("max_balance_seconds",
			"max-balance from dhcpd.conf (default 3600): the longest time between two balancing runs while the server is in normal."),
		autoPartnerDown: failoverDesc("auto_partner_down_seconds",
			"auto-partner-down from dhcpd.conf: seconds in communications-interrupted after which dhcpd moves to partner-down by itself; 0 = never (an operator must)."),
	}, nil
}

func (c *failoverCollector) families() []*family {
	return []*family{c.state, c.stateChange, c.info, c.mclt, c.unacked, c.partnerMaxUnacked, c.maxDelay,
		c.lbMaxSeconds, c.split, c.lastSent, c.lastReceived, c.misbalance, c.ownership, c.minBalance, c.maxBalance, c.autoPartnerDown}
}

// peerNames returns the peers to poll and the dhcpd.conf (nil if none was
// ever read: then only OMAPI's values are exported).
func (c *failoverCollector) peerNames(s *scrape) ([]string, *dhcpdconf.Config, error) {
	cfg, cfgErr := s.conf()
	if len(c.peers) > 0 {
		return c.peers, cfg, nil
	}
	if cfgErr != nil {
		return nil, nil, fmt.Errorf("failover peers: no --collector.failover.peer given and %w", cfgErr)
	}
	names := make([]string, len(cfg.FailoverPeers))
	for i, p := range cfg.FailoverPeers {
		names[i] = p.Name
	}
	return names, cfg, nil
}

func (c *failoverCollector) Update(ctx context.Context, s *scrape, out *sink) error {
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
		if err := c.emit(out, f, cfg); err != nil {
			failed = append(failed, err)
		}
	}
	return errors.Join(failed...)
}

// emit sends one peer's metrics. cfg (nil when dhcpd.conf is unreadable)
// adds the declaration: addresses, the pair and the balancing settings.
func (c *failoverCollector) emit(out *sink, f *omapi.FailoverState, cfg *dhcpdconf.Config) error {
	gauge := func(d *family, v float64, labels ...string) {
		out.addValues(d, v, append([]string{f.Name}, labels...)...)
	}
	var problems []string
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
			problems = append(problems, fmt.Sprintf("%s state %d is not a dhcpd 4.x state (every state series is 0)", side.name, uint32(side.state)))
		}
		gauge(c.stateChange, side.since, side.name)
	}

	// The role is what dhcpd runs (hierarchy), whatever dhcpd.conf says now.
	role := f.Hierarchy.String()
	localAddr, partnerAddr, pair := "", "", ""
	localPort, partnerPort := strconv.Itoa(int(f.LocalPort)), strconv.Itoa(int(f.PartnerPort))
	var decl *dhcpdconf.FailoverPeer
	if cfg != nil {
		decl = cfg.FailoverPeer(f.Name)
	}
	if decl != nil {
		localAddr, partnerAddr = decl.Address, decl.PeerAddress
		localPort, partnerPort = strconv.Itoa(decl.Port), strconv.Itoa(decl.PeerPort)
		pair = pairName(cfg, f.Name)
		if string(decl.Role) != role {
			problems = append(problems, fmt.Sprintf("dhcpd runs as %s but %s declares %s: dhcpd.conf changed and dhcpd was not restarted, or the exporter reads another dhcpd.conf", role, decl.Pos, decl.Role))
		}
	}
	gauge(c.info, 1, role, pair, localAddr, localPort, partnerAddr, partnerPort)

	gauge(c.mclt, f.MCLT.Seconds())
	gauge(c.unacked, float64(f.CurUnackedUpdates))
	gauge(c.partnerMaxUnacked, float64(f.MaxOutstandingUpdates))
	gauge(c.maxDelay, f.MaxResponseDelay.Seconds())
	gauge(c.lbMaxSeconds, f.LoadBalanceMax.Seconds())
	if n, ok := f.Split(); ok {
		gauge(c.split, float64(n)/256)
	}
	gauge(c.lastSent, unixSeconds(f.LastPacketSent))
	gauge(c.lastReceived, unixSeconds(f.LastTimestampReceived))
	if decl != nil {
		gauge(c.misbalance, float64(decl.MaxLeaseMisbalance)/100)
		gauge(c.ownership, float64(decl.MaxLeaseOwnership)/100)
		gauge(c.minBalance, float64(decl.MinBalance))
		gauge(c.maxBalance, float64(decl.MaxBalance))
		gauge(c.autoPartnerDown, float64(decl.AutoPartnerDown))
	}
	if problems != nil {
		return fmt.Errorf("failover-state %q: %s", f.Name, strings.Join(problems, "; "))
	}
	return nil
}

// pairName names the failover pair a peer belongs to, the same on both of
// its servers however their dhcpd.conf spell or omit addresses: the peer
// name, which dhcpd requires to match on both sides (server/failover.c:
// 1391-1399), and the lowest address of the peer's pools, which sets one
// pair apart from another of the same name. "" when no pool uses the peer.
func pairName(cfg *dhcpdconf.Config, peer string) string {
	var low netip.Addr
	cfg.EachPool(func(_ *dhcpdconf.SharedNetwork, p *dhcpdconf.Pool) {
		if p.FailoverPeer != peer {
			return
		}
		for _, r := range p.Ranges {
			if !low.IsValid() || r.Low.Less(low) {
				low = r.Low
			}
		}
	})
	if !low.IsValid() {
		return ""
	}
	return peer + "@" + low.String()
}
