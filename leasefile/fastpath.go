package leasefile

// Byte-level fast paths for the forms dhcpd writes into every lease record:
// "A.B.C.D" and "W YYYY/MM/DD HH:MM:SS;". Each either reads the canonical
// form entirely or consumes nothing, leaving the token reader to handle (and
// report) anything else. They are why a 400 MB file parses in well under a
// second.

// skipBlanks moves over spaces and tabs (not newlines).
func skipBlanks(src []byte, i int) int {
	for i < len(src) && (src[i] == ' ' || src[i] == '\t') {
		i++
	}
	return i
}

// digits reads a run of at most max decimal digits.
func digits(src []byte, i, max int) (v, next int, ok bool) {
	start := i
	for i < len(src) && i-start < max && src[i] >= '0' && src[i] <= '9' {
		v = v*10 + int(src[i]-'0')
		i++
	}
	// A longer run, or a word that goes on with letters, is not ours.
	if i == start || (i < len(src) && classes[src[i]] == clsWord) {
		return 0, start, false
	}
	return v, i, true
}

// fastIPv4 reads a dotted quad at the current position.
func (l *Lexer) fastIPv4() (uint32, bool) {
	if l.peeked {
		return 0, false
	}
	src := l.src
	i := skipBlanks(src, l.pos)
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
	l.pos = i
	return ip, true
}

// fastDate reads "W YYYY/MM/DD HH:MM:SS;" (with the ';').
func (l *Lexer) fastDate() (uint32, bool) {
	if l.peeked {
		return 0, false
	}
	src := l.src
	i := skipBlanks(src, l.pos)
	var f [7]int // weekday year month day hour minute second
	seps := [7]byte{0, ' ', '/', '/', ' ', ':', ':'}
	widths := [7]int{1, 4, 2, 2, 2, 2, 2}
	for n := range f {
		if n > 0 {
			if i >= len(src) || src[i] != seps[n] {
				return 0, false
			}
			i++
		}
		v, next, ok := digits(src, i, widths[n])
		if !ok {
			return 0, false
		}
		f[n], i = v, next
	}
	if i >= len(src) || src[i] != ';' || f[1] < 1970 || f[1] >= 2038 ||
		f[2] < 1 || f[2] > 12 || f[3] < 1 || f[3] > 31 || f[4] > 23 || f[5] > 59 || f[6] > 60 {
		return 0, false
	}
	l.pos = i + 1
	return uint32(daysFromCivil(f[1], f[2], f[3])*86400 + int64(f[4]*3600+f[5]*60+f[6])), true
}

// Statement kinds statementStart tells apart.
const (
	stmtToken   = iota // not recognised: use the tokenizer
	stmtOther          // a lower-case statement the lease parser skips
	stmtEnds           // "ends", consumed
	stmtBinding        // "binding", consumed
)

// statementStart moves over blanks, newlines and comments to the next
// statement of a lease record and classifies it by its first word.
func (l *Lexer) statementStart() int {
	if l.peeked {
		return stmtToken
	}
	src, i := l.src, l.pos
	for i < len(src) {
		switch c := src[i]; {
		case c == ' ' || c == '\t' || c == '\r':
			i++
		case c == '\n':
			l.line++
			i++
		case c >= 'a' && c <= 'z':
			l.pos = i
			switch {
			case hasWord(src, i, "ends"):
				l.pos = i + 4
				return stmtEnds
			case hasWord(src, i, "binding"):
				l.pos = i + 7
				return stmtBinding
			case c == 'a' && hasWord(src, i, "abandoned"):
				return stmtToken
			}
			return stmtOther
		default:
			l.pos = i
			return stmtToken
		}
	}
	l.pos = i
	return stmtToken
}

// hasWord reports whether the word at src[i:] is exactly w.
func hasWord(src []byte, i int, w string) bool {
	if len(src)-i < len(w) || string(src[i:i+len(w)]) != w {
		return false
	}
	return i+len(w) == len(src) || classes[src[i+len(w)]] != clsWord
}

// fastBindingState reads " state WORD;" after "binding".
func (l *Lexer) fastBindingState() (BindingState, bool) {
	src := l.src
	i := skipBlanks(src, l.pos)
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
	var s BindingState
	switch string(src[start:i]) {
	case "active":
		s = StateActive
	case "free":
		s = StateFree
	case "backup":
		s = StateBackup
	case "expired":
		s = StateExpired
	case "released":
		s = StateReleased
	case "abandoned":
		s = StateAbandoned
	case "reset":
		s = StateReset
	default:
		return 0, false
	}
	l.pos = i + 1
	return s, true
}
