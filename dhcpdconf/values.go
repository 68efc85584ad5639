package dhcpdconf

import (
	"math"
	"strconv"
	"strings"

	"github.com/dhcpd-exporter/dhcpd_exporter/internal/conflex"
)

// Value readers of the dhcpd.conf parser (common/parse.c). Each consumes
// exactly the tokens of the value; errors name the line and what was found.
// conflex.ReadIPv4 reads addresses.

// readNumber reads dhcpd's NUMBER token, decimal digits after an optional
// '-' (conflex.c read_number), and converts it as the failover peer
// statements do, with atoi (confpars.c:1014-1077). dhcpd takes `mclt -5;`
// or `port -7;` without complaint, so they are read here too; callers turn
// the C int into the field's C type (cFieldValue).
func readNumber(l *conflex.Lexer, what string) (int32, *Error) {
	t := l.Next()
	if !isNumberToken(t) {
		return 0, l.Errorf(t, "%s: expected a number, found %s", what, t.Describe())
	}
	return cAtoi(t.Text), nil
}

// isNumberToken reports whether t is dhcpd's NUMBER: a word of digits,
// possibly after a '-' (a lone "-" included: conflex.c:680-684 means to
// return MINUS for it but tests the byte after the token).
func isNumberToken(t conflex.Token) bool {
	if t.Kind != conflex.Word {
		return false
	}
	text := t.Text
	if text[0] == '-' {
		text = text[1:]
	}
	for _, c := range text {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// cAtoi is glibc's atoi on a NUMBER token: strtol, which clamps to the
// 64-bit long range, then truncated to a 32-bit int. So "4294967296" is 0
// (and dhcpd then finds no mclt) and "-5" stays -5.
func cAtoi(text []byte) int32 {
	neg := len(text) > 0 && text[0] == '-'
	if neg {
		text = text[1:]
	}
	const limit = uint64(1) << 63 // |LONG_MIN|; beyond it strtol clamps
	var mag uint64
	for _, c := range text {
		if mag > limit/10 {
			mag = limit
			break
		}
		mag = min(mag*10+uint64(c-'0'), limit)
	}
	var v int64
	switch {
	case neg:
		v = int64(-mag) // mag == 1<<63 gives LONG_MIN
	case mag == limit:
		v = math.MaxInt64
	default:
		v = int64(mag)
	}
	return int32(v)
}

// readUint16 reads the value of an unsigned 16-bit option such as
// omapi-port (parse.c parse_option_token format 'S' and convert_num with
// base 0): decimal, 0x-prefixed hex, or octal with a leading 0.
func readUint16(l *conflex.Lexer, what string) (int, *Error) {
	t := l.Next()
	if t.Kind == conflex.Word {
		s, base := string(t.Text), 10
		switch {
		case len(s) > 2 && s[0] == '0' && s[1] == 'x':
			s, base = s[2:], 16
		case len(s) > 1 && s[0] == '0':
			s, base = s[1:], 8
		}
		if v, err := strconv.ParseUint(s, base, 16); err == nil {
			return int(v), nil
		}
	}
	return 0, l.Errorf(t, "%s: expected a number from 0 to 65535, found %s", what, t.Describe())
}

// readHexList reads hex numbers separated by ':' as the failover peer's
// hba (parse_numeric_aggregate with base 16 and 8-bit numbers,
// parse.c:701-800, convert_num 805-900): each a word of hex digits whose
// value, accumulated in a 32-bit unsigned int as convert_num does, is at
// most 255, so "0ff" is an octet too.
func readHexList(l *conflex.Lexer) ([]byte, *Error) {
	var out []byte
	for {
		t := l.Next()
		v, ok := hexOctet(t)
		if !ok {
			return nil, l.Errorf(t, "expected a hex octet, found %s", t.Describe())
		}
		out = append(out, v)
		if !l.Peek().IsPunct(':') {
			return out, nil
		}
		l.Next()
	}
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c|0x20 >= 'a' && c|0x20 <= 'f')
}

func hexVal(c byte) int {
	if c <= '9' {
		return int(c - '0')
	}
	return int(c|0x20-'a') + 10
}

func hexOctet(t conflex.Token) (byte, bool) {
	if t.Kind != conflex.Word {
		return 0, false
	}
	var v uint32
	for _, c := range t.Text {
		if !isHex(c) {
			return 0, false
		}
		v = v*16 + uint32(hexVal(c))
	}
	return byte(v), v <= 255
}

// readName reads dhcpd's NAME: a quoted string, or a dotted identifier
// ("omapi_key", key.example.com., dhcp-failover) as parse_host_name reads
// it: words joined by single dots, a trailing dot kept.
func readName(l *conflex.Lexer, what string) (string, *Error) {
	t := l.Next()
	switch t.Kind {
	case conflex.String:
		return string(conflex.Unquote(t.Text)), nil
	case conflex.Word:
		var b strings.Builder
		b.Write(t.Text)
		for l.Peek().IsPunct('.') {
			l.Next()
			b.WriteByte('.')
			n := l.Peek()
			if n.Kind != conflex.Word {
				break // "name." ends here, as parse_host_name stops
			}
			l.Next()
			b.Write(n.Text)
		}
		return b.String(), nil
	}
	return "", l.Errorf(t, "%s: expected a name, found %s", what, t.Describe())
}

// readSingleName reads a name that dhcpd takes as one token, an identifier
// or a quoted string (failover peer and group names: confpars.c:913-923,
// 2988-2996), so "a.b" is not one.
func readSingleName(l *conflex.Lexer, what string) (string, *Error) {
	switch t := l.Next(); t.Kind {
	case conflex.String:
		return string(conflex.Unquote(t.Text)), nil
	case conflex.Word:
		return string(t.Text), nil
	default:
		return "", l.Errorf(t, "%s: expected a name, found %s", what, t.Describe())
	}
}

// expectSemi consumes the ';' ending a statement.
func expectSemi(l *conflex.Lexer, what string) *Error {
	if t := l.Next(); !t.IsPunct(';') {
		return l.Errorf(t, "%s: expected ';', found %s", what, t.Describe())
	}
	return nil
}
