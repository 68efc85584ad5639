package leasefile

import (
	"fmt"

	"github.com/dhcpd-exporter/dhcpd_exporter/binding"
	"github.com/dhcpd-exporter/dhcpd_exporter/internal/conflex"
)

// recordStatus is the outcome of reading one top-level record.
type recordStatus int

const (
	recordDone       recordStatus = iota // a record was read (and applied)
	recordMalformed                      // a complete but malformed record was skipped
	recordIncomplete                     // the data ends inside the record: wait for more
	recordEnd                            // no more records
	recordLong                           // a malformed record too long to read: skip to the next record start
)

// leaseParser applies the records of dhcpd.leases text to a LeaseDB.
type leaseParser struct {
	db        *LeaseDB
	maxRecord int            // MaxRecordBytes, smaller in tests
	err       *conflex.Error // the malformed record's error (set with recordMalformed and recordLong)
	// The record being read, for errors (made into a string only then):
	// a lease record's address once read, or the kind of a skipped record.
	// No pointers: they are set for every record.
	ip      uint32
	leaseIP bool
	kind    int8 // index in skippedRecords, or -1
}

// skippedRecords are the top-level records the exporter reads past.
var skippedRecords = [...]string{"failover", "host", "group", "class", "subclass", "ia-na", "ia-ta", "ia-pd",
	"server-duid", "authoring-byte-order", "lease-id-format"}

// what names the record being read in errors.
func (p *leaseParser) what(l *conflex.Lexer) string {
	switch {
	case p.leaseIP:
		return "lease " + uint32Addr(p.ip).String()
	case p.kind >= 0:
		return fmt.Sprintf("the %s record at line %d", skippedRecords[p.kind], l.RecordLine())
	}
	return fmt.Sprintf("the record at line %d", l.RecordLine())
}

// record reads one top-level record (server/confpars.c:269-318). A record
// whose end is not in the data yet is incomplete, never an error: dhcpd may
// be writing it. A record cut off by a line that starts a new lease record,
// or longer than maxRecord, is malformed (leases_recover.go). The lexer
// stands after what was consumed: after the record, or at its start when it
// is incomplete, or where skipping starts for recordLong.
func (p *leaseParser) record(l *conflex.Lexer) recordStatus {
	switch l.SkipSpace(p.maxRecord) {
	case conflex.SpaceEnd:
		return recordEnd
	case conflex.SpaceLong:
		p.err = &conflex.Error{Pos: conflex.Position{File: l.File(), Line: l.Line()}, Msg: fmt.Sprintf("a line of blanks or comment longer than %d bytes: skipped up to the next line that starts a lease record", p.maxRecord)}
		return recordLong
	}
	p.leaseIP, p.kind = false, -1
	l.BeginRecord(p.maxRecord)
	st := p.topLevel(l)
	if st != recordIncomplete {
		l.EndRecord(true)
		return st
	}
	switch l.RecordStop() {
	case conflex.StopCut:
		// Whatever else went wrong in it, the record lacks its end.
		p.err = cutError(l, p.what(l))
		st = recordMalformed
	case conflex.StopLong:
		p.err = longError(l, p.what(l), p.maxRecord)
		st = recordLong
	}
	l.EndRecord(false)
	return st
}

// topLevel reads the record at the lexer's position.
func (p *leaseParser) topLevel(l *conflex.Lexer) recordStatus {
	if fastLeaseKeyword(l) {
		return p.lease(l)
	}
	t := l.Next()
	switch {
	case t.Kind == conflex.EOF:
		return recordIncomplete // an unterminated string
	case t.Is("lease"):
		return p.lease(l)
	case t.IsPunct(';'):
		return recordDone
	}
	for k, kw := range skippedRecords {
		if t.Is(kw) {
			// Records the exporter does not count, skipped whole. The
			// failover state records too: the exporter reads failover
			// state live over OMAPI, which is what dhcpd acts on.
			p.kind = int8(k)
			return p.skipTopLevel(l, nil)
		}
	}
	// dhcpd says "Corrupt lease file - possible data loss!" and skips to
	// the next ';' (server/confpars.c:314-317).
	return p.skipTopLevel(l, l.Errorf(t, "unexpected %s at the top level of the lease file", t.Describe()))
}

