package leasefile

import (
	"net/netip"
	"slices"
	"sort"
	"strings"
)

// sharedBuild is a shared network being parsed.
type sharedBuild struct {
	net          *SharedNetwork
	failoverPeer string // set by `failover peer NAME;`, inherited by later pools
	pools        []*poolBuild
}

// poolBuild is a pool being parsed, with what dhcpd compares when it
// merges pools (confpars.c:1863-1905).
type poolBuild struct {
	pool       *Pool
	permits    []string // allow ... (normalised)
	prohibits  []string // deny ...
	statements bool     // has statements of its own: never merged
}

func (p *confParser) sharedNetwork(l *Lexer, t Token, sc *scope) *Error {
	if sc.kind != scopeTop && sc.kind != scopeGroup {
		return l.Errorf(t, "shared-network is only allowed at the top level or in a group")
	}
	name, err := readName(l, "shared-network")
	if err != nil {
		return err
	}
	if b := l.Next(); !b.IsPunct('{') {
		return l.Errorf(b, "shared-network %s: expected '{', found %s", name, b.describe())
	}
	sb := p.newShared(&SharedNetwork{Name: name, Pos: Position{l.File(), t.Line}})
	return p.block(l, &scope{kind: scopeShared, shared: sb}, true)
}

func (p *confParser) newShared(sn *SharedNetwork) *sharedBuild {
	sb := &sharedBuild{net: sn}
	p.shared = append(p.shared, sb)
	p.cfg.SharedNetworks = append(p.cfg.SharedNetworks, sn)
	return sb
}

