package leasefile

import (
	"bytes"
	"fmt"
)

// Recovery from a damaged lease file (docs/lease-states.md, "Damaged lease
// files"). dhcpd writes every top-level record from the start of a line and
// indents everything inside it (server/db.c:115-285 leases, 318-505 hosts
// and groups, 570-692 ia-na/ia-ta/ia-pd, 776-805 failover states, 887-961
// classes), and never a raw newline inside a string: quotify_string writes
// unprintable bytes as \ooo (common/print.c:33-69). So a line that starts
// with "lease" and an address, inside a record, means that the record was
// cut off (dhcpd died while writing it, the disk filled up, a copy was cut
// short) and that the next record was written after it. Such a record is
// malformed, and reading goes on with the new record.
//
// What dhcpd counts as a record does not change: a lease record is never
// valid inside another record. parse_lease_declaration takes "lease" for an
// unknown statement and drops the record (server/confpars.c:3626-3642, then
// "possibly corrupt lease file", server/confpars.c:284-286); parse_statement,
// which reads what host and group records hold, has no case for it
// (server/confpars.c:356-885); a class record wants "limit" after it
// (server/confpars.c:2525-2533). dhcpd's own recovery then skips to the next
// ';' (common/parse.c:98-137), over the next record's block as well: it
// loses the record after the broken one, which the exporter keeps (it is
// what dhcpd held in memory when it wrote it). The one text read otherwise
// than by dhcpd is a quoted string with a raw newline followed by such a
// line, which only a hand-made file holds.
//
// A record that starts on the line where the broken one was cut, with no
// newline between them, is part of that line and lost with it: a "lease"
// in the middle of a line may be inside a string a client chose (a host
// name, a vendor class), and must not start a record.

// MaxRecordBytes bounds a record: one that does not end within this many
// bytes of its first byte, or a line outside any record (blanks or a
// comment) that runs on longer, is malformed, and reading skips to the next
// line that starts a lease record. dhcpd's own records are far smaller: its
// strings stop at 1500 bytes (includes/dhcpd.h:324, common/conflex.c:521-
// 615), and a lease record holds a few dozen statements. So the reader never
// buffers more than MaxRecordBytes plus one read, whatever the file holds,
// and an unfinished record at the end of the file, read again at each
// update until its end is written, costs at most this much.
const MaxRecordBytes = 1 << 20

// maxRecordBlanks bounds the blanks between "lease" and the address in a
// line that starts a record: dhcpd writes one.
const maxRecordBlanks = 64

// startsLeaseRecord reports whether the line at src[i:] starts a lease
// record: "lease", in any case (dhcpd's keywords are), one to
// maxRecordBlanks blanks, and a digit. decided is false when src ends
// before that can be told.
func startsLeaseRecord(src []byte, i int) (yes, decided bool) {
	const kw = "lease"
	for k := 0; k < len(kw); k++ {
		if i+k >= len(src) {
			return false, false
		}
		if src[i+k]|0x20 != kw[k] {
			return false, true
		}
	}
	j := i + len(kw)
	for n := 0; ; n++ {
		if j >= len(src) {
			return false, false
		}
		if c := src[j]; c != ' ' && c != '\t' {
			return n > 0 && c >= '0' && c <= '9', true
		}
		if n == maxRecordBlanks {
			return false, true
		}
		j++
	}
}

