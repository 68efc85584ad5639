// Package conflex is the one lexer of the dhcpd.conf parser (dhcpdconf) and
// the dhcpd.leases parser (leasefile). dhcpd reads both files with the same
// lexer, common/conflex.c, whose name this package takes, and this one
// follows its rules (get_raw_token, read_string, read_number,
// read_num_or_name: common/conflex.c:261-720):
//
//   - '#' starts a comment that runs to the end of the line (not inside a
//     quoted string);
//   - '"' starts a string that ends at the next unescaped '"' and may span
//     lines; Unquote decodes its escapes;
//   - a digit, '-' or an ASCII letter starts a word that goes on over
//     letters, digits, '-' and '_' (dhcpd's NUMBER, NUMBER_OR_NAME, NAME and
//     keywords; '_' may not start one: conflex.c sends it to the
//     one-character case);
//   - space, tab, CR, VT, FF and newline separate tokens;
//   - every other byte is a one-character token: { } ; , . : = / % ...
//
// So an IPv4 address arrives as WORD . WORD . WORD . WORD and a MAC as hex
// words separated by ':'; ReadIPv4 reads the first, and the parsers read the
// values only they need. Keywords are compared case-insensitively, as
// conflex.c's intern() does (Token.Is).
//
// The lexer works on a byte slice and never copies: token texts point into
// the input, and only decoding a string with escapes allocates. It is fast
// enough for 400 MB lease files. Their hot paths scan bytes: SkipStatement
// here, and the lease parser's own fast paths, which read the bytes the
// lexer stands at (Bytes, Advance, Seek) and leave anything else to the
// tokens. A lexer can also be confined to one record of the lease file
// (record.go), so that a damaged record cannot run into the next one.
//
// It uses only the standard library.
package conflex

import (
	"bytes"
	"fmt"
)

// Kind is a token's lexical class (common/conflex.c get_raw_token).
type Kind uint8

const (
	EOF    Kind = iota
	Word        // a run of letters, digits, '-' and '_' not starting with '_' (dhcpd's NUMBER, NAME and keywords)
	String      // a quoted string; Text holds the raw bytes between the quotes
	Punct       // any other single character: { } ; , . : = / % ...
)

func (k Kind) String() string {
	return [...]string{"end of file", "word", "string", "punctuation"}[k]
}

// Token is one lexical token. Text points into the input: it is valid as
// long as the input is, and must be copied to be kept.
type Token struct {
	Kind Kind
	Text []byte
	Line int
}

// Is reports whether the token is the word kw (lower-case ASCII), compared
// case-insensitively as dhcpd compares keywords.
func (t Token) Is(kw string) bool {
	if t.Kind != Word || len(t.Text) != len(kw) {
		return false
	}
	for i := 0; i < len(kw); i++ {
		if c := t.Text[i]; c != kw[i] && c|0x20 != kw[i] {
			return false
		}
	}
	return true
}

// IsPunct reports whether the token is the punctuation c.
func (t Token) IsPunct(c byte) bool { return t.Kind == Punct && t.Text[0] == c }

// maxDescribe bounds the token text quoted in an error message: a token
// may be megabytes of garbage, and the last error is kept.
const maxDescribe = 40

// Describe names a token for error messages: its text, quoted and cut
// short, or its kind.
func (t Token) Describe() string {
	switch t.Kind {
	case EOF:
		return "end of file"
	case String:
		return "a string"
	}
	if len(t.Text) > maxDescribe {
		return fmt.Sprintf("%q... (%d bytes)", t.Text[:maxDescribe], len(t.Text))
	}
	return fmt.Sprintf("%q", t.Text)
}

// byte classes for the scanner.
const (
	clsOther = iota
	clsSpace
	clsWord
	clsQuote
	clsHash
	clsNewline
)

var classes = func() (c [256]uint8) {
	for _, b := range []byte(" \t\r\v\f") {
		c[b] = clsSpace
	}
	c['\n'] = clsNewline
	for b := 'a'; b <= 'z'; b++ {
		c[b], c[b-32] = clsWord, clsWord
	}
	for b := '0'; b <= '9'; b++ {
		c[b] = clsWord
	}
	c['-'], c['_'] = clsWord, clsWord
	c['"'], c['#'] = clsQuote, clsHash
	return c
}()

