package dhcpdconf

import "github.com/dhcpd-exporter/dhcpd_exporter/internal/conflex"

// Key declarations: `key NAME { algorithm ALG; secret BASE64; };`
// (common/parse.c parse_key, 2958-3090, and parse_base64, 1861-1995).
//
// The secret can shut dhcpd down through OMAPI, so no error raised while
// reading a key block quotes any token from inside the block: messages name
// the key (which stands before the '{') and the line, never what was found.
// (dhcpd itself is less careful: parse_base64 prints the rest of a bad
// secret.) Key.Secret prints as "<redacted>" (model.go).

// key parses a key declaration whose `key` token t was read. It may appear
// in any scope; dhcpd enters every key into one global table, where a
// later key replaces an earlier one of the same name (omapip/auth.c:73-119).
func (p *confParser) key(l *conflex.Lexer, t conflex.Token) *Error {
	name, err := readName(l, "key") // a string or a dotted name (parse.c:2972-2987)
	if err != nil {
		return err
	}
	if b := l.Next(); !b.IsPunct('{') {
		return l.Errorf(b, "key %q: expected '{' after the key name", name)
	}
	k := &Key{Name: name, Pos: Position{File: l.File(), Line: t.Line}}
	haveAlgorithm, haveSecret := false, false
	for {
		s := l.Next()
		switch {
		case s.IsPunct('}'):
			if !haveAlgorithm {
				return l.Errorf(t, "key %q: no algorithm", name)
			}
			if !haveSecret {
				return l.Errorf(t, "key %q: no secret", name)
			}
			// dhcpd allows BIND 8's ';' after the '}' (parse.c:3075-3081).
			if l.Peek().IsPunct(';') {
				l.Next()
			}
			p.cfg.Keys = append(p.cfg.Keys, k)
			return nil

		case s.Is("algorithm"):
			if haveAlgorithm {
				return l.Errorf(s, "key %q: too many algorithms", name)
			}
			alg, err := readName(l, "key algorithm")
			if err != nil {
				return l.Errorf(s, "key %q: expected an algorithm name", name)
			}
			if e := l.Next(); !e.IsPunct(';') {
				return l.Errorf(s, "key %q: expected ';' after the algorithm", name)
			}
			k.Algorithm, haveAlgorithm = alg, true

		case s.Is("secret"):
			if haveSecret {
				return l.Errorf(s, "key %q: too many secrets", name)
			}
			text, ok := readSecretText(l)
			if !ok {
				if err := l.Err(); err != nil {
					return err // an unterminated string; the message quotes nothing
				}
				return l.Errorf(s, "key %q: the secret is not followed by ';'", name)
			}
			secret, reason := decodeSecret(text)
			if reason != "" {
				return l.Errorf(s, "key %q: the secret is not valid base64 (%s)", name, reason)
			}
			k.Secret, haveSecret = secret, true

		case s.Kind == conflex.EOF:
			return endOfInput(l, s, "missing '}' of key "+quoteName(name))

		default:
			// parse_key stops at any other statement and wants the '}'.
			return l.Errorf(s, "key %q: unexpected statement in key block (only algorithm and secret are allowed)", name)
		}
	}
}

// readSecretText reads the value of `secret`, and the ';' after it. Like
// parse_base64 (parse.c:1888-1918) it takes the first token whatever it is,
// then every following token made only of base64 characters and '=', and
// glues them together: a bare secret is split into several tokens at '+',
// '/' and '=', and whitespace inside one does not end it either. A string
// counts with its decoded contents.
func readSecretText(l *conflex.Lexer) ([]byte, bool) {
	var text []byte
	appendToken := func(t conflex.Token) {
		if t.Kind == conflex.String {
			text = append(text, conflex.Unquote(t.Text)...)
		} else {
			text = append(text, t.Text...)
		}
	}
	first := l.Next()
	if first.Kind == conflex.EOF {
		return nil, false
	}
	appendToken(first)
	for {
		t := l.Peek()
		if t.Kind == conflex.EOF || !onlyBase64Text(t) {
			break
		}
		l.Next()
		appendToken(t)
	}
	return text, l.Next().IsPunct(';')
}

// onlyBase64Text reports whether a token's text holds nothing but base64
// characters and '=' (an empty string qualifies, as in parse_base64).
func onlyBase64Text(t conflex.Token) bool {
	text := t.Text
	if t.Kind == conflex.String {
		text = conflex.Unquote(text)
	}
	for _, c := range text {
		if c != '=' && base64Value(c) < 0 {
			return false
		}
	}
	return true
}

// decodeSecret decodes base64 exactly as parse_base64 does
// (parse.c:1929-1983): after a '=' only more '=' may follow; leftover bits
// are an error only when the length (counting '=') is not a multiple of
// four; an empty result is an error. The reason it returns never includes
// the text.
func decodeSecret(text []byte) (secret Secret, reason string) {
	var acc uint32
	k := 0
	terminated := false
	for _, c := range text {
		if terminated && c != '=' {
			return nil, "characters after the '=' padding"
		}
		if c == '=' {
			terminated = true
		} else {
			v := base64Value(c)
			if v < 0 {
				return nil, "a character outside the base64 alphabet"
			}
			acc = acc<<6 + uint32(v)
			switch k % 4 {
			case 1:
				secret = append(secret, byte(acc>>4))
				acc &= 0x0f
			case 2:
				secret = append(secret, byte(acc>>2))
				acc &= 0x03
			case 3:
				secret = append(secret, byte(acc))
				acc = 0
			}
		}
		k++
	}
	if k%4 != 0 && acc != 0 {
		return nil, "a partial value left over at the end"
	}
	if len(secret) == 0 {
		return nil, "it is empty"
	}
	return secret, ""
}

// base64Value is the value of a base64 character, or -1.
func base64Value(c byte) int {
	switch {
	case c >= 'A' && c <= 'Z':
		return int(c - 'A')
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 26
	case c >= '0' && c <= '9':
		return int(c-'0') + 52
	case c == '+':
		return 62
	case c == '/':
		return 63
	}
	return -1
}

// equalFoldKeyName reports whether two key names name the same key: dhcpd
// keeps keys in a hash that folds ASCII case (omapip/hash.c:534-553,
// tolower in the C locale), so only ASCII letters fold.
func equalFoldKeyName(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x >= 'A' && x <= 'Z' {
			x += 'a' - 'A'
		}
		if y >= 'A' && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// SameKeyName reports whether two key names name the same key for dhcpd,
// which looks keys up case-insensitively (ASCII only).
func SameKeyName(a, b string) bool { return equalFoldKeyName(a, b) }
