package dhcpdconf

// finish builds the model's lists once every file is read: the shared
// networks dhcpd -4 would enter, with their pools in dhcpd's order.
func (p *confParser) finish() {
	for _, sb := range p.shared {
		if len(sb.net.Subnets) == 0 {
			// No IPv4 subnet: an empty shared-network (which dhcpd does
			// not enter, confpars.c:2652-2658) or one with only subnet6
			// declarations, which dhcpd -4 refuses and this exporter skips.
			continue
		}
		for _, pb := range sb.pools {
			if len(pb.pool.Ranges) == 0 {
				continue // every address was declared by an earlier range
			}
			// The first range that is the pool's alone: the pool's first
			// declared range, unless an earlier range declared some of its
			// addresses too. Distinct ranges keep the IDs unique.
			pb.pool.ID = pb.pool.Ranges[0].String()
			sb.net.Pools = append(sb.net.Pools, pb.pool)
		}
		p.cfg.SharedNetworks = append(p.cfg.SharedNetworks, sb.net)
	}
	for _, fp := range p.cfg.FailoverPeers {
		if p.poolRefs[fp.Name] == 0 {
			// Only a pool's own `failover peer "NAME";` counts, not one
			// inherited from a shared network (confpars.c:1819,
			// failover.c dhcp_failover_sanity_check).
			p.cfg.Warnings = append(p.cfg.Warnings, &Error{Pos: fp.Pos, Msg: "failover peer " + quoteName(fp.Name) +
				": no pool refers to it with `failover peer \"NAME\";`, which dhcpd requires (\"Failover configuration sanity check failed\")"})
		}
	}
	if k := p.cfg.OMAPIKey; k != "" && p.cfg.Key(k) == nil {
		// dhcpd stops at startup: "OMAPI key NAME: not found" (dhcpd.c:1188-1203).
		p.cfg.Warnings = append(p.cfg.Warnings, &Error{Pos: p.omapiKeyPos,
			Msg: "omapi-key " + quoteName(k) + ": no key of that name is declared"})
	}
}
