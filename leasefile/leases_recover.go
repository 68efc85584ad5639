package leasefile

import (
	"bytes"
	"fmt"

	"github.com/dhcpd-exporter/dhcpd_exporter/internal/conflex"
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

// newLexer returns a lexer for dhcpd.leases text: a line that starts a
// lease record ends the record being read.
func newLexer(name string) *conflex.Lexer {
	l := conflex.NewLexer(name, nil)
	l.SetRecordStart('l', startsLeaseRecord)
	return l
}

// startsLeaseRecord reports whether the line at src[i:] starts a lease
// record: "lease", in any case (dhcpd's keywords are), one to
// maxRecordBlanks blanks, and a digit. decided is false when src ends
// before that can be told. It is what confines the lexer to one record
// (conflex.Lexer.SetRecordStart, newLexer).
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
func cutError(l *conflex.Lexer, what string) *conflex.Error {
	return &conflex.Error{Pos: conflex.Position{File: l.File(), Line: l.RecordLine()}, Msg: fmt.Sprintf("%s is cut off: line %d starts a new lease record before its end", what, l.CutLine())}
}

// longError is the error of a record longer than the bound.
func longError(l *conflex.Lexer, what string, limit int) *conflex.Error {
	return &conflex.Error{Pos: conflex.Position{File: l.File(), Line: l.RecordLine()}, Msg: fmt.Sprintf("%s does not end within %d bytes: skipped up to the next line that starts a lease record", what, limit)}
}
