package leasefile

import (
	"bytes"
	"strings"
	"testing"
)

func tokens(src string) []string {
	l := NewLexer("t", []byte(src))
	var out []string
	for {
		t := l.Next()
		if t.Kind == EOF {
			return out
		}
		out = append(out, t.Kind.String()[:1]+":"+string(t.Text)+"@"+itoa(t.Line))
	}
}

func TestLexer(t *testing.T) {
	cases := []struct {
		src  string
		want string
	}{
		{"lease 192.0.2.1 {", "w:lease@1 w:192@1 p:.@1 w:0@1 p:.@1 w:2@1 p:.@1 w:1@1 p:{@1"},
		{"ends 0 2026/11/22 14:50:29;", "w:ends@1 w:0@1 w:2026@1 p:/@1 w:11@1 p:/@1 w:22@1 w:14@1 p::@1 w:50@1 p::@1 w:29@1 p:;@1"},
		{"# comment { \" \nhardware ethernet 02:0a:ff;", "w:hardware@2 w:ethernet@2 w:02@2 p::@2 w:0a@2 p::@2 w:ff@2 p:;@2"},
		{"uid \"\\001\\\"x;}\";\n}", `w:uid@1 s:\001\"x;}@1 p:;@1 p:}@2`},
		{"a\n\"multi\nline\"\nb", "w:a@1 s:multi\nline@2 w:b@4"},
		{"max-lease-time 7_2 -1", "w:max-lease-time@1 w:7_2@1 w:-1@1"},
	}
	for _, c := range cases {
		if got := strings.Join(tokens(c.src), " "); got != c.want {
			t.Errorf("%q:\n got %s\nwant %s", c.src, got, c.want)
		}
	}
}

func TestKeywordsAreCaseInsensitive(t *testing.T) {
	l := NewLexer("t", []byte("BINDING State ACTIVE binding-x"))
	for _, kw := range []string{"binding", "state", "active"} {
		if tok := l.Next(); !tok.Is(kw) {
			t.Errorf("%s does not match %s", tok.Text, kw)
		}
	}
	if l.Next().Is("binding") {
		t.Error("binding-x matched binding")
	}
}

func TestUnquote(t *testing.T) {
	cases := map[string]string{
		`plain`:                     "plain",
		`\001\002\000\000\000\000d`: "\x01\x02\x00\x00\x00\x00d",
		`\"\\\t\r\n\b`:              "\"\\\t\r\n\b",
		`\x41\x4a\xz`:               "AJxz",
		`\q\7`:                      "q7",
		`tail\`:                     "tail\\",
	}
	for in, want := range cases {
		if got := Unquote([]byte(in)); !bytes.Equal(got, []byte(want)) {
			t.Errorf("Unquote(%q) = %q, want %q", in, got, want)
		}
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
	for _, s := range []string{"lease 1.2.3.4 { uid \"\\001x\"; }", "# c\n\"a\\\"b\"", "a-b_c 0x1f :;{}"} {
		f.Add([]byte(s))
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
			if n > len(src)+1 {
				t.Fatal("more tokens than bytes")
			}
			Unquote(tok.Text)
		}
		NewLexer("f", src).SkipStatement()
	})
}

func FuzzParseConfig(f *testing.F) {
	for _, name := range []string{"testdata/primary.conf", "testdata/secondary.conf"} {
		if b, err := readFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(peerDecl + "subnet 10.99.0.0 netmask 255.255.0.0 { pool { failover peer \"fo\"; range 10.99.1.0 10.99.1.10; } range 10.99.3.0; range dynamic-bootp 10.99.4.1; }"))
	f.Add([]byte("key k { algorithm hmac-md5; secret abc+/=; }; omapi-key k; shared-network s { subnet 1.2.3.0 netmask 255.255.255.0 { } pool { allow members of \"x\"; range 1.2.3.4 1.2.3.9; } }"))
	f.Fuzz(func(t *testing.T, src []byte) {
		cfg, err := ParseConfig("fuzz.conf", src, ConfigOptions{WorkDir: "/nonexistent"})
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.conf:") && !strings.HasPrefix(err.Error(), "/nonexistent") {
				t.Fatalf("error without position: %v", err)
			}
			return
		}
		for _, sn := range cfg.SharedNetworks {
			for _, p := range sn.Pools {
				if p.ID == "" || len(p.Ranges) == 0 || p.Size() == 0 {
					t.Fatalf("bad pool %+v", p)
				}
				for _, r := range p.Ranges {
					if r.High.Less(r.Low) {
						t.Fatalf("unordered range %+v", r)
					}
				}
			}
		}
	})
}