// Lexer splits dhcpd.conf or dhcpd.leases text into tokens, following
// dhcpd's lexical rules (see the package comment). It works on a byte slice
// without copying and counts lines.
type Lexer struct {
	file string
	src  []byte // the input the scanners see: full, or a window on it
	pos  int
	line int

	peeked    bool
	peekStart int
	peekLine  int
	tok       Token
	err       *Error // unterminated string

	// While a record is read (inRecord, record.go), src is a window on
	// full that ends a bounded number of bytes after the record's start,
	// and a line that starts a new record ends it: the scanners cut src
	// there (cut, cutLine), so that whatever the record lacks, it cannot
	// run into the next one. recFirst and startsRecord tell a record start
	// (SetRecordStart); a lexer without them has no records.
	full         []byte
	recFirst     byte // the lower-case letter every record start begins with; 0: no records
	startsRecord func(src []byte, i int) (yes, decided bool)
	inRecord     bool
	recStart     int  // offset of the record's first byte
	recLine      int  // its line
	cut          bool // src ends where a new record starts
	cutLine      int
	undecided    bool // a line start could not be told apart: full ended too soon
	endsRecord   bool // the end of full is the start of a record (SetEndsRecord)
}

// NewLexer returns a lexer over src; file names the source in errors.
func NewLexer(file string, src []byte) *Lexer {
	return &Lexer{file: file, src: src, full: src, line: 1}
}

// Reset points the lexer at another part of the same kind of input,
// starting at line. The record start (SetRecordStart) stays.
func (l *Lexer) Reset(src []byte, line int) {
	*l = Lexer{file: l.file, src: src, full: src, line: line, recFirst: l.recFirst, startsRecord: l.startsRecord}
}

// newLine is called by the scanners just after a newline, with i the
// offset of the line's first byte and src their copy of l.src. Inside a
// record it reports whether a new record starts there, and then cuts the
// input short at i. Lines inside a record of dhcpd.leases are indented, so
// this costs one byte comparison per line. (A line starting right at the
// end of src is looked at by RecordStop; the lease parser's statement
// reader, the hottest loop, looks at a line's first letter itself and
// calls CutAtRecordStart.)
func (l *Lexer) newLine(src []byte, i int) bool {
	return i < len(src) && src[i]|0x20 == l.recFirst && l.lineStartsRecord(i)
}

// lineStartsRecord is newLine's slow path, out of the scanners' loops.
//
//go:noinline
func (l *Lexer) lineStartsRecord(i int) bool { return l.inRecord && l.cutAt(i) }

// Offset is the byte offset just after the last token returned by Next
// (the peeked token, if any, is not consumed).
func (l *Lexer) Offset() int {
	if l.peeked {
		return l.peekStart
	}
	return l.pos
}

// Line is the line number at Offset.
func (l *Lexer) Line() int {
	if l.peeked {
		return l.peekLine
	}
	return l.line
}

// Next returns the next token.
func (l *Lexer) Next() Token {
	if l.peeked {
		l.peeked = false
		return l.tok
	}
	return l.scan()
}

// Peek returns the next token without consuming it.
func (l *Lexer) Peek() Token {
	if !l.peeked {
		start, line := l.pos, l.line
		l.tok = l.scan()
		l.peeked = true
		l.peekStart, l.peekLine = start, line
	}
	return l.tok
}