// skipTopLevel skips the rest of a top-level statement; err, if not nil,
// makes it a malformed one. Only the end of the data makes it incomplete:
// any other stop ("missing ';' before '}'") is a malformed statement whose
// stray '}' is consumed, as dhcpd's skip_to_rbrace does, so that reading
// goes on with the next record instead of waiting at that '}' for ever.
func (p *leaseParser) skipTopLevel(l *conflex.Lexer, err *conflex.Error) recordStatus {
	if serr := l.SkipTopLevelStatement(); serr != nil {
		if l.AtEnd() {
			return recordIncomplete
		}
		l.Next() // the stray '}'
		if err == nil {
			err = serr
		}
	}
	if err != nil {
		p.err = err
		return recordMalformed
	}
	return recordDone
}

// skipInRecord skips the rest of a statement inside a record; like
// skipTopLevel, only the end of the data makes the record incomplete.
func (p *leaseParser) skipInRecord(l *conflex.Lexer) (recordStatus, bool) {
	err := l.SkipStatement()
	switch {
	case err == nil:
		return 0, true
	case l.AtEnd():
		return recordIncomplete, false
	}
	return p.malformed(l, err), false
}

// malformed skips the rest of a lease record after an error inside it.
func (p *leaseParser) malformed(l *conflex.Lexer, err *conflex.Error) recordStatus {
	p.err = err
	if l.SkipBlock() != nil {
		return recordIncomplete // SkipBlock stops only at the end of the data
	}
	return recordMalformed
}

// leaseRecord collects what one lease record says, as
// parse_lease_declaration does (server/confpars.c:3133-3685).
type leaseRecord struct {
	lease    Lease
	hasState bool // a `binding state` (or `abandoned;`) line
	hasNext  bool // a `next binding state` line
}

// state applies `binding state S`: without a `next binding state` line so
// far, the next state is S too (server/confpars.c:3395-3405).
func (r *leaseRecord) state(s binding.State, reserved bool) {
	r.lease.State, r.hasState = s, true
	if !r.hasNext {
		r.lease.Next = s
	}
	r.lease.Reserved = r.lease.Reserved || reserved
}

// next applies `next binding state S`, whichever line comes first.
func (r *leaseRecord) next(s binding.State, reserved bool) {
	r.lease.Next, r.hasNext = s, true
	r.lease.Reserved = r.lease.Reserved || reserved
}

// stateStatement reads the rest of a `binding state`, `next binding state`
// or `rewind binding state` statement (kind stmtBinding, stmtNext or
// stmtRewind) after its first word, and applies it.
func (r *leaseRecord) stateStatement(l *conflex.Lexer, kind int) *conflex.Error {
	s, ok := fastBindingState(l, kind != stmtBinding)
	reserved := false
	if !ok {
		if kind != stmtBinding {
			if err := expectWord(l, "binding"); err != nil {
				return err
			}
		}
		var err *conflex.Error
		if s, reserved, err = readBindingState(l); err != nil {
			return err
		}
	}
	switch kind {
	case stmtBinding:
		r.state(s, reserved)
	case stmtNext:
		r.next(s, reserved)
	default:
		// The rewind state matters only to a failover server out of
		// touch with its peer (server/mdb.c:2004-2015); its word still
		// sets the reserved flag.
		r.lease.Reserved = r.lease.Reserved || reserved
	}
	return nil
}

// finish completes a record at its '}'. Without a binding state dhcpd
// makes the lease active if it has not ended (or has statements to run on
// expiry or release), else free, and its next state free in both cases:
// the failover branches of server/confpars.c:3654-3677 never run, as the
// lease has no pool while it is parsed (server/confpars.c:281-282 enters it
// after). Counted at any time, that is an active lease with next state
// free, so the record does not depend on when it was read.
func (r *leaseRecord) finish() Lease {
	if !r.hasState {
		r.lease.State, r.lease.Next = binding.Active, binding.Free
	}
	return r.lease
}

