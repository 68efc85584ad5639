package dhcpdconf

import (
	"fmt"

	"github.com/dhcpd-exporter/dhcpd_exporter/internal/conflex"
)

// Address ranges: `range [dynamic-bootp] LOW [HIGH];` in a subnet or a pool
// (server/confpars.c:3779-3939, server/mdb.c:781-929), and the ad-hoc pools
// dhcpd makes for ranges declared directly in a subnet.

// rangeStatement reads a range and gives its addresses to a pool.
func (p *confParser) rangeStatement(l *conflex.Lexer, t conflex.Token, sc *scope) *Error {
	r := Range{Pos: Position{File: l.File(), Line: t.Line}}
	if l.Peek().Is("dynamic-bootp") {
		l.Next()
		r.DynamicBOOTP = true
	}
	var err *Error
	if r.Low, err = conflex.ReadIPv4(l); err != nil {
		return err
	}
	r.High = r.Low // a single address when HIGH is left out
	if !l.Peek().IsPunct(';') {
		if r.High, err = conflex.ReadIPv4(l); err != nil {
			return err
		}
	}
	if err := expectSemi(l, "range"); err != nil {
		return err
	}
	if r.High.Less(r.Low) {
		r.Low, r.High = r.High, r.Low // dhcpd takes either order (mdb.c:842-846)
	}

	sb, subnet := sc.shared, sc.subnet
	if subnet == nil {
		// A pool of a shared-network: the subnet holding the low address.
		if subnet = sb.subnetOf(r.Low); subnet == nil {
			return l.Errorf(t, "range %s: address range not on network %s (pools must come after the subnets they draw from)", r, sb.net.Name)
		}
	}
	if !subnet.Prefix.Contains(r.Low) || !subnet.Prefix.Contains(r.High) {
		return l.Errorf(t, "range %s: bad range, not inside subnet %s", r, subnet.Prefix)
	}

	target := sc.pool
	if target == nil {
		target = p.adHocPool(sb, r)
	}
	if target.pool.FailoverPeer != "" && r.DynamicBOOTP {
		return l.Errorf(t, "range dynamic-bootp %s: dynamic-bootp is not permitted in a pool with failover peer %q", r, target.pool.FailoverPeer)
	}
	target.declared++
	target.pool.Ranges = append(target.pool.Ranges, p.distinctParts(r)...)
	return nil
}

// String formats the range as "LOW-HIGH", the form of Pool.ID.
func (r Range) String() string { return r.Low.String() + "-" + r.High.String() }

// adHocPool picks the pool for a range declared directly in a subnet,
// reproducing confpars.c:3848-3905. dhcpd walks the shared network's pools
// (its own ad-hoc pools and the user's alike) for one whose permits are
// exactly those of an ad-hoc pool: for a normal range no permits and the
// single prohibit "dynamic bootp clients"; for a dynamic-bootp range the
// single permit "all clients" and no prohibits. Finding none, it appends a
// new ad-hoc pool, which has no failover peer (ad-hoc pools never inherit
// the shared network's). Finding one, it takes `last`, the pool listed just
// BEFORE the match, whenever the match is not the first pool
// (confpars.c:3901-3904: `if (last) pool_reference(&pool, last, MDL)`).
// That is a dhcpd bug, reproduced on purpose: the first bare range after a
// pool {} block creates its ad-hoc pool correctly, and every later bare
// range of that kind lands in the pool before it. In dhcpd 4.4.3's
// parse_address_range, the loop that looks for the ad-hoc pool keeps
// `last`, the pool before the one it stops at (server/confpars.c:3849-3868),
// and a match then takes `last` instead (server/confpars.c:3899-3904).
// TestRealDhcpdPools checks it against a live dhcpd 4.4.3.
func (p *confParser) adHocPool(sb *sharedBuild, r Range) *poolBuild {
	var last *poolBuild
	for i, pb := range sb.pools {
		if isAdHocLike(pb, r.DynamicBOOTP) {
			if i == 0 {
				return pb
			}
			return last // the bug: not pb
		}
		last = pb
	}
	pb := &poolBuild{pool: &Pool{AdHoc: true, Pos: r.Pos}}
	if r.DynamicBOOTP {
		pb.permits = []permit{{kind: permitAllClients}}
	} else {
		pb.prohibits = []permit{{kind: permitDynamicBOOTPClients}}
	}
	sb.pools = append(sb.pools, pb)
	return pb
}

// isAdHocLike reports whether a pool's permit lists are those of the ad-hoc
// pool for normal (dynamic false) or dynamic-bootp ranges.
func isAdHocLike(pb *poolBuild, dynamic bool) bool {
	if dynamic {
		return len(pb.prohibits) == 0 && len(pb.permits) == 1 && pb.permits[0].kind == permitAllClients
	}
	return len(pb.permits) == 0 && len(pb.prohibits) == 1 && pb.prohibits[0].kind == permitDynamicBOOTPClients
}

// distinctParts returns the parts of r whose addresses no earlier range
// declared, and records r's addresses as declared.
//
// dhcpd keeps one lease per address: for an address declared a second time
// it warns "lease %s is declared twice!" and the address stays with the
// first range's pool (mdb.c:905-918). So a pool's size counts each address
// once, in the pool of its first declaration: a later range keeps only its
// new addresses, possibly in several pieces or none. dhcpd 4.4.3's warning is
// a parse_warn, which makes it refuse to start with such a configuration;
// the exporter still reads it (dhcpd may be running the previous one) and
// reports the overlap in Config.Warnings.
func (p *confParser) distinctParts(r Range) []Range {
	fresh, dup, earlier := p.claimed.claim(addrUint32(r.Low), addrUint32(r.High), r.Pos)
	if dup > 0 {
		p.cfg.Warnings = append(p.cfg.Warnings, &Error{Pos: r.Pos, Msg: fmt.Sprintf(
			"range %s: %d address(es) already declared by the range at %s; dhcpd refuses a configuration "+
				"that declares an address twice (\"lease ... is declared twice!\"); each is counted once, in the pool of its first range",
			r, dup, earlier)})
	}
	parts := make([]Range, 0, len(fresh))
	for _, f := range fresh {
		parts = append(parts, Range{Low: uint32Addr(f.lo), High: uint32Addr(f.hi), DynamicBOOTP: r.DynamicBOOTP, Pos: r.Pos})
	}
	return parts
}