func (l *Lexer) scan() Token {
	src := l.src
	for l.pos < len(src) {
		c := src[l.pos]
		switch classes[c] {
		case clsSpace:
			l.pos++
		case clsNewline:
			l.pos++
			l.line++
			if l.newLine(src, l.pos) {
				return Token{Kind: EOF, Line: l.line} // cut here
			}
		case clsHash:
			if i := bytes.IndexByte(src[l.pos:], '\n'); i >= 0 {
				l.pos += i
			} else {
				l.pos = len(src)
			}
		case clsWord:
			if c == '_' {
				// '_' continues a word but cannot start one.
				l.pos++
				return Token{Kind: Punct, Text: src[l.pos-1 : l.pos], Line: l.line}
			}
			start := l.pos
			l.pos++
			for l.pos < len(src) && classes[src[l.pos]] == clsWord {
				l.pos++
			}
			return Token{Kind: Word, Text: src[start:l.pos], Line: l.line}
		case clsQuote:
			return l.scanString()
		default:
			l.pos++
			return Token{Kind: Punct, Text: src[l.pos-1 : l.pos], Line: l.line}
		}
	}
	return Token{Kind: EOF, Line: l.line}
}

// scanString reads a quoted string. An escaped character never ends it; a
// newline inside it counts as a line.
func (l *Lexer) scanString() Token {
	line := l.line
	start := l.pos + 1
	for i := start; i < len(l.src); i++ {
		switch l.src[i] {
		case '\\':
			i++
			if i < len(l.src) && l.src[i] == '\n' {
				l.line++
				l.newLine(l.src, i+1)
			}
		case '\n':
			l.line++
			l.newLine(l.src, i+1)
		case '"':
			l.pos = i + 1
			return Token{Kind: String, Text: l.src[start:i], Line: line}
		}
	}
	l.pos = len(l.src)
	if l.err == nil {
		l.err = &Error{Pos: Position{l.file, line}, Msg: "unterminated string"}
	}
	return Token{Kind: EOF, Line: line}
}

// Err is the lexical error met so far (an unterminated string), if any.
func (l *Lexer) Err() *Error { return l.err }

// Errorf builds an error at a token's line.
func (l *Lexer) Errorf(t Token, format string, args ...any) *Error {
	return &Error{Pos: Position{l.file, t.Line}, Msg: fmt.Sprintf(format, args...)}
}

// File is the name the lexer reports in positions.
func (l *Lexer) File() string { return l.file }

// SkipStatement skips the rest of a statement whose first token was already
// read: up to the ';' that ends it, or past a balanced { ... } block (and a
// ';' right after it). A '}' that closes the enclosing block is left unread
// and reported (the statement lacked its ';'). Quoted strings and comments
// are honoured.
//
// It scans bytes rather than tokens: skipping statements is most of the
// work of reading a lease file.
func (l *Lexer) SkipStatement() *Error { return l.skipStatement(true) }

// SkipTopLevelStatement is SkipStatement for a top-level record of the
// lease file: a ';' right after its block is not part of it (dhcpd's
// skip_to_rbrace stops at the '}', common/parse.c:98-131). Looking past the
// '}' for it would make the end of a record depend on whether the next
// bytes are written yet.
func (l *Lexer) SkipTopLevelStatement() *Error { return l.skipStatement(false) }

// skipStatement is SkipStatement; semiAfterBlock says whether a ';' right
// after the statement's block is part of it.
func (l *Lexer) skipStatement(semiAfterBlock bool) *Error {
	depth := 0
	if l.peeked {
		t := l.tok
		switch {
		case t.IsPunct('}'):
			return l.Errorf(t, "missing ';' before '}'")
		case t.IsPunct(';'):
			l.peeked = false
			return nil
		case t.Kind == EOF:
			return l.EOFError(t, 0)
		case t.IsPunct('{'):
			depth = 1
		}
		l.peeked = false
	}
	src, i := l.src, l.pos
	for i < len(src) {
		// The bytes of most statements need no look: a tight loop for them.
		for skipSpecial[src[i]] == 0 {
			if i++; i == len(src) {
				l.pos = i
				return l.EOFError(Token{Kind: EOF, Line: l.line}, depth)
			}
		}
		switch c := src[i]; c {
		case ';':
			i++
			if depth == 0 {
				l.pos = i
				return nil
			}
		case '\n':
			l.line++
			i++
			if l.newLine(src, i) { // cut here: i is the end of l.src now
				l.pos = i
				return l.EOFError(Token{Kind: EOF, Line: l.line}, depth)
			}
		case '{':
			depth++
			i++
		case '}':
			if depth == 0 {
				l.pos = i
				return l.Errorf(Token{Line: l.line}, "missing ';' before '}'")
			}
			depth--
			i++
			if depth == 0 {
				l.pos = i
				if semiAfterBlock && l.Peek().IsPunct(';') {
					l.Next()
				}
				return nil
			}
		case '"':
			l.pos = i
			if t := l.scanString(); t.Kind == EOF {
				return l.err
			}
			i = l.pos
		case '#':
			if j := bytes.IndexByte(src[i:], '\n'); j >= 0 {
				i += j
			} else {
				i = len(src)
			}
		}
	}
	l.pos = len(src)
	return l.EOFError(Token{Kind: EOF, Line: l.line}, depth)
}

