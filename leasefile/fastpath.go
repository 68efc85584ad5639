package leasefile

import (
	"github.com/dhcpd-exporter/dhcpd_exporter/binding"

	"github.com/dhcpd-exporter/dhcpd_exporter/internal/conflex"
)

// Byte-level fast paths for the forms dhcpd writes into every lease record:
// "A.B.C.D" and "W YYYY/MM/DD HH:MM:SS;". Each either reads the canonical
// form entirely or consumes nothing, leaving the token reader to handle (and
// report) anything else. They are why a 400 MB file parses in well under a
// second. They read the bytes the lexer stands at (conflex.Lexer.Bytes) and
// move it past what they consumed (Advance, Seek); none runs while a token
// is peeked.

// skipBlanks moves over spaces and tabs (not newlines).
func skipBlanks(src []byte, i int) int {
	for i < len(src) && (src[i] == ' ' || src[i] == '\t') {
		i++
	}
	return i
}

// digits reads a run of at most max decimal digits.
func digits(src []byte, i, limit int) (v, next int, ok bool) {
	start := i
	for i < len(src) && i-start < limit && src[i] >= '0' && src[i] <= '9' {
		v = v*10 + int(src[i]-'0')
		i++
	}
	// A longer run, or a word that goes on with letters, is not ours.
	if i == start || (i < len(src) && conflex.IsWordByte(src[i])) {
		return 0, start, false
	}
	return v, i, true
}

// fastIPv4 reads a dotted quad at the current position.
func fastIPv4(l *conflex.Lexer) (uint32, bool) {
	src, i, ok := l.Bytes()
	if !ok {
		return 0, false
	}
	i = skipBlanks(src, i)
	var ip uint32
	for n := 0; n < 4; n++ {
		if n > 0 {
			if i >= len(src) || src[i] != '.' {
				return 0, false
			}
			i++
		}
		v, next, ok := digits(src, i, 3)
		if !ok || v > 255 {
			return 0, false
		}
		ip, i = ip<<8|uint32(v), next
	}
	l.Advance(i)
	return ip, true
}

// dateShape returns the canonical date "W YYYY/MM/DD HH:MM:SS;" (22 bytes,
// the fixed-width form dhcpd writes) at src[i:], or nil.
func dateShape(src []byte, i int) []byte {
	if len(src)-i < 22 {
		return nil
	}
	d := src[i : i+22 : i+22]
	if d[1] != ' ' || d[6] != '/' || d[9] != '/' || d[12] != ' ' || d[15] != ':' || d[18] != ':' || d[21] != ';' {
		return nil
	}
	for _, k := range [...]int{0, 2, 3, 4, 5, 7, 8, 10, 11, 13, 14, 16, 17, 19, 20} {
		if d[k] < '0' || d[k] > '9' {
			return nil
		}
	}
	return d
}

// fastDate reads a canonical date, with its ';'.
func fastDate(l *conflex.Lexer) (uint32, bool) {
	src, i, ok := l.Bytes()
	if !ok {
		return 0, false
	}
	i = skipBlanks(src, i)
	d := dateShape(src, i)
	if d == nil {
		return 0, false
	}
	n := func(k int) int { return int(d[k]-'0')*10 + int(d[k+1]-'0') }
	year, month, day := n(2)*100+n(4), n(7), n(10)
	hour, minute, second := n(13), n(16), n(19)
	if year < 1970 || year >= 2038 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60 {
		return 0, false
	}
	l.Advance(i + 22)
	return uint32(daysFromCivil(year, month, day)*86400 + int64(hour*3600+minute*60+second)), true
}

// skipFastDate skips a canonical date the parser does not need, with its ';'.
func skipFastDate(l *conflex.Lexer) bool {
	src, i, ok := l.Bytes()
	if !ok {
		return false
	}
	i = skipBlanks(src, i)
	if dateShape(src, i) == nil {
		return false
	}
	l.Advance(i + 22)
	return true
}

// Statement kinds statementStart tells apart.
const (
	stmtToken    = iota // not recognised: use the tokenizer
	stmtOther           // a lower-case statement the lease parser skips
	stmtEnds            // "ends", consumed
	stmtBinding         // "binding", consumed
	stmtNext            // "next", consumed
	stmtRewind          // "rewind", consumed
	stmtReserved        // "reserved", consumed
	stmtDate            // a time the parser does not need (starts, tstp, tsfp, atsfp, cltt), consumed
)

// fastLeaseKeyword reports whether the next record is a lease record, and
// if so consumes the "lease" keyword: the first word of almost every record.
func fastLeaseKeyword(l *conflex.Lexer) bool {
	src, i, ok := l.Bytes()
	if !ok {
		return false
	}
	line := l.Line()
	for i < len(src) {
		switch src[i] {
		case ' ', '\t', '\r':
			i++
			continue
		case '\n':
			line++
			i++
			continue
		}
		break
	}
	if !hasWord(src, i, "lease") {
		return false
	}
	l.Seek(i+5, line)
	return true
}

