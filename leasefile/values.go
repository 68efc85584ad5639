package leasefile

import (
	"net/netip"
	"strconv"
	"strings"
)

// Value readers shared by both parsers. Each consumes exactly the tokens of
// the value; errors name the line and what was found.

// readIPv4 reads NUMBER . NUMBER . NUMBER . NUMBER (parse_numeric_aggregate
// with '.', base 10, 8 bits, four numbers).
func readIPv4(l *Lexer) (netip.Addr, *Error) {
	var b [4]byte
	for i := 0; i < 4; i++ {
		if i > 0 {
			if t := l.Next(); !t.IsPunct('.') {
				return netip.Addr{}, l.Errorf(t, "expected an IPv4 address, found %s", t.describe())
			}
		}
		t := l.Next()
		v, ok := atoiBytes(t)
		if !ok || v > 255 {
			return netip.Addr{}, l.Errorf(t, "expected an IPv4 address, found %s", t.describe())
		}
		b[i] = byte(v)
	}
	return netip.AddrFrom4(b), nil
}

// atoiBytes parses a decimal word without allocating.
func atoiBytes(t Token) (int, bool) {
	if t.Kind != Word || len(t.Text) == 0 || len(t.Text) > 10 {
		return 0, false
	}
	v := 0
	for _, c := range t.Text {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// readNumber reads a non-negative decimal number (dhcpd's NUMBER token read
// with atoi, as the failover peer statements do).
func readNumber(l *Lexer, what string) (int, *Error) {
	t := l.Next()
	v, ok := atoiBytes(t)
	if !ok {
		return 0, l.Errorf(t, "%s: expected a number, found %s", what, t.describe())
	}
	return v, nil
}

// readUint16 reads the value of an unsigned 16-bit option such as
// omapi-port (parse.c parse_option_token format 'S' and convert_num with
// base 0): decimal, 0x-prefixed hex, or octal with a leading 0.
func readUint16(l *Lexer, what string) (int, *Error) {
	t := l.Next()
	if t.Kind == Word {
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
	return 0, l.Errorf(t, "%s: expected a number from 0 to 65535, found %s", what, t.describe())
}

// readHexList reads hex octets separated by ':' (MACs, hba, uids).
func readHexList(l *Lexer) ([]byte, *Error) {
	var out []byte
	for {
		t := l.Next()
		if t.Kind != Word || len(t.Text) > 2 || !isHex(t.Text[0]) || (len(t.Text) == 2 && !isHex(t.Text[1])) {
			return nil, l.Errorf(t, "expected a hex octet, found %s", t.describe())
		}
		v := hexVal(t.Text[0])
		if len(t.Text) == 2 {
			v = v*16 + hexVal(t.Text[1])
		}
		out = append(out, byte(v))
		if !l.Peek().IsPunct(':') {
			return out, nil
		}
		l.Next()
	}
}

// readName reads dhcpd's NAME: a quoted string, or a dotted identifier
// ("omapi_key", key.example.com., dhcp-failover) as parse_host_name reads
// it: words joined by single dots, a trailing dot kept.
func readName(l *Lexer, what string) (string, *Error) {
	t := l.Next()
	switch t.Kind {
	case String:
		return string(Unquote(t.Text)), nil
	case Word:
		var b strings.Builder
		b.Write(t.Text)
		for l.Peek().IsPunct('.') {
			l.Next()
			b.WriteByte('.')
			n := l.Peek()
			if n.Kind != Word {
				break // "name." ends here, as parse_host_name stops
			}
			l.Next()
			b.Write(n.Text)
		}
		return b.String(), nil
	}
	return "", l.Errorf(t, "%s: expected a name, found %s", what, t.describe())
}

// readSingleName reads a name that dhcpd takes as one token, an identifier
// or a quoted string (failover peer and group names: confpars.c:913-923,
// 2988-2996), so "a.b" is not one.
func readSingleName(l *Lexer, what string) (string, *Error) {
	switch t := l.Next(); t.Kind {
	case String:
		return string(Unquote(t.Text)), nil
	case Word:
		return string(t.Text), nil
	default:
		return "", l.Errorf(t, "%s: expected a name, found %s", what, t.describe())
	}
}

// expectSemi consumes the ';' ending a statement.
func expectSemi(l *Lexer, what string) *Error {
	if t := l.Next(); !t.IsPunct(';') {
		return l.Errorf(t, "%s: expected ';', found %s", what, t.describe())
	}
	return nil
}

func itoa(v int) string { return strconv.Itoa(v) }
