package leasefile

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const peerDecl = `failover peer "fo" { primary; address 10.0.0.1; peer address 10.0.0.2; mclt 60; split 128; }
`

// poolSummary renders a config's pools as "shared: ID size peer [adhoc]; ...".
func poolSummary(cfg *Config) string {
	var parts []string
	for _, sn := range cfg.SharedNetworks {
		for i, p := range sn.Pools {
			s := fmt.Sprintf("%s %d", p.ID, p.Size())
			if i == 0 {
				s = sn.Name + ": " + s
			}
			if p.FailoverPeer != "" {
				s += " " + p.FailoverPeer
			}
			if p.AdHoc {
				s += " adhoc"
			}
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, "; ")
}

func TestPoolAssignment(t *testing.T) {
	cases := []struct {
		name, conf, want string
	}{
		{
			// facts §6, checked against a live dhcpd: the second bare range
			// lands in the plain pool listed just before the ad-hoc pool.
			"facts §6 lab", peerDecl + `subnet 10.99.0.0 netmask 255.255.0.0 {
  pool { failover peer "fo"; range 10.99.1.0 10.99.1.10; }
  pool { range 10.99.2.0 10.99.2.2; }
  range 10.99.3.0 10.99.3.2;
  range 10.99.4.0;
}`,
			"10.99.0.0/16: 10.99.1.0-10.99.1.10 11 fo; 10.99.2.0-10.99.2.2 4; 10.99.3.0-10.99.3.2 3 adhoc",
		},
		{
			"two plain pools merge", `subnet 10.0.0.0 netmask 255.255.255.0 {
  pool { range 10.0.0.10 10.0.0.19; }
  pool { range 10.0.0.20 10.0.0.29; }
}`,
			"10.0.0.0/24: 10.0.0.10-10.0.0.19 20",
		},
		{
			"a statement keeps a pool apart", `subnet 10.0.0.0 netmask 255.255.255.0 {
  pool { range 10.0.0.10 10.0.0.19; }
  pool { default-lease-time 60; range 10.0.0.20 10.0.0.29; }
  pool { range 10.0.0.30 10.0.0.39; }
}`,
			"10.0.0.0/24: 10.0.0.10-10.0.0.19 20; 10.0.0.20-10.0.0.29 10",
		},
		{
			"different permits stay apart, same permits in any order merge", `subnet 10.0.0.0 netmask 255.255.255.0 {
  pool { allow known-clients; deny dynamic bootp clients; range 10.0.0.10 10.0.0.19; }
  pool { allow unknown clients; range 10.0.0.20 10.0.0.29; }
  pool { deny dynamic bootp clients; allow known clients; range 10.0.0.30 10.0.0.39; }
}`,
			"10.0.0.0/24: 10.0.0.10-10.0.0.19 20; 10.0.0.20-10.0.0.29 10",
		},
		{
			"failover peers keep pools apart", peerDecl + `subnet 10.0.0.0 netmask 255.255.255.0 {
  pool { failover peer "fo"; range 10.0.0.10 10.0.0.19; }
  pool { range 10.0.0.20 10.0.0.29; }
}`,
			"10.0.0.0/24: 10.0.0.10-10.0.0.19 10 fo; 10.0.0.20-10.0.0.29 10",
		},
		{
			"shared-network failover reference applies to later pools only", peerDecl + `shared-network "net" {
  subnet 10.0.0.0 netmask 255.255.255.0 { }
  pool { allow all clients; range 10.0.0.10 10.0.0.19; }
  failover peer "fo";
  pool { range 10.0.0.20 10.0.0.29; }
  pool { no failover peer; range 10.0.0.30 10.0.0.39; }
  pool { no failover peer range 10.0.0.40 10.0.0.41; }
}`,
			"net: 10.0.0.10-10.0.0.19 10; 10.0.0.20-10.0.0.29 10 fo; 10.0.0.30-10.0.0.39 12",
		},
		{
			// The second dynamic-bootp range matches the dynamic ad-hoc pool,
			// which is second, so dhcpd puts it into the first.
			"bare ranges: first ad-hoc pool shared, second one hit by the bug", `subnet 10.0.0.0 netmask 255.255.255.0 {
  range 10.0.0.10 10.0.0.19;
  range 10.0.0.30 10.0.0.20;
  range dynamic-bootp 10.0.0.40 10.0.0.41;
  range dynamic-bootp 10.0.0.50;
}`,
			"10.0.0.0/24: 10.0.0.10-10.0.0.19 22 adhoc; 10.0.0.40-10.0.0.41 2 adhoc",
		},
		{
			"a dynamic-bootp bare range after another pool lands in its predecessor", `subnet 10.0.0.0 netmask 255.255.255.0 {
  range 10.0.0.10 10.0.0.19;
  range dynamic-bootp 10.0.0.40 10.0.0.41;
  range dynamic-bootp 10.0.0.50;
}`,
			"10.0.0.0/24: 10.0.0.10-10.0.0.19 11 adhoc; 10.0.0.40-10.0.0.41 2 adhoc",
		},
		{
			"a user pool that looks ad-hoc takes bare ranges", `subnet 10.0.0.0 netmask 255.255.255.0 {
  pool { deny dynamic bootp clients; range 10.0.0.10 10.0.0.19; }
  range 10.0.0.30 10.0.0.31;
}`,
			"10.0.0.0/24: 10.0.0.10-10.0.0.19 12",
		},
		{
			"ad-hoc pools never inherit failover", peerDecl + `shared-network s {
  failover peer "fo";
  subnet 10.0.0.0 netmask 255.255.255.0 { range 10.0.0.10 10.0.0.19; }
}`,
			"s: 10.0.0.10-10.0.0.19 10 adhoc",
		},
		{
			"pool in a shared network picks the subnet of its range", `shared-network s {
  subnet 10.0.0.0 netmask 255.255.255.0 { }
  subnet 10.0.1.0 netmask 255.255.255.0 { }
  pool { range 10.0.1.5 10.0.1.6; range 10.0.0.5; }
}`,
			"s: 10.0.1.5-10.0.1.6 3",
		},
		{
			"groups, hosts, classes, conditionals and v6 are skipped", `
class "c" { match if option vendor-class-identifier = "x"; }
group { host h1 { hardware ethernet 02:00:00:00:00:01; fixed-address 10.0.0.5; }
  subnet 10.0.0.0 netmask 255.255.255.0 { pool { range 10.0.0.10 10.0.0.11; } } }
if option dhcp-user-class = "a" { option domain-name "a{b}"; } elsif exists host-name { } else { }
on commit { set x = "}"; }
subnet6 2001:db8::/64 { range6 2001:db8::10 2001:db8::20; }
host h2 { fixed-address 10.0.0.6; }
`,
			"10.0.0.0/24: 10.0.0.10-10.0.0.11 2",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := ParseConfig("test.conf", []byte(c.conf), ConfigOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if got := poolSummary(cfg); got != c.want {
				t.Errorf("\n got %s\nwant %s", got, c.want)
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	cases := []struct{ conf, want string }{
		{"omapi-port abc;", "test.conf:1: omapi-port: expected a number"},
		{"omapi-port 70000;", "test.conf:1: omapi-port 70000 out of range"},
		{"subnet 10.0.0.1 netmask 255.255.255.0 { }", "test.conf:1: subnet 10.0.0.1 netmask 255.255.255.0: the network has host bits set"},
		{"subnet 10.0.0.0 netmask 255.0.255.0 { }", "netmask 255.0.255.0 is not contiguous"},
		{"subnet 10.0.0.0 netmask 255.255.255.0 {\n range 10.0.0.1 x;\n}", "test.conf:2: expected an IPv4 address"},
		{"subnet 10.0.0.0 netmask 255.255.255.0 {\n range 10.0.1.1;\n}", "test.conf:2: range 10.0.1.1-10.0.1.1: not inside subnet 10.0.0.0/24"},
		{"subnet 10.0.0.0 netmask 255.255.255.0 {\n range 10.0.0.1 10.0.0.9;\n\n range 10.0.0.5;\n}", "test.conf:4: address 10.0.0.5 is declared twice (also by the range at test.conf:2)"},
		{"subnet 10.0.0.0 netmask 255.255.255.0 {\n pool { }\n}", "test.conf:2: pool declaration with no address range"},
		{"shared-network s {\n pool { range 10.0.0.1; }\n subnet 10.0.0.0 netmask 255.255.255.0 { } }", "test.conf:2: range 10.0.0.1-10.0.0.1: address range not on network s"},
		{"subnet 10.0.0.0 netmask 255.255.255.0 {\n pool { failover peer \"nope\"; range 10.0.0.1; }\n}", `test.conf:2: reference to unknown failover peer "nope"`},
		{peerDecl + "subnet 10.0.0.0 netmask 255.255.255.0 {\n pool { failover peer \"fo\"; range dynamic-bootp 10.0.0.1; }\n}", "test.conf:3: range dynamic-bootp 10.0.0.1-10.0.0.1: dynamic-bootp is not permitted"},
		{"failover peer x { primary; peer address 1.2.3.4; mclt 10; }", "primary failover server must have hba or split"},
		{"failover peer x { secondary; peer address 1.2.3.4; split 10; }", "secondary may not define load balance"},
		{"failover peer x { primary; split 128; mclt 5; }", "peer address may not be omitted"},
		{"failover peer x { primary; peer address 1.2.3.4; mclt 5; split 300; }", "split must be between 0 and 256"},
		{"failover peer x { secondary; peer address 1.2.3.4; frobnicate 3; }", `invalid statement "frobnicate"`},
		{"range 10.0.0.1;", "range is only allowed in a subnet or pool"},
		{"pool { range 10.0.0.1; }", "pool is only allowed in a subnet or shared-network"},
		{"subnet 10.0.0.0 netmask 255.255.255.0 {\n", "test.conf:2: unexpected end of file: missing '}'"},
		{"option domain-name \"unterminated;\n\n", "test.conf:1: unterminated string"},
		{"}", "test.conf:1: unexpected '}'"},
		{"include foo;", `include: expected a quoted file name`},
		{"include \"/nonexistent/x.conf\";", "test.conf:1: include: open /nonexistent/x.conf"},
	}
	for _, c := range cases {
		_, err := ParseConfig("test.conf", []byte(c.conf), ConfigOptions{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q:\n got %v\nwant %s", c.conf, err, c.want)
		}
	}
}

func TestIncludes(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("key.conf", "key omapi_key {\n algorithm hmac-sha256;\n secret \"c2VjcmV0LXNlY3JldC1zZWNyZXQ=\";\n};\n")
	write("pools.conf", "pool { range 10.0.0.10 10.0.0.20; }\n")
	write("main.conf", `omapi-port 7911;
include "key.conf";
omapi-key omapi_key;
subnet 10.0.0.0 netmask 255.255.255.0 { include "pools.conf"; }
`)
	cfg, err := ParseConfigFile(filepath.Join(dir, "main.conf"), ConfigOptions{WorkDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if k := cfg.Key("omapi_key"); k == nil || string(k.Secret) != "secret-secret-secret" || k.Pos.File != filepath.Join(dir, "key.conf") || k.Pos.Line != 1 {
		t.Errorf("key %+v", k)
	}
	if got := poolSummary(cfg); got != "10.0.0.0/24: 10.0.0.10-10.0.0.20 11" {
		t.Errorf("pools %s", got)
	}
	if len(cfg.Files) != 3 {
		t.Errorf("files %v", cfg.Files)
	}
	// Relative includes resolve against the working directory, not the file.
	if _, err := ParseConfigFile(filepath.Join(dir, "main.conf"), ConfigOptions{WorkDir: "/"}); err == nil || !strings.Contains(err.Error(), "/key.conf") {
		t.Errorf("include relative to /: %v", err)
	}
	write("loop.conf", "include \"loop.conf\";\n")
	if _, err := ParseConfigFile(filepath.Join(dir, "loop.conf"), ConfigOptions{WorkDir: dir}); err == nil || !strings.Contains(err.Error(), "include loop") {
		t.Errorf("loop: %v", err)
	}
	// An error inside an included file names that file.
	write("bad.conf", "\n\nomapi-port x;\n")
	write("main2.conf", "include \"bad.conf\";\n")
	if _, err := ParseConfigFile(filepath.Join(dir, "main2.conf"), ConfigOptions{WorkDir: dir}); err == nil || !strings.HasPrefix(err.Error(), filepath.Join(dir, "bad.conf")+":3:") {
		t.Errorf("error position: %v", err)
	}
}

func TestKeys(t *testing.T) {
	cases := []struct {
		conf, name, alg, secret string
	}{
		{`key omapi_key { algorithm hmac-md5; secret "2ecz5ILgSn7SVAV3hjqYGw=="; };`, "omapi_key", "hmac-md5", "\xd9\xe7\x33\xe4\x82\xe0\x4a\x7e\xd2\x54\x05\x77\x86\x3a\x98\x1b"},
		{`key "quoted.name." { algorithm HMAC-SHA256.SIG-ALG.REG.INT; secret c2Vj+/cmV0==; }`, "quoted.name.", "HMAC-SHA256.SIG-ALG.REG.INT", "sec"},
		{`key k.example.com. { algorithm hmac-sha1; secret YWJj; }`, "k.example.com.", "hmac-sha1", "abc"},
	}
	for _, c := range cases {
		cfg, err := ParseConfig("k.conf", []byte(c.conf), ConfigOptions{})
		if err != nil {
			t.Errorf("%s: %v", c.conf, err)
			continue
		}
		k := cfg.Keys[0]
		if k.Name != c.name || k.Algorithm != c.alg || (c.secret != "" && !strings.HasPrefix(string(k.Secret), c.secret[:3])) {
			t.Errorf("%s: %+v %x", c.conf, k, []byte(k.Secret))
		}
	}
}

// No error from a key block may show the secret or any of its tokens.
func TestKeyErrorsNeverShowTheSecret(t *testing.T) {
	const secret = "U3VwZXJTZWNyZXRLZXlNYXRlcmlhbA"
	bodies := []string{
		`key k { algorithm hmac-md5; secret "%s" }`,
		`key k { algorithm hmac-md5; secret %s }`,
		`key k { algorithm hmac-md5; secret "%s!!"; }`,
		`key k { algorithm hmac-md5; secret %s; %s; }`,
		`key k { secret %s; }`,
		`key k { algorithm hmac-md5; secret %s`,
		`key k { algorithm hmac-md5; secret "%s`,
		`key k { algorithm %s; }`,
		`key k { %s hmac-md5; }`,
		`key k { algorithm hmac-md5; secret %s; } }`,
		`key k { algorithm hmac-md5 secret %s; }`,
		`key k { algorithm hmac-md5; secret %s{; }`,
	}
	for _, b := range bodies {
		conf := strings.ReplaceAll(b, "%s", secret)
		_, err := ParseConfig("k.conf", []byte(conf), ConfigOptions{})
		if err == nil {
			t.Errorf("%s: no error", conf)
			continue
		}
		if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), secret[:12]) {
			t.Errorf("error shows the secret: %v", err)
		}
		if !strings.HasPrefix(err.Error(), "k.conf:1:") {
			t.Errorf("error without position: %v", err)
		}
	}
	cfg, _ := ParseConfig("k.conf", []byte(`key k { algorithm hmac-md5; secret "`+secret+`"; }`), ConfigOptions{})
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		if s := fmt.Sprintf(verb, cfg.Keys[0]); strings.Contains(s, "SuperSecret") || strings.Contains(s, secret) {
			t.Errorf("%s shows the secret: %s", verb, s)
		}
	}
}

func TestFailoverDeclaration(t *testing.T) {
	cfg, err := ParseConfig("f.conf", []byte(`failover peer "dhcp" {
  primary; address dhcp1.example.com; port 519; peer address 10.0.0.2; peer port 520;
  max-response-delay 60; max-unacked-updates 10; peer max-response-delay 30;
  mclt 3600; hba ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:01;
  load balance max seconds 3; max-lease-misbalance 15; max-lease-ownership 10;
  max-balance 3600; min-balance 60; auto-partner-down 300;
}
failover peer "dhcp" state { my state normal at 1 2026/01/01 00:00:00; partner state normal at 1 2026/01/01 00:00:00; }
failover peer sec { secondary; peer address 10.0.0.1; }
`), ConfigOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p := cfg.FailoverPeer("dhcp")
	if p.Address != "dhcp1.example.com" || p.Port != 519 || p.PeerPort != 520 || p.MaxResponseDelay != 60 || p.MCLT != 3600 ||
		p.Split != 129 || p.LoadBalanceMaxSeconds != 3 || p.AutoPartnerDown != 300 || p.Pos.Line != 1 {
		t.Errorf("%+v", p)
	}
	s := cfg.FailoverPeer("sec")
	if s.Role != RoleSecondary || s.Port != 647 || s.PeerPort != 647 || s.MaxResponseDelay != 20 || s.MaxUnackedUpdates != 100 || s.MCLT != -1 || s.Split != -1 {
		t.Errorf("%+v", s)
	}
}