// statementStart moves over blanks, newlines and comments to the next
// statement of a lease record and classifies it by its first word.
func statementStart(l *conflex.Lexer) int {
	src, i, ok := l.Bytes()
	if !ok {
		return stmtToken
	}
	line := l.Line()
	for i < len(src) {
		switch c := src[i]; {
		case c == ' ' || c == '\t' || c == '\r':
			i++
		case c == '\n':
			// A line that starts a lease record is caught below, by its
			// first letter: a test here would slow down this loop.
			line++
			i++
		case c >= 'a' && c <= 'z':
			l.Seek(i, line)
			// Dispatch on the first letter: this runs for every line.
			switch c {
			case 'l':
				if lineStart(l, src, i) {
					return stmtToken // cut here: the tokenizer finds the end
				}
			case 'e':
				if hasWord(src, i, "ends") {
					l.Advance(i + 4)
					return stmtEnds
				}
			case 'b':
				if hasWord(src, i, "binding") {
					l.Advance(i + 7)
					return stmtBinding
				}
			case 'n':
				if hasWord(src, i, "next") {
					l.Advance(i + 4)
					return stmtNext
				}
			case 'r':
				if hasWord(src, i, "rewind") {
					l.Advance(i + 6)
					return stmtRewind
				}
				if hasWord(src, i, "reserved") {
					l.Advance(i + 8)
					return stmtReserved
				}
			case 's':
				if hasWord(src, i, "starts") {
					l.Advance(i + 6)
					return stmtDate
				}
			case 't':
				if hasWord(src, i, "tstp") || hasWord(src, i, "tsfp") {
					l.Advance(i + 4)
					return stmtDate
				}
			case 'c':
				if hasWord(src, i, "cltt") {
					l.Advance(i + 4)
					return stmtDate
				}
			case 'a':
				if hasWord(src, i, "atsfp") {
					l.Advance(i + 5)
					return stmtDate
				}
			}
			if parsedKeyword(src, i) {
				return stmtToken // not in dhcpd's lower case: the tokenizer reads it
			}
			return stmtOther
		default:
			l.Seek(i, line)
			if c == 'L' {
				lineStart(l, src, i)
			}
			return stmtToken
		}
	}
	l.Seek(i, line)
	return stmtToken
}

// lineStart does for statementStart, at a line's first letter, what the
// lexer's scanners do at every newline: it checks whether a lease record
// starts at src[i], i being the start of a line, and if so ends the record
// being read there.
func lineStart(l *conflex.Lexer, src []byte, i int) bool {
	return i > 0 && src[i-1] == '\n' && l.CutAtRecordStart(i)
}

// parsedKeyword reports whether the word at src[i:], which starts with a
// lower-case letter, is in any case a keyword the lease parser reads rather
// than skips: "eNDS" must not be skipped as an unknown statement. It runs
// only for lines the switch in statementStart did not take.
func parsedKeyword(src []byte, i int) bool {
	switch src[i] {
	case 'e':
		return hasWordFold(src, i, "ends")
	case 'b':
		return hasWordFold(src, i, "binding")
	case 'n':
		return hasWordFold(src, i, "next")
	case 'r':
		return hasWordFold(src, i, "rewind") || hasWordFold(src, i, "reserved")
	case 'a':
		return hasWordFold(src, i, "abandoned")
	case 'o':
		return hasWordFold(src, i, "on")
	}
	return false
}

// hasWordFold is hasWord comparing ASCII letters without regard to case,
// as dhcpd reads keywords (w is lower-case).
func hasWordFold(src []byte, i int, w string) bool {
	if len(src)-i < len(w) {
		return false
	}
	for k := 0; k < len(w); k++ {
		if c := src[i+k]; c != w[k] && c|0x20 != w[k] {
			return false
		}
	}
	return i+len(w) == len(src) || !conflex.IsWordByte(src[i+len(w)])
}

// hasWord reports whether the word at src[i:] is exactly w.
func hasWord(src []byte, i int, w string) bool {
	if len(src)-i < len(w) || string(src[i:i+len(w)]) != w {
		return false
	}
	return i+len(w) == len(src) || !conflex.IsWordByte(src[i+len(w)])
}

// fastBindingState reads " state WORD;" after "binding", or with
// afterNext " binding state WORD;" after "next" or "rewind". The old words
// "reserved" and "bootp" are left to the tokenizer.
func fastBindingState(l *conflex.Lexer, afterNext bool) (binding.State, bool) {
	src, i, ok := l.Bytes()
	if !ok {
		return 0, false
	}
	i = skipBlanks(src, i)
	if afterNext {
		if !hasWord(src, i, "binding") {
			return 0, false
		}
		i = skipBlanks(src, i+7)
	}
	if !hasWord(src, i, "state") {
		return 0, false
	}
	i = skipBlanks(src, i+5)
	start := i
	for i < len(src) && src[i] >= 'a' && src[i] <= 'z' {
		i++
	}
	if i >= len(src) || src[i] != ';' {
		return 0, false
	}
	var s binding.State
	switch string(src[start:i]) {
	case "active":
		s = binding.Active
	case "free":
		s = binding.Free
	case "backup":
		s = binding.Backup
	case "expired":
		s = binding.Expired
	case "released":
		s = binding.Released
	case "abandoned":
		s = binding.Abandoned
	case "reset":
		s = binding.Reset
	default:
		return 0, false
	}
	l.Advance(i + 1)
	return s, true
}

// fastOpenBrace consumes " {" on the same line.
func fastOpenBrace(l *conflex.Lexer) bool {
	src, i, ok := l.Bytes()
	if !ok {
		return false
	}
	i = skipBlanks(src, i)
	if i < len(src) && src[i] == '{' {
		l.Advance(i + 1)
		return true
	}
	return false
}
