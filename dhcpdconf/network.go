package dhcpdconf

import (
	"net/netip"
	"slices"

	"github.com/dhcpd-exporter/dhcpd_exporter/internal/conflex"
)

// Network declarations: shared-network, subnet and group
// (server/confpars.c:412-519, 2598-2838, 2969-3060).

// sharedBuild is a shared network being parsed.
type sharedBuild struct {
	net          *SharedNetwork
	failoverPeer string       // from `failover peer NAME;`, inherited by the pools declared after it
	pools        []*poolBuild // dhcpd's share->pools list, in its order
	// siblings is dhcpd's share->subnets list, in its order, which decides
	// the subnet of a range in a shared-network pool (see insertSibling).
	siblings []*Subnet
}

func (p *confParser) newShared(sn *SharedNetwork) *sharedBuild {
	sb := &sharedBuild{net: sn}
	p.shared = append(p.shared, sb)
	return sb
}

// sharedNetwork parses `shared-network NAME { ... }`. dhcpd refuses it
// inside a shared-network or subnet (confpars.c:423-433).
func (p *confParser) sharedNetwork(l *conflex.Lexer, t conflex.Token, sc *scope) *Error {
	if sc.kind == scopeShared || sc.kind == scopeSubnet {
		return l.Errorf(t, "shared-network declarations not allowed here (only at the top level or in a group)")
	}
	name, err := readName(l, "shared-network")
	if err != nil {
		return err
	}
	if name == "" {
		return l.Errorf(t, "zero-length shared network name")
	}
	b := l.Next()
	if !b.IsPunct('{') {
		return l.Errorf(b, "shared-network %q: expected '{', found %s", name, b.Describe())
	}
	sb := p.newShared(&SharedNetwork{Name: name, Pos: Position{File: l.File(), Line: t.Line}})
	return p.body(l, b, &scope{kind: scopeShared, shared: sb})
}

// subnet parses `subnet A.B.C.D netmask M.M.M.M { ... }`.
func (p *confParser) subnet(l *conflex.Lexer, t conflex.Token, sc *scope) *Error {
	if sc.kind == scopeSubnet {
		return l.Errorf(t, "subnet declarations not allowed here (not inside a subnet)")
	}
	netAddr, err := conflex.ReadIPv4(l)
	if err != nil {
		return err
	}
	if kw := l.Next(); !kw.Is("netmask") {
		return l.Errorf(kw, "subnet %s: expected netmask, found %s", netAddr, kw.Describe())
	}
	mask, err := conflex.ReadIPv4(l)
	if err != nil {
		return err
	}
	bits, ok := maskBits(mask)
	if !ok {
		// dhcpd takes any mask; a prefix cannot hold this one.
		return l.Errorf(t, "subnet %s: netmask %s is not contiguous", netAddr, mask)
	}
	prefix := netip.PrefixFrom(netAddr, bits)
	if prefix.Masked().Addr() != netAddr {
		return l.Errorf(t, "subnet %s netmask %s: bad subnet number/mask combination (the network has host bits set)", netAddr, mask)
	}
	b := l.Next()
	if !b.IsPunct('{') {
		return l.Errorf(b, "subnet %s: expected '{', found %s", prefix, b.Describe())
	}
	sub := &Subnet{Prefix: prefix, Pos: Position{File: l.File(), Line: t.Line}}
	sb := sc.shared
	if sc.kind != scopeShared {
		// Outside a shared-network (and in a group or pool, whose group
		// has no shared network: memory.c clone_group), dhcpd makes one
		// for the subnet alone, named "A.B.C.D/LEN" (confpars.c:451-519).
		sb = p.newShared(&SharedNetwork{Name: prefix.String(), Implicit: true, Pos: sub.Pos})
	}
	if err := p.body(l, b, &scope{kind: scopeSubnet, shared: sb, subnet: sub}); err != nil {
		return err
	}
	// dhcpd adds the subnet to its shared network after its body
	// (confpars.c:2722-2747).
	sb.net.Subnets = append(sb.net.Subnets, sub)
	sb.siblings = insertSibling(sb.siblings, sub)
	return nil
}

// insertSibling adds a subnet to a shared network's subnet list as
// common_subnet_parsing does (confpars.c:2722-2747): before the first
// subnet that contains it with a shorter prefix (subnet_inner_than,
// mdb.c:975-1004), else at the end. Its loop runs while the subnet looked at
// has a successor, so the last subnet of the list is never compared: with
// 10.0.0.0/16 declared first, a later 10.0.1.0/24 goes after it.
func insertSibling(list []*Subnet, sub *Subnet) []*Subnet {
	for i := 0; i+1 < len(list); i++ {
		t := list[i].Prefix
		if sub.Prefix.Bits() > t.Bits() && t.Contains(sub.Prefix.Addr()) {
			return slices.Insert(list, i, sub)
		}
	}
	return append(list, sub)
}

// subnetOf finds the subnet of a shared-network pool's range: the first
// sibling whose network holds the low address (confpars.c:3833-3838).
func (sb *sharedBuild) subnetOf(a netip.Addr) *Subnet {
	for _, s := range sb.siblings {
		if s.Prefix.Contains(a) {
			return s
		}
	}
	return nil
}

// maskBits turns a dotted netmask into a prefix length.
func maskBits(mask netip.Addr) (int, bool) {
	v := addrUint32(mask)
	bits := 0
	for v&0x80000000 != 0 {
		bits++
		v <<= 1
	}
	return bits, v == 0
}

// group descends into `group [NAME] { ... }` (confpars.c:2969-3060); the
// name is one token. dhcpd allows it anywhere but in a host or class. Its
// scope has no shared network: a subnet inside gets one of its own even
// when the group stands in a shared-network, and pools and ranges are not
// allowed directly in it.
func (p *confParser) group(l *conflex.Lexer, t conflex.Token, sc *scope) *Error {
	if n := l.Peek(); n.Kind == conflex.Word || n.Kind == conflex.String {
		l.Next()
	}
	b := l.Next()
	if !b.IsPunct('{') {
		return l.Errorf(b, "group: expected '{', found %s", b.Describe())
	}
	return p.body(l, b, &scope{kind: scopeGroup})
}
