package dhcpdconf

import (
	"strconv"

	"github.com/dhcpd-exporter/dhcpd_exporter/internal/conflex"
)

// Failover peers: `failover peer NAME { ... }` declarations, the
// `failover peer NAME;` reference in a shared-network, `failover peer NAME
// state { ... }`, and the pool forms `failover peer "NAME";` and `no failover
// peer` (server/confpars.c:790-804, 888-1208, 1777-1822).

// failover handles a statement starting with `failover` outside a pool's
// own loop. dhcpd accepts it only at the top level and directly in a
// shared-network (confpars.c:790-797).
func (p *confParser) failover(l *conflex.Lexer, t conflex.Token, sc *scope) *Error {
	if sc.kind != scopeTop && sc.kind != scopeShared {
		return l.Errorf(t, "failover peers may only be defined in shared-network declarations and the outer scope")
	}
	if kw := l.Next(); !kw.Is("peer") {
		return l.Errorf(kw, `expected "failover peer", found %s`, kw.Describe())
	}
	name, err := readSingleName(l, "failover peer")
	if err != nil {
		return err
	}
	next := l.Next()
	switch {
	case next.IsPunct(';'):
		// A reference: later pools of the shared network inherit the peer
		// (confpars.c:930-947, 1762-1767).
		if sc.kind != scopeShared {
			return l.Errorf(t, "failover peer reference %q not in a shared-network declaration", name)
		}
		if p.cfg.FailoverPeer(name) == nil {
			return l.Errorf(t, "reference to unknown failover peer %q (it must be declared before it is used)", name)
		}
		sc.shared.failoverPeer = name
		return nil
	case next.Is("state"):
		// Saved state, as in dhcpd.leases: nothing the model keeps.
		if p.cfg.FailoverPeer(name) == nil {
			return l.Errorf(t, "state declaration for unknown failover peer %q", name)
		}
		b := l.Next()
		if !b.IsPunct('{') {
			return l.Errorf(b, "failover peer %q state: expected '{', found %s", name, b.Describe())
		}
		return p.skipBody(l, b)
	case next.IsPunct('{'):
		peer, err := p.failoverDeclaration(l, t, name)
		if err != nil {
			return err
		}
		if sc.kind == scopeShared {
			// A declaration in a shared-network is also a reference
			// (confpars.c:1194-1195).
			sc.shared.failoverPeer = peer.Name
		}
		return nil
	}
	return l.Errorf(next, "failover peer %q: expected '{', ';' or state, found %s", name, next.Describe())
}

// failoverDeclaration parses the body of `failover peer NAME { ... }`,
// checks it as dhcpd does and records the peer.
func (p *confParser) failoverDeclaration(l *conflex.Lexer, t conflex.Token, name string) (*FailoverPeer, *Error) {
	if p.cfg.FailoverPeer(name) != nil {
		return nil, l.Errorf(t, "redeclaration of failover peer %q", name)
	}
	fp := &FailoverPeer{
		Name: name, Role: RolePrimary, Pos: Position{File: l.File(), Line: t.Line},
		MCLT: -1, Split: -1, LoadBalanceMaxSeconds: -1,
	}
	hasHBA := false
	loadBalanceOnSecondary := func(s conflex.Token) *Error {
		return l.Errorf(s, "failover peer %q: secondary may not define load balance settings", name)
	}
	for {
		s := l.Next()
		// `peer` makes the next address, port, max-response-delay or
		// max-unacked-updates the partner's (confpars.c:1001-1003).
		partner := false
		for s.Is("peer") {
			partner, s = true, l.Next()
		}
		if s.IsPunct('}') {
			break
		}
		var number *int // the field a numeric statement sets
		var unused int  // for the settings the model has no field for
		signed := false // the field is a C int, not a u_int32_t (failover.h)
		switch {
		case s.Is("primary"):
			fp.Role = RolePrimary
		case s.Is("secondary"):
			if hasHBA {
				return nil, loadBalanceOnSecondary(s)
			}
			fp.Role = RoleSecondary
		case s.Is("address"):
			addr, err := readName(l, "failover peer address")
			if err != nil {
				return nil, err
			}
			if partner {
				fp.PeerAddress = addr
			} else {
				fp.Address = addr
			}
		case s.Is("port"):
			number, signed = pick(partner, &fp.PeerPort, &fp.Port), true
		case s.Is("max-response-delay"):
			number = pick(partner, &unused, &fp.MaxResponseDelay)
		case s.Is("max-unacked-updates"):
			number = pick(partner, &unused, &fp.MaxUnackedUpdates)
		case s.Is("mclt"):
			number = &fp.MCLT
		case s.Is("auto-partner-down"):
			number = &fp.AutoPartnerDown
		case s.Is("max-lease-misbalance"):
			number = &fp.MaxLeaseMisbalance
		case s.Is("max-lease-ownership"):
			number = &fp.MaxLeaseOwnership
		case s.Is("max-balance"):
			number = &fp.MaxBalance
		case s.Is("min-balance"):
			number = &fp.MinBalance
		case s.Is("split"):
			if fp.Role == RoleSecondary {
				return nil, loadBalanceOnSecondary(s)
			}
			v, err := readNumber(l, "split")
			if err != nil {
				return nil, err
			}
			if split := uint32(v); split > 256 { // u_int32_t: "split -1" is too large too
				return nil, l.Errorf(s, "failover peer %q: split must be between 0 and 256, inclusive", name)
			}
			fp.Split, fp.HBA, hasHBA = int(v), splitHBA(int(v)), true
		case s.Is("hba"):
			if fp.Role == RoleSecondary {
				return nil, loadBalanceOnSecondary(s)
			}
			hba, err := readHexList(l)
			if err != nil {
				return nil, err
			}
			if len(hba) != 32 {
				return nil, l.Errorf(s, "failover peer %q: HBA must be exactly 32 bytes", name)
			}
			fp.HBA, fp.Split, hasHBA = hba, popcount(hba), true
		case s.Is("load"):
			if b, m, sec := l.Next(), l.Next(), l.Next(); !b.Is("balance") || !m.Is("max") || !sec.Is("seconds") {
				return nil, l.Errorf(s, `failover peer %q: expected "load balance max seconds N"`, name)
			}
			number, signed = &fp.LoadBalanceMaxSeconds, true
		case s.Kind == conflex.EOF:
			return nil, endOfInput(l, s, "missing '}' of failover peer "+quoteName(name))
		default:
			return nil, l.Errorf(s, "failover peer %q: invalid statement %s in peer declaration", name, s.Describe())
		}
		if number != nil {
			v, err := readNumber(l, "failover peer "+quoteName(name)+" "+string(s.Text))
			if err != nil {
				return nil, err
			}
			*number = cFieldValue(v, signed)
		}
		if err := expectSemi(l, "failover peer "+quoteName(name)); err != nil {
			return nil, err
		}
	}
	// What dhcpd checks after the block, with parse_warn, which makes it
	// refuse the configuration (confpars.c:1163-1178).
	switch {
	case fp.PeerAddress == "":
		return nil, l.Errorf(t, "failover peer %q: peer address may not be omitted", name)
	case fp.Role == RolePrimary && !hasHBA:
		return nil, l.Errorf(t, "failover peer %q: primary failover server must have hba or split", name)
	case fp.Role == RolePrimary && fp.MCLT <= 0:
		return nil, l.Errorf(t, "failover peer %q: primary failover server must have mclt", name)
	}
	// Zero means "use the default" in dhcpd (confpars.c:1166-1192; the
	// balancing defaults are includes/failover.h:47-60).
	for _, d := range []struct {
		field *int
		def   int
	}{
		{&fp.Port, 647}, {&fp.PeerPort, 647}, {&fp.MaxResponseDelay, 20}, {&fp.MaxUnackedUpdates, 100},
		{&fp.MaxLeaseMisbalance, 15}, {&fp.MaxLeaseOwnership, 10}, {&fp.MinBalance, 60}, {&fp.MaxBalance, 3600},
	} {
		if *d.field == 0 {
			*d.field = d.def
		}
	}
	p.cfg.FailoverPeers = append(p.cfg.FailoverPeers, fp)
	return fp, nil
}

