package dhcpdconf

import "github.com/dhcpd-exporter/dhcpd_exporter/internal/conflex"

// Skipping the statements the model does not need: options, hosts, classes,
// conditionals, v6 declarations, anything unknown. Skipping matches braces
// and semicolons token by token, so quoted strings and comments cannot
// confuse it. Key declarations inside skipped blocks are still read: dhcpd
// parses `key` as an executable statement (parse.c:2706-2712), so a key
// declared in a host, class or `if` block is as global as any other. Includes
// inside them are still read too, for their keys and for Config.Files.
//
// The errors here never quote a token: a skipped block may hold a key whose
// secret must not reach a log.

// skipStatement skips the rest of a statement whose first token t was read:
// up to its ';', or past its { ... } block and a ';' right after the '}'.
func (p *confParser) skipStatement(l *conflex.Lexer, t conflex.Token) *Error {
	for {
		switch {
		case t.Kind == conflex.EOF:
			return endOfInput(l, t, "missing ';'")
		case t.IsPunct(';'):
			return nil
		case t.IsPunct('}'):
			return l.Errorf(t, "missing ';' before '}'")
		case t.IsPunct('{'):
			if err := p.skipBody(l, t); err != nil {
				return err
			}
			if l.Peek().IsPunct(';') {
				l.Next()
			}
			return nil
		}
		t = l.Next()
	}
}

// skipBody skips the statements of a block whose '{' (open) was read, up
// to and including its '}'.
func (p *confParser) skipBody(l *conflex.Lexer, open conflex.Token) *Error {
	for {
		t := l.Next()
		switch {
		case t.Kind == conflex.EOF:
			return unclosed(l, open, t)
		case t.IsPunct('}'):
			return nil
		}
		if err := p.skipNested(l, t); err != nil {
			return err
		}
	}
}

// skipFile skips every statement of an included file read from a skipped
// block.
func (p *confParser) skipFile(l *conflex.Lexer) *Error {
	for {
		t := l.Next()
		switch {
		case t.Kind == conflex.EOF:
			return l.Err()
		case t.IsPunct('}'):
			return l.Errorf(t, "unexpected '}'")
		}
		if err := p.skipNested(l, t); err != nil {
			return err
		}
	}
}

// skipNested skips one statement inside a skipped block, reading it if it
// is a key declaration or an include.
func (p *confParser) skipNested(l *conflex.Lexer, t conflex.Token) *Error {
	switch {
	case t.IsPunct(';'):
		return nil
	case t.Is("key"):
		return p.skippedKey(l, t)
	case t.Is("include"):
		return p.include(l, t, nil, true)
	}
	return p.skipStatement(l, t)
}

// skippedKey handles `key` starting a statement in a skipped block: `key
// NAME { ... }` is a declaration, read as anywhere else; `key NAME;` is a
// reference (as in a zone block) and is skipped.
func (p *confParser) skippedKey(l *conflex.Lexer, t conflex.Token) *Error {
	if n := l.Peek(); n.Kind == conflex.Word || n.Kind == conflex.String {
		saved := *l
		_, err := readName(l, "key")
		declaration := err == nil && l.Peek().IsPunct('{')
		*l = saved
		if declaration {
			return p.key(l, t)
		}
	}
	return p.skipStatement(l, t)
}

// unclosed reports a block that the end of the file (eof) leaves open, at
// the line of its '{' (open): that is where a typo such as
// `max-lease-time 7200 oops {;` is, not at the end of the file.
func unclosed(l *conflex.Lexer, open, eof conflex.Token) *Error {
	if err := l.Err(); err != nil {
		return err
	}
	return l.Errorf(open, "unexpected end of file (line %d): the '{' on this line is never closed", eof.Line)
}

// endOfInput reports the end of the input where more was expected: an
// unterminated string if that is why, else what was missing.
func endOfInput(l *conflex.Lexer, t conflex.Token, missing string) *Error {
	if err := l.Err(); err != nil {
		return err
	}
	return l.Errorf(t, "unexpected end of file: %s", missing)
}