// lease reads `lease A.B.C.D { ... }` and keeps its binding states, its
// reserved flag and its end.
func (p *leaseParser) lease(l *conflex.Lexer) recordStatus {
	ip, ok := fastIPv4(l)
	if !ok {
		addr, err := conflex.ReadIPv4(l)
		if err != nil {
			return p.skipBadHeader(l, err)
		}
		ip = addrUint32(addr)
	}
	if !fastOpenBrace(l) {
		if b := l.Next(); !b.IsPunct('{') {
			return p.skipBadHeader(l, l.Errorf(b, "lease %s: expected '{', found %s", uint32Addr(ip), b.Describe()))
		}
	}

	p.ip, p.leaseIP = ip, true
	var rec leaseRecord
	for {
		// Fast path: dhcpd writes one lower-case statement per line. Look at
		// the statement's first bytes; only ends, the binding states and
		// reserved are read, every other statement is skipped byte by byte
		// from its first letter, without tokenizing it.
		switch kind := statementStart(l); kind {
		case stmtOther:
			if st, ok := p.skipInRecord(l); !ok {
				return st
			}
			continue
		case stmtDate:
			if !skipFastDate(l) {
				if st, ok := p.skipInRecord(l); !ok {
					return st
				}
			}
			continue
		case stmtEnds:
			ends, ok := fastDate(l)
			if !ok {
				var err *conflex.Error
				if ends, err = readDate(l); err != nil {
					return p.malformed(l, err)
				}
			}
			rec.lease.Ends = ends
			continue
		case stmtBinding, stmtNext, stmtRewind:
			if err := rec.stateStatement(l, kind); err != nil {
				return p.malformed(l, err)
			}
			continue
		case stmtReserved:
			// `reserved;` sets the flag; dhcpd skips what may follow up
			// to the ';' (server/confpars.c:3301-3305).
			rec.lease.Reserved = true
			if st, ok := p.skipInRecord(l); !ok {
				return st
			}
			continue
		}
		// Anything else goes through the tokenizer.
		t := l.Next()
		switch {
		case t.IsPunct('}'):
			p.db.set(ip, rec.finish())
			return recordDone
		case t.Kind == conflex.EOF:
			return recordIncomplete
		case t.Is("ends"):
			ends, err := readDate(l)
			if err != nil {
				return p.malformed(l, err)
			}
			rec.lease.Ends = ends
		case t.Is("binding"):
			if err := rec.stateStatement(l, stmtBinding); err != nil {
				return p.malformed(l, err)
			}
		case t.Is("next"):
			if err := rec.stateStatement(l, stmtNext); err != nil {
				return p.malformed(l, err)
			}
		case t.Is("rewind"):
			if err := rec.stateStatement(l, stmtRewind); err != nil {
				return p.malformed(l, err)
			}
		case t.Is("reserved"):
			rec.lease.Reserved = true
			if st, ok := p.skipInRecord(l); !ok {
				return st
			}
		case t.Is("abandoned"):
			// old files: `abandoned;` sets both states
			// (server/confpars.c:3314-3319).
			rec.lease.State, rec.lease.Next, rec.hasState = binding.Abandoned, binding.Abandoned, true
			if st, ok := p.skipInRecord(l); !ok {
				return st
			}
		case t.Is("on"):
			if err := readOnEvents(l); err != nil {
				if l.AtEnd() {
					return recordIncomplete
				}
				return p.malformed(l, err)
			}
		case t.IsPunct('{') || t.IsPunct(';'):
			return p.malformed(l, l.Errorf(t, "lease %s: unexpected %s", uint32Addr(ip), t.Describe()))
		default:
			if st, ok := p.skipInRecord(l); !ok {
				return st
			}
		}
	}
}

// skipBadHeader skips a lease record whose header is unreadable.
func (p *leaseParser) skipBadHeader(l *conflex.Lexer, err *conflex.Error) recordStatus {
	return p.skipTopLevel(l, err)
}

// readOnEvents reads the rest of `on EVENT [or EVENT]... { STATEMENTS }`
// after `on`. dhcpd drops a record whose on statement it cannot parse
// (server/confpars.c:3486-3492). Which events it names does not matter to
// the counts (see leaseRecord.finish).
func readOnEvents(l *conflex.Lexer) *conflex.Error {
	for {
		// Peek first: a token that is not part of the statement (the
		// record's '}') is left for the caller's recovery.
		t := l.Peek()
		switch {
		case t.IsPunct('{'):
			l.Next()
			return l.SkipBlock()
		case t.Is("expiry") || t.Is("release") || t.Is("commit") || t.Is("or"):
		case t.Kind == conflex.EOF:
			l.Next()
			return l.EOFError(t, 0)
		default:
			return l.Errorf(t, "on: expected commit, expiry, release, or or '{', found %s", t.Describe())
		}
		l.Next()
	}
}

// nextInStatement is Next for the readers of a statement inside a lease
// record: a '}' is left unread, so that after an error the record is
// skipped up to that '}' and no further ("binding state active }").
func nextInStatement(l *conflex.Lexer) conflex.Token {
	if t := l.Peek(); t.IsPunct('}') {
		return t
	}
	return l.Next()
}

