package dhcpdconf

import "github.com/dhcpd-exporter/dhcpd_exporter/internal/conflex"

// Pools: `pool { ... }` blocks, their permit lists, and dhcpd's merging of a
// new pool into an earlier one (server/confpars.c:1724-1928, get_permit and
// permit_list_match).

// poolBuild is a pool being parsed, with what dhcpd compares when it merges
// pools and when it looks for the pool of a bare range.
type poolBuild struct {
	pool      *Pool
	declared  int      // range statements read into it, duplicates included
	permits   []permit // allow ...;
	prohibits []permit // deny ...;
	// statements is set once the pool has a statement of its own: an
	// option or parameter (anything dhcpd adds to the pool group's
	// statement list). dhcpd merges only pools without any.
	statements bool
	after      bool // an allow/deny after clause was read
}

// permitKind is dhcpd's permit type (includes/dhcpd.h struct permit).
type permitKind uint8

const (
	permitUnknownClients permitKind = iota + 1
	permitKnownClients
	permitAuthenticatedClients
	permitUnauthenticatedClients
	permitAllClients
	permitDynamicBOOTPClients
	permitClass
	permitAfter
)

// permit is one entry of a pool's permit or prohibit list. Entries compare
// by type, and members-of entries by class too (permit_list_match); the
// date of an after entry is not compared.
type permit struct {
	kind  permitKind
	class string // for permitClass
}

// pool parses `pool { ... }`. dhcpd allows it only directly in a subnet or
// shared-network (confpars.c:607-618). The pool belongs to the shared
// network, and starts with the failover peer a `failover peer NAME;` of
// that shared network gave (confpars.c:1762-1767).
func (p *confParser) pool(l *conflex.Lexer, t conflex.Token, sc *scope) *Error {
	switch sc.kind {
	case scopeSubnet, scopeShared:
	case scopePool:
		return l.Errorf(t, "pool declared within pool")
	default:
		return l.Errorf(t, "pool declared outside of network (only in a subnet or shared-network)")
	}
	b := l.Next()
	if !b.IsPunct('{') {
		return l.Errorf(b, "pool: expected '{', found %s", b.Describe())
	}
	sb := sc.shared
	pb := &poolBuild{pool: &Pool{FailoverPeer: sb.failoverPeer, Pos: Position{File: l.File(), Line: t.Line}}}
	// A range in a pool declared in a subnet belongs to that subnet; in a
	// shared-network, to the subnet holding its low address (confpars.c:3828-3846).
	inner := &scope{kind: scopePool, shared: sb, pool: pb, subnet: sc.subnet}
	if err := p.body(l, b, inner); err != nil {
		return err
	}
	if pb.declared == 0 {
		// parse_warn, which makes dhcpd refuse the configuration.
		return l.Errorf(t, "pool declaration with no address range")
	}
	// Merge into the first earlier pool of the shared network (ad-hoc pools
	// included) that dhcpd finds equal (confpars.c:1863-1905).
	for _, old := range sb.pools {
		if mergeable(old, pb) {
			old.pool.Ranges = append(old.pool.Ranges, pb.pool.Ranges...)
			old.declared += pb.declared
			return nil
		}
	}
	sb.pools = append(sb.pools, pb)
	return nil
}

// mergeable is dhcpd's test for merging a new pool into an existing one
// (confpars.c:1863-1880): the same statement list (dhcpd compares the
// pointers, equal only when both are empty), the same failover peer, and
// permit and prohibit lists that match both ways.
func mergeable(old, later *poolBuild) bool {
	return !old.statements && !later.statements &&
		old.pool.FailoverPeer == later.pool.FailoverPeer &&
		permitListsMatch(old.permits, later.permits) &&
		permitListsMatch(old.prohibits, later.prohibits)
}

// permitListsMatch is permit_list_match applied both ways: every entry of
// each list has an entry of the same type (and class) in the other.
func permitListsMatch(a, b []permit) bool {
	return permitsIn(a, b) && permitsIn(b, a)
}

func permitsIn(a, b []permit) bool {
	for _, x := range a {
		found := false
		for _, y := range b {
			if x.kind == y.kind && (x.kind != permitClass || x.class == y.class) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// permit reads `allow PERMIT;` or `deny PERMIT;` in a pool (get_permit,
// confpars.c): unknown clients, unknown-clients, known clients,
// known-clients, authenticated clients, unauthenticated clients, all
// clients, dynamic bootp clients, members of "CLASS", after DATE.
func (p *confParser) permit(l *conflex.Lexer, t conflex.Token, pb *poolBuild) *Error {
	what := string(t.Text)
	w := l.Next()
	var pm permit
	needClients := true
	switch {
	case w.Is("unknown"):
		pm.kind = permitUnknownClients
	case w.Is("unknown-clients"):
		pm.kind, needClients = permitUnknownClients, false
	case w.Is("known"):
		pm.kind = permitKnownClients
	case w.Is("known-clients"):
		pm.kind, needClients = permitKnownClients, false
	case w.Is("authenticated"):
		pm.kind = permitAuthenticatedClients
	case w.Is("unauthenticated"):
		pm.kind = permitUnauthenticatedClients
	case w.Is("all"):
		pm.kind = permitAllClients
	case w.Is("dynamic"):
		if b := l.Next(); !b.Is("bootp") {
			return l.Errorf(b, `%s dynamic: expected "bootp", found %s`, what, b.Describe())
		}
		pm.kind = permitDynamicBOOTPClients
	case w.Is("members"):
		if o := l.Next(); !o.Is("of") {
			return l.Errorf(o, `%s members: expected "of", found %s`, what, o.Describe())
		}
		c := l.Next()
		if c.Kind != conflex.String {
			return l.Errorf(c, "%s members of: expected a quoted class name, found %s", what, c.Describe())
		}
		pm.kind, pm.class, needClients = permitClass, string(conflex.Unquote(c.Text)), false
	case w.Is("after"):
		if pb.after {
			return l.Errorf(w, `duplicate "after" clause`)
		}
		// The date (N YYYY/MM/DD HH:MM:SS, epoch N or never) only limits
		// when the pool serves; permit lists compare without it.
		n := 0
		for ; !l.Peek().IsPunct(';') && l.Peek().Kind != conflex.EOF; n++ {
			l.Next()
		}
		if n == 0 {
			return l.Errorf(w, "%s after: expected a date", what)
		}
		pm.kind, pb.after, needClients = permitAfter, true, false
	default:
		return l.Errorf(w, "%s: expected a permit type, found %s", what, w.Describe())
	}
	if needClients {
		if c := l.Next(); !c.Is("clients") {
			return l.Errorf(c, `%s: expected "clients", found %s`, what, c.Describe())
		}
	}
	if t.Is("allow") {
		pb.permits = append(pb.permits, pm)
	} else {
		pb.prohibits = append(pb.prohibits, pm)
	}
	return expectSemi(l, what)
}

// Size is the number of addresses in the pool. Its ranges never overlap
// (an address declared twice is kept only by its first range, see
// Config.Warnings), so it is the sum of the range sizes.
func (p *Pool) Size() uint64 {
	var n uint64
	for _, r := range p.Ranges {
		n += r.Size()
	}
	return n
}
