package conflex

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
)

// tokens renders every token as "k:text@line" (k the kind's initial).
func tokens(src string) []string {
	l := NewLexer("t", []byte(src))
	var out []string
	for {
		t := l.Next()
		if t.Kind == EOF {
			return out
		}
		out = append(out, t.Kind.String()[:1]+":"+string(t.Text)+"@"+strconv.Itoa(t.Line))
	}
}

func TestTokenizer(t *testing.T) {
	cases := []struct {
		name, src, want string
	}{
		{"IPv4 address", "lease 192.0.2.1 {", "w:lease@1 w:192@1 p:.@1 w:0@1 p:.@1 w:2@1 p:.@1 w:1@1 p:{@1"},
		{"date", "ends 0 2026/11/22 14:50:29;", "w:ends@1 w:0@1 w:2026@1 p:/@1 w:11@1 p:/@1 w:22@1 w:14@1 p::@1 w:50@1 p::@1 w:29@1 p:;@1"},
		{"comment to end of line, hex list", "# comment { \" \nhardware ethernet 02:0a:ff;", "w:hardware@2 w:ethernet@2 w:02@2 p::@2 w:0a@2 p::@2 w:ff@2 p:;@2"},
		{"comment at end of input", "a # no newline", "w:a@1"},
		{"# inside a string is not a comment", `x "a#b" y`, "w:x@1 s:a#b@1 w:y@1"},
		{"escaped quote and braces in a string", "uid \"\\001\\\"x;}\";\n}", `w:uid@1 s:\001\"x;}@1 p:;@1 p:}@2`},
		{"string spanning lines keeps its first line", "a\n\"multi\nline\"\nb", "w:a@1 s:multi\nline@2 w:b@4"},
		{"words take digits, letters, - and _", "max-lease-time 7_2 -1 a_b-c", "w:max-lease-time@1 w:7_2@1 w:-1@1 w:a_b-c@1"},
		{"_ cannot start a word", "_x a_", "p:_@1 w:x@1 w:a_@1"},
		{"lone minus", "42 - 7", "w:42@1 w:-@1 w:7@1"},
		{"punctuation", "a=b,c%d/e!", "w:a@1 p:=@1 w:b@1 p:,@1 w:c@1 p:%@1 w:d@1 p:/@1 w:e@1 p:!@1"},
		{"every blank separates", "a\tb\rc\vd\fe", "w:a@1 w:b@1 w:c@1 w:d@1 w:e@1"},
		{"non-ASCII bytes are one-character tokens", "a\xc3\xa9b", "w:a@1 p:\xc3@1 p:\xa9@1 w:b@1"},
		{"empty string", `""`, "s:@1"},
		{"line numbers", "a\n\n# c\n\nb\r\nc", "w:a@1 w:b@5 w:c@6"},
		{"base64 splits at + / =", "c2Vj+/cmV0==;", "w:c2Vj@1 p:+@1 p:/@1 w:cmV0@1 p:=@1 p:=@1 p:;@1"},
	}
	for _, c := range cases {
		if got := strings.Join(tokens(c.src), " "); got != c.want {
			t.Errorf("%s: %q:\n got %s\nwant %s", c.name, c.src, got, c.want)
		}
	}
}

func TestUnterminatedStringIsAnError(t *testing.T) {
	l := NewLexer("f.conf", []byte("a\n\"open\nstill open"))
	l.Next()
	if tok := l.Next(); tok.Kind != EOF {
		t.Fatalf("got %v", tok)
	}
	if err := l.Err(); err == nil || err.Error() != "f.conf:2: unterminated string" {
		t.Errorf("error %v", err)
	}
}

func TestKeywordsAreCaseInsensitive(t *testing.T) {
	l := NewLexer("t", []byte("BINDING State ACTIVE binding-x \"binding\" Dynamic-BOOTP"))
	for _, kw := range []string{"binding", "state", "active"} {
		if tok := l.Next(); !tok.Is(kw) {
			t.Errorf("%s does not match %s", tok.Text, kw)
		}
	}
	if l.Next().Is("binding") {
		t.Error("binding-x matched binding")
	}
	if l.Next().Is("binding") {
		t.Error("a string matched a keyword")
	}
	if !l.Next().Is("dynamic-bootp") {
		t.Error("Dynamic-BOOTP did not match dynamic-bootp")
	}
}

