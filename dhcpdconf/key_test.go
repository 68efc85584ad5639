package dhcpdconf

import (
	"fmt"
	"strings"
	"testing"
)

// keyCases are key declarations dhcpd accepts (TestRealDhcpdAccepts).
var keyCases = []struct {
	conf, name, alg, secret string
}{
	{`key omapi_key { algorithm hmac-md5; secret "2ecz5ILgSn7SVAV3hjqYGw=="; };`, "omapi_key", "hmac-md5",
		"\xd9\xe7\x33\xe4\x82\xe0\x4a\x7e\xd2\x54\x05\x77\x86\x3a\x98\x1b"},
	// A bare secret split into tokens at '+', '/' and '=' is glued back.
	{`key "quoted.name." { algorithm HMAC-SHA256.SIG-ALG.REG.INT; secret c2Vj+/cmV0==; }`, "quoted.name.", "HMAC-SHA256.SIG-ALG.REG.INT",
		"sec\xfb\xf7\x26\x57"},
	{`key k.example.com. { secret YWJj; algorithm hmac-sha1; }`, "k.example.com.", "hmac-sha1", "abc"},
	// parse_base64 also glues tokens separated by blanks, strings included.
	{`key k { algorithm hmac-md5; secret "YW" Jj "" ; }`, "k", "hmac-md5", "abc"},
	{"key k {\n algorithm hmac-md5;\n secret Y\n W\n Jj\n ;\n}", "k", "hmac-md5", "abc"},
	// Leftover bits are fine when the length with '=' is a multiple of 4.
	{`key k { algorithm hmac-md5; secret YR==; }`, "k", "hmac-md5", "a"},
	{`key k { algorithm hmac-md5; secret YQ=; }`, "k", "hmac-md5", "a"},
	{`key k { algorithm hmac-md5; secret "YQ==" "=="; }`, "k", "hmac-md5", "a"},
	{`KEY K { ALGORITHM hmac-md5; SECRET YWJj; }`, "K", "hmac-md5", "abc"},
}

func TestKeys(t *testing.T) {
	for _, c := range keyCases {
		cfg, err := Parse("k.conf", []byte(c.conf), Options{})
		if err != nil {
			t.Errorf("%s: %v", c.conf, err)
			continue
		}
		k := cfg.Keys[0]
		if k.Name != c.name || k.Algorithm != c.alg || string(k.Secret) != c.secret || k.Pos != (Position{File: "k.conf", Line: 1}) {
			t.Errorf("%s: %+v %q", c.conf, k, []byte(k.Secret))
		}
	}
}

// Keys are collected from every scope, skipped blocks included (dhcpd parses
// `key` as an executable statement wherever it parses statements); a later
// key of the same name, in any case, replaces an earlier one.
const keysInEveryScopeConf = `key top { algorithm hmac-md5; secret AAAA; }
subnet 10.0.0.0 netmask 255.255.255.0 { key in-subnet { algorithm hmac-md5; secret AAAA; } pool { key in-pool { algorithm hmac-md5; secret AAAA; } range 10.0.0.1; } }
host h { key in-host { algorithm hmac-md5; secret AAAA; } hardware ethernet 02:00:00:00:00:01; }
class "c" { match if option host-name = "x"; key in-class { algorithm hmac-md5; secret AAAA; } }
if option host-name = "y" { key in-if { algorithm hmac-md5; secret AAAA; } } else { key in-else { algorithm hmac-md5; secret AAAA; } }
on commit { if exists host-name { key in-nested-if { algorithm hmac-md5; secret AAAA; } } }
zone example.com. { primary 127.0.0.1; key top; }
group { key in-group { algorithm hmac-md5; secret AAAA; }; }
key TOP { algorithm hmac-sha256; secret YWJj; }
omapi-key Top;
`

func TestKeysInEveryScope(t *testing.T) {
	cfg := mustParse(t, keysInEveryScopeConf)
	var names []string
	for _, k := range cfg.Keys {
		names = append(names, k.Name)
	}
	if got, want := strings.Join(names, " "), "top in-subnet in-pool in-host in-class in-if in-else in-nested-if in-group TOP"; got != want {
		t.Errorf("keys\n got %s\nwant %s", got, want)
	}
	if k := cfg.Key(cfg.OMAPIKey); k == nil || k.Name != "TOP" || k.Algorithm != "hmac-sha256" {
		t.Errorf("omapi key %+v", k)
	}
	if len(cfg.Warnings) != 0 {
		t.Errorf("warnings %v", cfg.Warnings)
	}
	if got := poolSummary(cfg); got != "10.0.0.0/24: 10.0.0.1-10.0.0.1 1" {
		t.Errorf("pools %s", got)
	}
}

const omapiSettingsConf = `omapi-port 7000;
group { omapi-port 1; omapi-key inner; }
omapi-port 017; # dhcpd's convert_num: octal
omapi-key "my.key";
key my.key { algorithm hmac-md5; secret AAAA; }
`

func TestOMAPISettings(t *testing.T) {
	cfg := mustParse(t, omapiSettingsConf)
	if cfg.OMAPIPort != 15 || cfg.OMAPIKey != "my.key" || len(cfg.Warnings) != 0 {
		t.Errorf("port %d key %q warnings %v", cfg.OMAPIPort, cfg.OMAPIKey, cfg.Warnings)
	}
	cfg = mustParse(t, "\nomapi-key nokey;")
	if len(cfg.Warnings) != 1 || cfg.Warnings[0].Error() != `test.conf:2: omapi-key "nokey": no key of that name is declared` {
		t.Errorf("warnings %v", cfg.Warnings)
	}
}