// cutAt is newLine's slow path: if a lease record starts at i, the record
// being read ends there.
func (l *Lexer) cutAt(i int) bool {
	if i <= l.recStart {
		return false
	}
	yes, decided := startsLeaseRecord(l.full, i)
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

// Outcomes of skipSpace.
const (
	spaceToken = iota // at the first byte of a record
	spaceEnd          // the input ends first
	spaceLong         // a line of blanks or comment longer than the bound
)

// skipSpace moves over the blanks, newlines and comments between records
// of full, without looking for record starts (the next token is one). With
// spaceLong the lexer stands at the start of the long line.
func (l *Lexer) skipSpace(limit int) int {
	src, i, line := l.full, l.pos, l.line
	// dhcpd writes one newline between records.
	if i+1 < len(src) && src[i] == '\n' && classes[src[i+1]] == clsWord {
		l.pos, l.line = i+1, line+1
		return spaceToken
	}
	lineStart := i
	result := spaceEnd
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
			result = spaceToken
			break scan
		}
		if i-lineStart > limit {
			l.pos, l.line = lineStart, line
			return spaceLong
		}
	}
	if i-lineStart > limit {
		l.pos, l.line = lineStart, line
		return spaceLong
	}
	l.pos, l.line = i, line
	return result
}

// beginRecord starts a record at the lexer's position: the scanners see at
// most max bytes of it, and a line that starts a new lease record ends it.
func (l *Lexer) beginRecord(limit int) {
	l.inRecord, l.recStart, l.recLine = true, l.pos, l.line
	l.cut, l.undecided = false, false
	if l.err != nil {
		l.err = nil
	}
	// src is full here (endRecord): pointers are written only when they change.
	if len(l.full)-l.pos > limit {
		l.src = l.full[:l.pos+limit]
	}
}

// Where a record that did not finish stopped (endRecord).
const (
	stopIncomplete = iota // the input ended: wait for the rest
	stopCut               // a new record starts before its end
	stopLong              // it runs on past the bound
)

// recordStop tells why a record that did not finish stopped.
func (l *Lexer) recordStop() int {
	switch {
	case l.cut:
		return stopCut
	case len(l.src) < len(l.full):
		// The window ended: a record starting right after it cuts this
		// one (it is exactly max bytes long); else it is too long, unless a
		// line start could not be told apart yet.
		i := len(l.src)
		if l.full[i-1] == '\n' && i > l.recStart {
			if l.cutAt(i) {
				return stopCut
			}
		}
		if l.undecided {
			return stopIncomplete
		}
		return stopLong
	case l.endsRecord && len(l.full) > l.recStart && l.full[len(l.full)-1] == '\n':
		// A parallel slice ends where the next one starts, at a record.
		l.cut, l.cutLine = true, l.line
		return stopCut
	}
	return stopIncomplete
}

// endRecord leaves the record: the input is whole again, and the lexer
// stands at stop, after the record (after, the record's end or the point
// where it was cut; else its start).
func (l *Lexer) endRecord(after bool) {
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

// seek moves the lexer to offset pos of its input, at line.
func (l *Lexer) seek(pos, line int) {
	l.pos, l.line, l.peeked = pos, line, false
}

// nextRecordStart finds the first line after src[from] that starts a lease
// record, for skipping a malformed record too long to read. If there is
// none, next is how far src can be dropped: a last line that may still
// turn out to start a record stays, with the newline before it. endsRecord
// says that the end of src is a record start.
func nextRecordStart(src []byte, from int, endsRecord bool) (next int, found bool) {
	i := from
	for {
		j := bytes.IndexByte(src[i:], '\n')
		if j < 0 {
			return len(src), false // inside a line: no record starts before its end
		}
		p := i + j + 1
		if p == len(src) {
			if endsRecord {
				return p, true
			}
			return p - 1, false
		}
		yes, decided := startsLeaseRecord(src, p)
		switch {
		case !decided:
			return p - 1, false
		case yes:
			return p, true
		}
		i = p
	}
}

// cutError is the error of a record cut off by the next one.
func (l *Lexer) cutError(what string) *Error {
	return &Error{Pos: Position{l.file, l.recLine}, Msg: fmt.Sprintf("%s is cut off: line %d starts a new lease record before its end", what, l.cutLine)}
}

// longError is the error of a record longer than the bound.
func (l *Lexer) longError(what string, limit int) *Error {
	return &Error{Pos: Position{l.file, l.recLine}, Msg: fmt.Sprintf("%s does not end within %d bytes: skipped up to the next line that starts a lease record", what, limit)}
}