func TestUnquote(t *testing.T) {
	cases := map[string]string{
		`plain`:                     "plain",
		`\001\002\000\000\000\000d`: "\x01\x02\x00\x00\x00\x00d",
		`\377\0412`:                 "\xff!2",
		`\"\\\t\r\n\b`:              "\"\\\t\r\n\b",
		`\x41\x4a\x4Bz`:             "AJKz",
		`\q\7\4\.`:                  "q74.",
		// Malformed escapes (dhcpd refuses them) decode what they have.
		`\xz`:   "xz",
		`\x4`:   "\x04",
		`tail\`: "tail\\",
	}
	for in, want := range cases {
		if got := Unquote([]byte(in)); !bytes.Equal(got, []byte(want)) {
			t.Errorf("Unquote(%q) = %q, want %q", in, got, want)
		}
	}
	if raw := []byte("no escape"); &Unquote(raw)[0] != &raw[0] {
		t.Error("Unquote copied a string without escapes")
	}
}

func TestReadIPv4(t *testing.T) {
	l := NewLexer("v", []byte("10.0.0.255 1.2.3 300.1.1.1 01.2.3.4"))
	if a, err := ReadIPv4(l); err != nil || a.String() != "10.0.0.255" {
		t.Errorf("ReadIPv4 %v %v", a, err)
	}
	if _, err := ReadIPv4(l); err == nil || err.Error() != `v:1: expected an IPv4 address, found "300"` {
		t.Errorf("ReadIPv4 1.2.3: %v", err)
	}
	l.Next() // the rest of "300.1.1.1"
	for !l.Peek().Is("01") {
		l.Next()
	}
	if a, err := ReadIPv4(l); err != nil || a.String() != "1.2.3.4" {
		t.Errorf("ReadIPv4 01.2.3.4: %v %v", a, err)
	}
}

func TestSkipStatement(t *testing.T) {
	l := NewLexer("t", []byte(`option x "a;b" { c { d; } }; next; on expiry { set y = "}"; } after;`))
	for _, want := range []string{"next", "on", "after"} {
		if err := l.SkipStatement(); err != nil {
			t.Fatal(err)
		}
		if got := l.Peek(); !got.Is(want) {
			t.Fatalf("after skip: %s, want %s", got.Text, want)
		}
		l.Next()
	}
	if err := NewLexer("t", []byte("a { b;")).SkipStatement(); err == nil || err.Pos.Line != 1 {
		t.Errorf("unterminated block: %v", err)
	}
}

func FuzzTokenizer(f *testing.F) {
	for _, s := range []string{"lease 1.2.3.4 { uid \"\\001x\"; }", "# c\n\"a\\\"b\"", "a-b_c 0x1f :;{}", "_a\n\"\\x4", "key k { secret a+/b==; }"} {
		f.Add([]byte(s))
	}
	for _, name := range []string{"../../dhcpdconf/testdata/primary.conf", "../../dhcpdconf/testdata/secondary.conf", "../../leasefile/testdata/primary.leases.seed"} {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		l := NewLexer("f", src)
		line := 1
		for n := 0; ; n++ {
			tok := l.Next()
			if tok.Line < line {
				t.Fatalf("line went back from %d to %d", line, tok.Line)
			}
			line = tok.Line
			if tok.Kind == EOF {
				break
			}
			if len(tok.Text) == 0 && tok.Kind != String {
				t.Fatalf("empty %v token", tok.Kind)
			}
			if tok.Kind == Word && tok.Text[0] == '_' {
				t.Fatalf("word starting with '_': %q", tok.Text)
			}
			if n > len(src)+1 {
				t.Fatal("more tokens than bytes")
			}
			Unquote(tok.Text)
		}
		if lines := bytes.Count(src, []byte("\n")) + 1; line > lines {
			t.Fatalf("line %d past the %d lines of the input", line, lines)
		}
		NewLexer("f", src).SkipStatement()
	})
}

// BenchmarkTokenizer reads every token of a generated dhcpd.leases-like text
// (about 20 MB): the cost of the general path that the lease parser's byte
// fast paths avoid.
func BenchmarkTokenizer(b *testing.B) {
	var buf bytes.Buffer
	for i := 0; buf.Len() < 20<<20; i++ {
		fmt.Fprintf(&buf, `lease 10.%d.%d.%d {
  starts 3 2026/11/18 09:12:%02d;
  ends 3 2026/11/18 21:12:%02d;
  tstp 3 2026/11/18 21:12:00;
  cltt 3 2026/11/18 09:12:00;
  binding state active;
  next binding state free;
  rewind binding state free;
  hardware ethernet 02:00:%02x:%02x:%02x:%02x;
  uid "\001\002\000\000\000\000d";
  client-hostname "host-%d"; # a comment
}
`, i>>16&255, i>>8&255, i&255, i%60, i%60, i>>24&255, i>>16&255, i>>8&255, i&255, i)
	}
	src := buf.Bytes()
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		l := NewLexer("bench", src)
		n := 0
		for l.Next().Kind != EOF {
			n++
		}
		if n == 0 {
			b.Fatal("no tokens")
		}
	}
}
