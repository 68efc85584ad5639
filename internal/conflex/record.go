package conflex

import "bytes"

// Records. The lease file is a list of top-level records, each started at
// the beginning of a line (a lease, a host, a failover state ...), and a
// damaged file may hold a record that never ends. A lexer can be confined to
// one record: BeginRecord makes the scanners see at most a given number of
// bytes of it, and a line that starts a new record ends it, whatever the
// record lacks. What starts a record is the caller's to say
// (SetRecordStart); the dhcpd.conf parser has no records. leasefile's
// leases_recover.go tells why dhcpd.leases can be read this way.

// SetRecordStart says what starts a record: a line whose first byte is the
// ASCII letter first, in either case (the cheap test the scanners make on
// every line), and for which starts, called with the whole input and the
// offset of the line's first byte, says yes. starts reports decided false
// when the input ends before it can tell.
func (l *Lexer) SetRecordStart(first byte, starts func(src []byte, i int) (yes, decided bool)) {
	l.recFirst, l.startsRecord = first|0x20, starts
}

// SetEndsRecord says that the end of the input is the start of a record:
// the input is a slice of a larger one, cut where a record starts.
func (l *Lexer) SetEndsRecord(ends bool) { l.endsRecord = ends }

// CutAtRecordStart is for a byte-level reader that stands at i, the first
// byte of a line, inside a record: it reports whether a new record starts
// there, and then ends the record's input at i, as the scanners do at every
// line.
func (l *Lexer) CutAtRecordStart(i int) bool { return l.lineStartsRecord(i) }

// cutAt is newLine's slow path: if a record starts at i, the record being
// read ends there.
func (l *Lexer) cutAt(i int) bool {
	if i <= l.recStart {
		return false
	}
	yes, decided := l.startsRecord(l.full, i)
	if !decided {
		l.undecided = true
		return false
	}
	if !yes {
		return false
	}
	if i < len(l.src) {
		l.src = l.src[:i]
	}
	l.cut, l.cutLine = true, l.line
	return true
}

// Space is what SkipSpace found.
type Space int

// Outcomes of SkipSpace.
const (
	SpaceToken Space = iota // at the first byte of a record
	SpaceEnd                // the input ends first
	SpaceLong               // a line of blanks or comment longer than the bound
)

// SkipSpace moves over the blanks, newlines and comments between records,
// without looking for record starts (the next token is one). With SpaceLong
// the lexer stands at the start of the line longer than limit.
func (l *Lexer) SkipSpace(limit int) Space {
	src, i, line := l.full, l.pos, l.line
	// dhcpd writes one newline between records.
	if i+1 < len(src) && src[i] == '\n' && classes[src[i+1]] == clsWord {
		l.pos, l.line = i+1, line+1
		return SpaceToken
	}
	lineStart := i
	result := SpaceEnd
scan:
	for i < len(src) {
		switch classes[src[i]] {
		case clsSpace:
			i++
		case clsNewline:
			i++
			line++
			lineStart = i
			continue
		case clsHash:
			if j := bytes.IndexByte(src[i:], '\n'); j >= 0 {
				i += j
			} else {
				i = len(src)
			}
		default:
			result = SpaceToken
			break scan
		}
		if i-lineStart > limit {
			l.pos, l.line = lineStart, line
			return SpaceLong
		}
	}
	if i-lineStart > limit {
		l.pos, l.line = lineStart, line
		return SpaceLong
	}
	l.pos, l.line = i, line
	return result
}

// BeginRecord starts a record at the lexer's position: the scanners see at
// most limit bytes of it, and a line that starts a new record ends it.
func (l *Lexer) BeginRecord(limit int) {
	l.inRecord, l.recStart, l.recLine = true, l.pos, l.line
	l.cut, l.undecided = false, false
	if l.err != nil {
		l.err = nil
	}
	// src is full here (EndRecord): pointers are written only when they change.
	if len(l.full)-l.pos > limit {
		l.src = l.full[:l.pos+limit]
	}
}

// Stop is where a record that did not finish stopped.
type Stop int

// Outcomes of RecordStop.
const (
	StopIncomplete Stop = iota // the input ended: wait for the rest
	StopCut                    // a new record starts before its end
	StopLong                   // it runs on past the bound
)

// RecordStop tells why a record that did not finish stopped.
func (l *Lexer) RecordStop() Stop {
	switch {
	case l.cut:
		return StopCut
	case len(l.src) < len(l.full):
		// The window ended: a record starting right after it cuts this
		// one (it is exactly limit bytes long); else it is too long, unless
		// a line start could not be told apart yet.
		i := len(l.src)
		if l.full[i-1] == '\n' && i > l.recStart {
			if l.cutAt(i) {
				return StopCut
			}
		}
		if l.undecided {
			return StopIncomplete
		}
		return StopLong
	case l.endsRecord && len(l.full) > l.recStart && l.full[len(l.full)-1] == '\n':
		// A slice ends where the next one starts, at a record.
		l.cut, l.cutLine = true, l.line
		return StopCut
	}
	return StopIncomplete
}

// EndRecord leaves the record: the input is whole again, and the lexer
// stands after the record when after is set (after the record's end, or
// where it was cut), else at the record's start, or where it was cut.
func (l *Lexer) EndRecord(after bool) {
	switch {
	case l.cut && !after:
		l.pos, l.line = len(l.src), l.cutLine
	case !after:
		l.pos, l.line = l.recStart, l.recLine
	case l.peeked:
		l.pos, l.line = l.peekStart, l.peekLine
	}
	l.peeked, l.inRecord = false, false
	if len(l.src) != len(l.full) {
		l.src = l.full
	}
}

// RecordLine is the line the current (or last) record started at.
func (l *Lexer) RecordLine() int { return l.recLine }

// CutLine is the line that cut the current (or last) record short.
func (l *Lexer) CutLine() int { return l.cutLine }
