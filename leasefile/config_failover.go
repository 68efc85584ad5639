package leasefile

// failover handles every statement starting with `failover peer NAME`
// (confpars.c:888-1208): a declaration `{ ... }`, a shared-network
// reference `;`, a pool reference `"NAME";`, or a state record `state { }`.
func (p *confParser) failover(l *Lexer, t Token, sc *scope) *Error {
	if kw := l.Next(); !kw.Is("peer") {
		return l.Errorf(kw, `expected "failover peer", found %s`, kw.describe())
	}
	nameTok := l.Peek()
	name, err := readName(l, "failover peer")
	if err != nil {
		return err
	}
	next := l.Next()
	switch {
	case next.IsPunct(';'):
		return p.failoverReference(l, t, nameTok, name, sc)
	case next.Is("state"):
		// Saved state, as in dhcpd.leases: nothing the model keeps.
		if b := l.Next(); !b.IsPunct('{') {
			return l.Errorf(b, "failover peer %s state: expected '{', found %s", name, b.describe())
		}
		return l.SkipBlock()
	case next.IsPunct('{'):
		if sc.kind != scopeTop && sc.kind != scopeShared && sc.kind != scopeGroup {
			return l.Errorf(t, "failover peer %s may only be declared at the top level or in a shared-network", name)
		}
		peer, err := p.failoverDeclaration(l, t, name)
		if err != nil {
			return err
		}
		if sc.kind == scopeShared {
			sc.shared.failoverPeer = peer.Name
		}
		return nil
	}
	return l.Errorf(next, "failover peer %s: expected '{', ';' or state, found %s", name, next.describe())
}

func (p *confParser) failoverReference(l *Lexer, t, nameTok Token, name string, sc *scope) *Error {
	if p.cfg.FailoverPeer(name) == nil {
		return l.Errorf(t, "reference to unknown failover peer %q (it must be declared before it is used)", name)
	}
	switch sc.kind {
	case scopeShared:
		sc.shared.failoverPeer = name
	case scopePool:
		if nameTok.Kind != String {
			return l.Errorf(nameTok, "failover peer in a pool: the name must be a quoted string")
		}
		sc.pool.pool.FailoverPeer = name
	default:
		return l.Errorf(t, "failover peer reference %q is only allowed in a shared-network or pool", name)
	}
	return nil
}

// noFailover handles `no failover peer` in a pool. dhcpd 4.4.3 does not
// read a ';' after it (confpars.c:1775-1792 breaks without parse_semi), so
// the documented `no failover peer;` makes it refuse the configuration, and
// only the form without ';' works. Both are accepted here.
func (p *confParser) noFailover(l *Lexer, t Token, sc *scope) *Error {
	if a, b := l.Next(), l.Next(); !a.Is("failover") || !b.Is("peer") {
		return l.Errorf(t, `expected "no failover peer"`)
	}
	sc.pool.pool.FailoverPeer = ""
	if l.Peek().IsPunct(';') {
		l.Next()
	}
	return nil
}

// failoverDeclaration parses the body of `failover peer NAME { ... }`.
func (p *confParser) failoverDeclaration(l *Lexer, t Token, name string) (*FailoverPeer, *Error) {
	if p.cfg.FailoverPeer(name) != nil {
		return nil, l.Errorf(t, "redeclaration of failover peer %q", name)
	}
	fp := &FailoverPeer{
		Name: name, Role: RolePrimary, Pos: Position{l.File(), t.Line},
		MCLT: -1, Split: -1, LoadBalanceMaxSeconds: -1,
	}
	hasHBA := false
	for {
		s := l.Next()
		if s.IsPunct('}') {
			break
		}
		partner := false
		if s.Is("peer") {
			partner, s = true, l.Next()
		}
		var target *int
		switch {
		case s.Is("primary"):
			fp.Role = RolePrimary
		case s.Is("secondary"):
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
			target = &fp.Port
			if partner {
				target = &fp.PeerPort
			}
		case s.Is("max-response-delay"):
			target = &fp.MaxResponseDelay
			if partner {
				target = new(int) // the partner's; not modelled
			}
		case s.Is("max-unacked-updates"):
			target = &fp.MaxUnackedUpdates
			if partner {
				target = new(int)
			}
		case s.Is("mclt"):
			target = &fp.MCLT
		case s.Is("auto-partner-down"):
			target = &fp.AutoPartnerDown
		case s.Is("max-lease-misbalance"), s.Is("max-lease-ownership"), s.Is("max-balance"), s.Is("min-balance"):
			target = new(int)
		case s.Is("split"):
			v, err := readNumber(l, "split")
			if err != nil {
				return nil, err
			}
			if v > 256 {
				return nil, l.Errorf(s, "failover peer %s: split must be between 0 and 256", name)
			}
			fp.Split, hasHBA = v, true
			fp.HBA = splitHBA(v)
		case s.Is("hba"):
			hba, err := readHexList(l)
			if err != nil {
				return nil, err
			}
			if len(hba) != 32 {
				return nil, l.Errorf(s, "failover peer %s: HBA must be exactly 32 bytes", name)
			}
			fp.HBA, hasHBA = hba, true
		case s.Is("load"):
			if b, m, sec := l.Next(), l.Next(), l.Next(); !b.Is("balance") || !m.Is("max") || !sec.Is("seconds") {
				return nil, l.Errorf(s, `failover peer %s: expected "load balance max seconds N"`, name)
			}
			target = &fp.LoadBalanceMaxSeconds
		default:
			return nil, l.Errorf(s, "failover peer %s: invalid statement %s in peer declaration", name, s.describe())
		}
		if target != nil {
			v, err := readNumber(l, "failover peer "+name+" "+string(s.Text))
			if err != nil {
				return nil, err
			}
			*target = v
		}
		if err := expectSemi(l, "failover peer "+name); err != nil {
			return nil, err
		}
	}
	// Checks that dhcpd reports with parse_warn, which makes it refuse the
	// configuration (confpars.c:1140-1160).
	switch {
	case fp.PeerAddress == "":
		return nil, l.Errorf(t, "failover peer %s: peer address may not be omitted", name)
	case fp.Role == RoleSecondary && hasHBA:
		return nil, l.Errorf(t, "failover peer %s: secondary may not define load balance settings", name)
	case fp.Role == RolePrimary && !hasHBA:
		return nil, l.Errorf(t, "failover peer %s: primary failover server must have hba or split", name)
	case fp.Role == RolePrimary && fp.MCLT <= 0:
		return nil, l.Errorf(t, "failover peer %s: primary failover server must have mclt", name)
	}
	if fp.Port == 0 {
		fp.Port = 647
	}
	if fp.PeerPort == 0 {
		fp.PeerPort = 647
	}
	if fp.MaxResponseDelay == 0 {
		fp.MaxResponseDelay = 20
	}
	if fp.MaxUnackedUpdates == 0 {
		fp.MaxUnackedUpdates = 100
	}
	if fp.Split < 0 && hasHBA {
		fp.Split = popcount(fp.HBA)
	}
	p.cfg.FailoverPeers = append(p.cfg.FailoverPeers, fp)
	return fp, nil
}

// splitHBA builds the hash bucket bitmap for `split N` (confpars.c:1095-1105).
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