// skipSpecial marks the bytes SkipStatement must look at.
var skipSpecial = func() (t [256]uint8) {
	for _, c := range []byte(";\n{}\"#") {
		t[c] = 1
	}
	return t
}()

// SkipBlock skips to the '}' closing a block whose '{' was already read.
func (l *Lexer) SkipBlock() *Error {
	depth := 1
	for {
		t := l.Next()
		switch {
		case t.Kind == EOF:
			if err := l.Err(); err != nil {
				return err
			}
			return l.Errorf(t, "unexpected end of file: missing '}'")
		case t.IsPunct('{'):
			depth++
		case t.IsPunct('}'):
			depth--
			if depth == 0 {
				return nil
			}
		}
	}
}

// Unquote decodes the escapes of a string token's raw text (conflex.c
// read_string): \t \r \n \b, \ooo octal (first digit 0-3), \xHH hex, and
// \c for any other c. dhcpd wants exactly three octal or two hex digits and
// rejects the file otherwise; here a shorter escape decodes what it has, so
// the result is the same for every string dhcpd accepts (and writes: its
// lease file uses \ooo with three digits). It returns raw itself when there
// is no escape, so it allocates only for strings that have one.
func Unquote(raw []byte) []byte {
	if bytes.IndexByte(raw, '\\') < 0 {
		return raw
	}
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' || i+1 >= len(raw) {
			out = append(out, c)
			continue
		}
		i++
		switch c = raw[i]; {
		case c == 't':
			out = append(out, '\t')
		case c == 'r':
			out = append(out, '\r')
		case c == 'n':
			out = append(out, '\n')
		case c == 'b':
			out = append(out, '\b')
		case c >= '0' && c <= '3':
			v, n := 0, 0
			for n < 3 && i+n < len(raw) && raw[i+n] >= '0' && raw[i+n] <= '7' {
				v = v*8 + int(raw[i+n]-'0')
				n++
			}
			out = append(out, byte(v))
			i += n - 1
		case c == 'x':
			v, n := 0, 0
			for n < 2 && i+1+n < len(raw) && isHex(raw[i+1+n]) {
				v = v*16 + hexVal(raw[i+1+n])
				n++
			}
			if n == 0 {
				out = append(out, 'x')
				break
			}
			out = append(out, byte(v))
			i += n
		default:
			out = append(out, c)
		}
	}
	return out
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

// Error is a parse error at a position in a file.
type Error struct {
	Pos Position
	Msg string
}

func (e *Error) Error() string { return e.Pos.String() + ": " + e.Msg }

// Position names a place in a configuration or lease file.
type Position struct {
	File string
	Line int
}

func (p Position) String() string { return fmt.Sprintf("%s:%d", p.File, p.Line) }

// AtEnd reports whether the lexer has consumed all of its input.
func (l *Lexer) AtEnd() bool { return !l.peeked && l.pos >= len(l.src) }

// EOFError is the error of a statement the end of the input cuts short at
// t: the lexical error that ended it (an unterminated string), if any, else
// a missing ';', or the end of a block for depth > 0.
func (l *Lexer) EOFError(t Token, depth int) *Error {
	if err := l.Err(); err != nil {
		return err
	}
	if depth > 0 {
		return l.Errorf(t, "unexpected end of file inside a block")
	}
	return l.Errorf(t, "unexpected end of file: missing ';'")
}
