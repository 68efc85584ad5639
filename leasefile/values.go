package leasefile

import (
	"net/netip"
	"strconv"
	"strings"
)

// Value readers shared by both parsers. Each consumes exactly the tokens of
// the value; errors name the line and what was found.

// readIPv4 reads NUMBER . NUMBER . NUMBER . NUMBER.
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

// readNumber reads a decimal number.
func readNumber(l *Lexer, what string) (int, *Error) {
	t := l.Next()
	v, ok := atoiBytes(t)
	if !ok {
		return 0, l.Errorf(t, "%s: expected a number, found %s", what, t.describe())
	}
	return v, nil
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

// readName reads a quoted string or a dotted identifier ("omapi_key",
// key.example.com., dhcp-failover), as dhcpd's parse_host_name does.
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
			if n := l.Peek(); n.Kind == Word {
				l.Next()
				b.Write(n.Text)
			}
		}
		return b.String(), nil
	}
	return "", l.Errorf(t, "%s: expected a name, found %s", what, t.describe())
}

// expectSemi consumes the ';' ending a statement.
func expectSemi(l *Lexer, what string) *Error {
	if t := l.Next(); !t.IsPunct(';') {
		return l.Errorf(t, "%s: expected ';', found %s", what, t.describe())
	}
	return nil
}

func itoa(v int) string { return strconv.Itoa(v) }
