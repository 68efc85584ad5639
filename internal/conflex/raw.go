package conflex

// Byte-level access for a parser's fast paths: the lease parser reads the
// canonical forms dhcpd writes (addresses, dates, binding states) straight
// from the bytes the lexer stands at, and leaves anything else to the
// tokens. These are small enough to be inlined into those loops.

// Bytes returns the input the scanners see (inside a record, the record's
// window) and the offset of the next byte. ok is false while a token is
// peeked: a fast path must then leave the input to the tokens.
func (l *Lexer) Bytes() (src []byte, pos int, ok bool) {
	if l.peeked {
		return nil, 0, false
	}
	return l.src, l.pos, true
}

// Advance moves the lexer to offset pos of Bytes' input, on the same line:
// what lies between holds no newline. No token may be peeked.
func (l *Lexer) Advance(pos int) { l.pos = pos }

// Seek moves the lexer to offset pos of its input, at line, and drops a
// peeked token.
func (l *Lexer) Seek(pos, line int) {
	l.pos, l.line, l.peeked = pos, line, false
}

// IsWordByte reports whether c continues a word (a letter, digit, '-' or
// '_').
func IsWordByte(c byte) bool { return classes[c] == clsWord }