// cFieldValue is what dhcpd stores when it assigns atoi's int to a field:
// an int keeps it, a u_int32_t wraps a negative one ("mclt -5;" is a
// large MCLT, not a missing one).
func cFieldValue(v int32, signed bool) int {
	if signed {
		return int(v)
	}
	return int(uint32(v)) // int is 64 bits wide on every platform the exporter is built for
}

// pick returns partner's field or our own.
func pick(partner bool, partners, ours *int) *int {
	if partner {
		return partners
	}
	return ours
}

// poolFailover reads `failover peer "NAME";` in a pool: the name must be a
// quoted string and the peer already declared (confpars.c:1795-1822).
func (p *confParser) poolFailover(l *conflex.Lexer, t conflex.Token, pb *poolBuild) *Error {
	if kw := l.Next(); !kw.Is("peer") {
		return l.Errorf(kw, `expected "failover peer", found %s`, kw.Describe())
	}
	n := l.Next()
	if n.Kind != conflex.String {
		return l.Errorf(n, "failover peer in a pool: expected the peer name as a quoted string, found %s", n.Describe())
	}
	name := string(conflex.Unquote(n.Text))
	if p.cfg.FailoverPeer(name) == nil {
		return l.Errorf(t, "reference to unknown failover peer %q (it must be declared before it is used)", name)
	}
	pb.pool.FailoverPeer = name
	if p.poolRefs == nil {
		p.poolRefs = map[string]int{}
	}
	p.poolRefs[name]++
	return expectSemi(l, "failover peer "+quoteName(name))
}

// noFailover handles `no failover peer` in a pool: the pool does without the
// peer its shared network gives it. dhcpd 4.4.3 reads no ';' after it
// (confpars.c:1777-1793 breaks without parse_semi), so `no failover peer;`,
// the form its own log message suggests (confpars.c:3921-3922), makes it
// refuse the configuration and only the form without ';' works; both are
// accepted here.
func (p *confParser) noFailover(l *conflex.Lexer, t conflex.Token, pb *poolBuild) *Error {
	if a, b := l.Next(), l.Next(); !a.Is("failover") || !b.Is("peer") {
		return l.Errorf(t, `expected "no failover peer"`)
	}
	pb.pool.FailoverPeer = ""
	if l.Peek().IsPunct(';') {
		l.Next()
	}
	return nil
}

// splitHBA builds the hash bucket bitmap for `split N`: the first N bits set,
// least significant bit first (confpars.c:1094-1117).
func splitHBA(n int) []byte {
	hba := make([]byte, 32)
	for i := 0; i < n; i++ {
		hba[i/8] |= 1 << (i & 7)
	}
	return hba
}

func popcount(b []byte) int {
	n := 0
	for _, x := range b {
		for ; x != 0; x &= x - 1 {
			n++
		}
	}
	return n
}

func quoteName(name string) string { return strconv.Quote(name) }