func TestEqualFoldKeyName(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"omapi_key", "OMAPI_KEY", true},
		{"Key.Example.", "key.example.", true},
		{"key", "keys", false},
		{"k", "\u212a", false}, // the Kelvin sign folds to k in Unicode, not in dhcpd
		{"é", "É", false},      // only ASCII letters fold
		{"a-b", "a_b", false},
	} {
		if got := equalFoldKeyName(c.a, c.b); got != c.want {
			t.Errorf("equalFoldKeyName(%q, %q) = %v", c.a, c.b, got)
		}
	}
}

func TestDecodeSecret(t *testing.T) {
	for _, c := range []struct{ in, out, reason string }{
		{"YWJj", "abc", ""},
		{"YWI=", "ab", ""},
		{"YR==", "a", ""},
		{"YWJjZA", "abcd", ""},
		{"YR", "", "a partial value left over at the end"},
		{"YQ==YQ==", "", "characters after the '=' padding"},
		{"YW Jj", "", "a character outside the base64 alphabet"},
		{"YW-j", "", "a character outside the base64 alphabet"},
		{"", "", "it is empty"},
		{"==", "", "it is empty"},
		{"A", "", "it is empty"},
	} {
		out, reason := decodeSecret([]byte(c.in))
		if string(out) != c.out || reason != c.reason {
			t.Errorf("decodeSecret(%q) = %q, %q; want %q, %q", c.in, out, reason, c.out, c.reason)
		}
	}
}

// No error from a key block may show the secret or any token from inside
// the block: the OMAPI key can shut dhcpd down, and errors end up in logs.
func TestKeyErrorsNeverShowTheSecret(t *testing.T) {
	const (
		secret = "U3VwZXJTZWNyZXRLZXlNYXRlcmlhbA+/=="
		alg    = "hmac-zzsecretalg"
	)
	// Every piece the tokenizer may cut the secret into, and the algorithm.
	forbidden := []string{"U3VwZXJTZWNyZXRLZXlNYXRlcmlhbA", "U3VwZXJT", "WxhbA", "SuperSecret", "zzsecretalg"}

	bodies := []string{
		`key k { algorithm hmac-md5; secret "%s" }`,
		`key k { algorithm hmac-md5; secret %s }`,
		`key k { algorithm hmac-md5; secret "%s!!"; }`,
		`key k { algorithm hmac-md5; secret "!!%s"; }`,
		`key k { algorithm hmac-md5; secret %s; %s; }`,
		`key k { algorithm hmac-md5; secret %s; secret %s; }`,
		`key k { algorithm %a; algorithm %a; secret %s; }`,
		`key k { algorithm %a secret %s; }`,
		`key k { secret %s; }`,
		`key k { algorithm %a; }`,
		`key k { algorithm hmac-md5; secret %s`,
		`key k { algorithm hmac-md5; secret "%s`,
		`key k { algorithm hmac-md5; secret %s;`,
		`key k { algorithm "%s; }`,
		`key k { algorithm; secret %s; }`,
		`key k { %s hmac-md5; }`,
		`key k { "%s"; }`,
		`key k { algorithm hmac-md5; secret %s{; }`,
		`key k { algorithm hmac-md5; secret %s %a; }`,
		`key k { algorithm hmac-md5; secret %s=X; }`,
		`key k { algorithm hmac-md5; secret %s,; }`,
		`key k { algorithm hmac-md5; secret ; } %s`,
		`key k { algorithm hmac-md5; secret %s; } }`,
		`key k { algorithm hmac-md5; secret { %s } }`,
		`key k %s { algorithm hmac-md5; }`,
		`host h { key k { algorithm %a; secret %s } }`,
		`if x { key k { algorithm hmac-md5; secret "%s`,
		`subnet 10.0.0.0 netmask 255.255.255.0 { pool { key k { secret %s; algorithm %a; frob; } } }`,
	}
	// Truncations and deletions of a valid block give more malformed ones.
	valid := `key k { algorithm %a; secret %s; }`
	for i := 1; i < len(valid); i++ {
		bodies = append(bodies, valid[:i], valid[:i-1]+valid[i:])
	}
	for _, b := range bodies {
		conf := strings.ReplaceAll(strings.ReplaceAll(b, "%s", secret), "%a", alg)
		_, err := Parse("k.conf", []byte(conf), Options{})
		if err == nil {
			continue // some deletions leave a valid block
		}
		msg := err.Error()
		for _, f := range forbidden {
			if strings.Contains(msg, f) {
				t.Errorf("%s:\nerror shows %q: %s", conf, f, msg)
			}
		}
		if !strings.HasPrefix(msg, "k.conf:1:") {
			t.Errorf("%s: error without position: %s", conf, msg)
		}
	}
	cfg := mustParse(t, `key k { algorithm hmac-md5; secret "`+secret+`"; }`)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%q"} {
		for _, v := range []any{cfg.Keys[0], *cfg.Keys[0], cfg.Keys[0].Secret, cfg} {
			if s := fmt.Sprintf(verb, v); strings.Contains(s, "SuperSecret") || strings.Contains(s, "5375706572") {
				t.Errorf("%s shows the secret: %s", verb, s)
			}
		}
	}
}
