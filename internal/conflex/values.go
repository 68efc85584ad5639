package conflex

import "net/netip"

// Values both parsers read (common/parse.c). Each consumes exactly the
// tokens of the value; errors name the line and what was found.

// ReadIPv4 reads NUMBER . NUMBER . NUMBER . NUMBER (parse_numeric_aggregate
// with '.', base 10, 8 bits, four numbers).
func ReadIPv4(l *Lexer) (netip.Addr, *Error) {
	var b [4]byte
	for i := 0; i < 4; i++ {
		if i > 0 {
			if t := l.Next(); !t.IsPunct('.') {
				return netip.Addr{}, l.Errorf(t, "expected an IPv4 address, found %s", t.Describe())
			}
		}
		t := l.Next()
		v, ok := Atoi(t)
		if !ok || v > 255 {
			return netip.Addr{}, l.Errorf(t, "expected an IPv4 address, found %s", t.Describe())
		}
		b[i] = byte(v)
	}
	return netip.AddrFrom4(b), nil
}

// Atoi parses a word of at most 10 decimal digits without allocating.
func Atoi(t Token) (int, bool) {
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
