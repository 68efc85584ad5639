package leasefile

import (
	"encoding/base64"
	"strings"
)

// key parses `key NAME { algorithm ALG; secret BASE64; }` (common/parse.c
// parse_key). Errors from inside the block never quote its tokens: the
// secret can shut dhcpd down.
func (p *confParser) key(l *Lexer, t Token) *Error {
	name, err := readName(l, "key")
	if err != nil {
		return err
	}
	if b := l.Next(); !b.IsPunct('{') {
		return l.Errorf(b, "key %q: expected '{'", name)
	}
	k := &Key{Name: name, Pos: Position{l.File(), t.Line}}
	var secret strings.Builder
	haveSecret := false
	for {
		s := l.Next()
		switch {
		case s.IsPunct('}'):
			if k.Algorithm == "" {
				return l.Errorf(t, "key %q: no algorithm", name)
			}
			if !haveSecret {
				return l.Errorf(t, "key %q: no secret", name)
			}
			raw, ok := decodeBase64(secret.String())
			if !ok {
				return l.Errorf(t, "key %q: the secret is not valid base64", name)
			}
			k.Secret = raw
			if l.Peek().IsPunct(';') {
				l.Next()
			}
			p.cfg.Keys = append(p.cfg.Keys, k)
			return nil
		case s.Is("algorithm"):
			alg, err := readName(l, "key algorithm")
			if err != nil {
				return l.Errorf(s, "key %q: expected an algorithm name", name)
			}
			k.Algorithm = alg
			if e := l.Next(); !e.IsPunct(';') {
				return l.Errorf(e, "key %q: expected ';' after the algorithm", name)
			}
		case s.Is("secret"):
			// A bare base64 secret is split by the lexer at '+', '/' and
			// '='; glue the pieces back together (parse.c:1861-1950).
			haveSecret = true
			for {
				v := l.Next()
				if v.IsPunct(';') {
					break
				}
				if v.Kind == EOF || v.IsPunct('{') || v.IsPunct('}') {
					return l.Errorf(v, "key %q: unterminated secret", name)
				}
				if v.Kind == String {
					secret.Write(Unquote(v.Text))
				} else {
					secret.Write(v.Text)
				}
			}
		case s.Kind == EOF:
			return l.Errorf(s, "key %q: unexpected end of file", name)
		default:
			return l.Errorf(s, "key %q: unexpected statement in key block", name)
		}
	}
}

func decodeBase64(s string) ([]byte, bool) {
	if s == "" {
		return nil, false
	}
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return b, true
	}
	b, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
	return b, err == nil
}