func (p *confParser) subnet(l *Lexer, t Token, sc *scope) *Error {
	if sc.kind == scopeSubnet || sc.kind == scopePool {
		return l.Errorf(t, "subnet is not allowed inside a subnet or pool")
	}
	netAddr, err := readIPv4(l)
	if err != nil {
		return err
	}
	if kw := l.Next(); !kw.Is("netmask") {
		return l.Errorf(kw, "subnet %s: expected netmask, found %s", netAddr, kw.describe())
	}
	mask, err := readIPv4(l)
	if err != nil {
		return err
	}
	bits, ok := maskBits(mask)
	if !ok {
		return l.Errorf(t, "subnet %s: netmask %s is not contiguous", netAddr, mask)
	}
	prefix := netip.PrefixFrom(netAddr, bits)
	if prefix.Masked().Addr() != netAddr {
		return l.Errorf(t, "subnet %s netmask %s: the network has host bits set", netAddr, mask)
	}
	if b := l.Next(); !b.IsPunct('{') {
		return l.Errorf(b, "subnet %s: expected '{', found %s", prefix, b.describe())
	}
	sub := &Subnet{Prefix: prefix, Pos: Position{l.File(), t.Line}}
	sb := sc.shared
	if sb == nil {
		// A subnet outside any shared network gets its own, named after it
		// (confpars.c:461-518).
		sb = p.newShared(&SharedNetwork{Name: prefix.String(), Implicit: true, Pos: sub.Pos})
	}
	sb.net.Subnets = append(sb.net.Subnets, sub)
	return p.block(l, &scope{kind: scopeSubnet, shared: sb, subnet: sub}, true)
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

func (p *confParser) pool(l *Lexer, t Token, sc *scope) *Error {
	if sc.kind != scopeSubnet && sc.kind != scopeShared {
		return l.Errorf(t, "pool is only allowed in a subnet or shared-network")
	}
	if b := l.Next(); !b.IsPunct('{') {
		return l.Errorf(b, "pool: expected '{', found %s", b.describe())
	}
	sb := sc.shared
	pb := &poolBuild{pool: &Pool{FailoverPeer: sb.failoverPeer, Pos: Position{l.File(), t.Line}}}
	if err := p.block(l, &scope{kind: scopePool, shared: sb, pool: pb}, true); err != nil {
		return err
	}
	if len(pb.pool.Ranges) == 0 {
		// parse_warn, which makes dhcpd refuse the configuration.
		return l.Errorf(t, "pool declaration with no address range")
	}
	for _, pp := range sb.pools {
		if mergeable(pp, pb) {
			pp.pool.Ranges = append(pp.pool.Ranges, pb.pool.Ranges...)
			return nil
		}
	}
	sb.pools = append(sb.pools, pb)
	return nil
}

// mergeable is dhcpd's test for merging a new pool into an existing one
// (confpars.c:1863-1905): neither has statements of its own (dhcpd compares
// statement-list pointers, equal only when both are empty), same failover
// peer, and the same permit and prohibit lists.
func mergeable(old, new *poolBuild) bool {
	return !old.statements && !new.statements &&
		old.pool.FailoverPeer == new.pool.FailoverPeer &&
		sameSet(old.permits, new.permits) && sameSet(old.prohibits, new.prohibits)
}

func sameSet(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	for _, x := range b {
		if !slices.Contains(a, x) {
			return false
		}
	}
	return true
}

// permit records `allow ...;` or `deny ...;` in a pool (get_permit).
func (p *confParser) permit(l *Lexer, t Token, pb *poolBuild) *Error {
	var words []string
	for {
		w := l.Next()
		switch {
		case w.IsPunct(';'):
			if len(words) == 0 {
				return l.Errorf(w, "%s: expected a permit", t.Text)
			}
			perm := strings.Join(words, " ")
			// get_permit treats "known-clients" as "known clients".
			perm = strings.NewReplacer("unknown-clients", "unknown clients", "known-clients", "known clients").Replace(perm)
			if t.Is("allow") {
				pb.permits = append(pb.permits, perm)
			} else {
				pb.prohibits = append(pb.prohibits, perm)
			}
			return nil
		case w.Kind == String:
			words = append(words, `"`+string(Unquote(w.Text))+`"`)
		case w.Kind == Word:
			words = append(words, strings.ToLower(string(w.Text)))
		case w.Kind == EOF:
			return l.Errorf(w, "%s: unexpected end of file", t.Text)
		default:
			words = append(words, string(w.Text))
		}
	}
}

// rangeStatement handles `range [dynamic-bootp] LOW [HIGH];` in a subnet or
// a pool (confpars.c:3779-3939).
func (p *confParser) rangeStatement(l *Lexer, t Token, sc *scope) *Error {
	if sc.kind != scopeSubnet && sc.kind != scopePool {
		return l.Errorf(t, "range is only allowed in a subnet or pool")
	}
	r := Range{Pos: Position{l.File(), t.Line}}
	if l.Peek().Is("dynamic-bootp") {
		l.Next()
		r.DynamicBOOTP = true
	}
	var err *Error
	if r.Low, err = readIPv4(l); err != nil {
		return err
	}
	r.High = r.Low
	if !l.Peek().IsPunct(';') {
		if r.High, err = readIPv4(l); err != nil {
			return err
		}
	}
	if err := expectSemi(l, "range"); err != nil {
		return err
	}
	if r.High.Less(r.Low) {
		r.Low, r.High = r.High, r.Low
	}

	sb, subnet := sc.shared, sc.subnet
	if sc.kind == scopePool {
		subnet = nil
		for _, s := range sb.net.Subnets {
			if s.Prefix.Contains(r.Low) {
				subnet = s
				break
			}
		}
		if subnet == nil {
			return l.Errorf(t, "range %s-%s: address range not on network %s (pools must follow the subnets they draw from)", r.Low, r.High, sb.net.Name)
		}
	}
	if !subnet.Prefix.Contains(r.Low) || !subnet.Prefix.Contains(r.High) {
		return l.Errorf(t, "range %s-%s: not inside subnet %s", r.Low, r.High, subnet.Prefix)
	}

	var target *poolBuild
	if sc.kind == scopePool {
		target = sc.pool
	} else {
		target = p.adHocPool(sb, r)
	}
	if target.pool.FailoverPeer != "" && r.DynamicBOOTP {
		return l.Errorf(t, "range dynamic-bootp %s-%s: dynamic-bootp is not permitted in a pool with failover peer %q", r.Low, r.High, target.pool.FailoverPeer)
	}
	target.pool.Ranges = append(target.pool.Ranges, r)
	return nil
}

// adHocPool picks the pool for a range declared directly in a subnet,
// reproducing confpars.c:3854-3905. dhcpd looks for a pool whose permits are
// exactly those of its ad-hoc pools (normal: no permits, prohibit only
// dynamic bootp clients; dynamic-bootp: permit only all clients, no
// prohibits). Finding none, it appends a new ad-hoc pool, which has no
// failover peer. Finding one, it uses `last`, the pool listed just BEFORE
// the match, whenever the match is not the first pool: a dhcpd bug that
// sends later bare ranges into a neighbouring pool.
func (p *confParser) adHocPool(sb *sharedBuild, r Range) *poolBuild {
	var last *poolBuild
	for i, pb := range sb.pools {
		normal := !r.DynamicBOOTP && len(pb.permits) == 0 && len(pb.prohibits) == 1 && pb.prohibits[0] == "dynamic bootp clients"
		dynamic := r.DynamicBOOTP && len(pb.prohibits) == 0 && len(pb.permits) == 1 && pb.permits[0] == "all clients"
		if normal || dynamic {
			if i == 0 {
				return pb
			}
			return last
		}
		last = pb
	}
	pb := &poolBuild{pool: &Pool{AdHoc: true, Pos: r.Pos}}
	if r.DynamicBOOTP {
		pb.permits = []string{"all clients"}
	} else {
		pb.prohibits = []string{"dynamic bootp clients"}
	}
	sb.pools = append(sb.pools, pb)
	return pb
}

// finish fills in the pools of every shared network and rejects addresses
// declared twice, which dhcpd warns about and therefore refuses
// ("lease %s is declared twice!", mdb.c:new_address_range).
func (p *confParser) finish() *Error {
	var all []Range
	for _, sb := range p.shared {
		for _, pb := range sb.pools {
			r0 := pb.pool.Ranges[0]
			pb.pool.ID = r0.Low.String() + "-" + r0.High.String()
			sb.net.Pools = append(sb.net.Pools, pb.pool)
			all = append(all, pb.pool.Ranges...)
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Low.Less(all[j].Low) })
	for i := 1; i < len(all); i++ {
		if !all[i-1].High.Less(all[i].Low) {
			return errorf(all[i].Pos, "address %s is declared twice (also by the range at %s)", all[i].Low, all[i-1].Pos)
		}
	}
	return nil
}

// Size is the number of addresses in the pool. Ranges never overlap in a
// configuration dhcpd accepts, so it is the sum of the range sizes.
func (p *Pool) Size() uint64 {
	var n uint64
	for _, r := range p.Ranges {
		n += r.Size()
	}
	return n
}