// expectSemiInRecord is expectSemi with nextInStatement.
func expectSemiInRecord(l *conflex.Lexer, what string) *conflex.Error {
	if t := nextInStatement(l); !t.IsPunct(';') {
		return l.Errorf(t, "%s: expected ';', found %s", what, t.Describe())
	}
	return nil
}

// expectWord reads the word w.
func expectWord(l *conflex.Lexer, w string) *conflex.Error {
	if t := nextInStatement(l); !t.Is(w) {
		return l.Errorf(t, "expected %q, found %s", w, t.Describe())
	}
	return nil
}

// readBindingState reads `state WORD;` after `binding` (or `next binding`,
// `rewind binding`); reserved reports the reserved flag the old word
// "reserved" sets.
func readBindingState(l *conflex.Lexer) (s binding.State, reserved bool, err *conflex.Error) {
	if st := nextInStatement(l); !st.Is("state") {
		return 0, false, l.Errorf(st, "expected \"binding state\", found %s", st.Describe())
	}
	w := nextInStatement(l)
	s, reserved, ok := parseBindingState(w)
	if !ok {
		return 0, false, l.Errorf(w, "unknown binding state %s", w.Describe())
	}
	return s, reserved, expectSemiInRecord(l, "binding state")
}

// readDate reads what follows a time keyword, up to and including ';':
// `W YYYY/MM/DD HH:MM:SS [OFFSET];` in UTC, `never;`, or `epoch N;`
// (common/parse.c:942-1163). Years from 2038 on read as never.
func readDate(l *conflex.Lexer) (uint32, *conflex.Error) {
	t := nextInStatement(l)
	switch {
	case t.Is("never"):
		return NeverTime, expectSemiInRecord(l, "date")
	case t.Is("epoch"):
		n := nextInStatement(l)
		v, ok := conflex.Atoi(n)
		if !ok {
			return 0, l.Errorf(n, "expected seconds after epoch, found %s", n.Describe())
		}
		if v > NeverTime {
			v = NeverTime
		}
		return uint32(v), expectSemiInRecord(l, "date")
	}
	if _, ok := conflex.Atoi(t); !ok {
		return 0, l.Errorf(t, "expected a date, found %s", t.Describe())
	}
	var f [6]int // year month day hour minute second
	seps := [6]byte{0, '/', '/', 0, ':', ':'}
	for i := range f {
		if seps[i] != 0 {
			if s := nextInStatement(l); !s.IsPunct(seps[i]) {
				return 0, l.Errorf(s, "malformed date: expected '%c', found %s", seps[i], s.Describe())
			}
		}
		n := nextInStatement(l)
		v, ok := conflex.Atoi(n)
		if !ok {
			return 0, l.Errorf(n, "malformed date: expected a number, found %s", n.Describe())
		}
		f[i] = v
	}
	offset := 0
	if n := l.Peek(); n.Kind == conflex.Word {
		// An optional time zone offset in seconds, added to the time as
		// dhcpd does (common/parse.c parse_date_core: "+ sec + tzoff").
		nextInStatement(l)
		neg := n.Text[0] == '-'
		txt := n
		if neg {
			txt.Text = txt.Text[1:]
		}
		v, ok := conflex.Atoi(txt)
		if !ok {
			return 0, l.Errorf(n, "malformed date: bad time zone offset %s", n.Describe())
		}
		if neg {
			v = -v
		}
		offset = v
	}
	if err := expectSemiInRecord(l, "date"); err != nil {
		return 0, err
	}
	year := f[0]
	if year < 1900 {
		year += 1900 // two-digit and "1xx" years count from 1900
	}
	if year >= 2038 {
		return NeverTime, nil
	}
	if f[1] < 1 || f[1] > 12 || f[2] < 1 || f[2] > 31 || f[3] > 23 || f[4] > 59 || f[5] > 60 {
		return 0, l.Errorf(t, "malformed date %d/%d/%d %d:%d:%d", f[0], f[1], f[2], f[3], f[4], f[5])
	}
	secs := daysFromCivil(year, f[1], f[2])*86400 + int64(f[3]*3600+f[4]*60+f[5]) + int64(offset)
	if secs < 0 {
		secs = 0
	}
	return uint32(secs), nil
}

// daysFromCivil is the number of days from 1970-01-01 to y-m-d (proleptic
// Gregorian; Howard Hinnant's algorithm), without time.Date's cost.
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}
