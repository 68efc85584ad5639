package probe

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// testSecret is a throw-away OMAPI secret (base64) for the tests' key files.
const testSecret = "dGhyb3ctYXdheS1wcm9iZS1rZXk="

// writeFixtures writes a key file, a second key file with another secret,
// and a small dhcpd.conf into a temporary directory.
func writeFixtures(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"omapi.key":  `key omapi_key { algorithm hmac-md5; secret "` + testSecret + `"; };`,
		"other.key":  `key other_key { algorithm hmac-sha256; secret "b3RoZXItc2VjcmV0"; };`,
		"two.key":    `key a { algorithm hmac-md5; secret "YQ=="; }; key b { algorithm hmac-md5; secret "Yg=="; };`,
		"badalg.key": `key omapi_key { algorithm hmac-foo; secret "YQ=="; };`,
		"dhcpd.conf": "subnet 192.0.2.0 netmask 255.255.255.0 {\n  pool { range 192.0.2.100 192.0.2.199; }\n}\n",
		"bad.conf":   "subnet 192.0.2.0 netmask 255.255.255.0 {\n  pool { range 192.0.2.100 192.0.2.300; }\n}\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestParseValid(t *testing.T) {
	dir := writeFixtures(t)
	c, err := Parse([]byte(`
modules:
  site_a:
    key_file: omapi.key
    failover_peers: [dhcp-failover, "other peer"]
    timeout: 2500ms
    dhcpd_config_file: dhcpd.conf
    sentinel_addresses: [192.0.2.50]
  bare:
    key_file: `+filepath.Join(dir, "other.key")+`
`), dir)
	if err != nil {
		t.Fatal(err)
	}
	a, b := c.Modules["site_a"], c.Modules["bare"]
	if a == nil || b == nil || len(c.Modules) != 2 {
		t.Fatalf("modules: %v", c.Modules)
	}
	if a.Name != "site_a" || a.KeyFile != filepath.Join(dir, "omapi.key") || a.Key.Name() != "omapi_key" ||
		strings.Join(a.FailoverPeers, ",") != "dhcp-failover,other peer" || a.Timeout != 2500*time.Millisecond ||
		a.DhcpdConfigFile != filepath.Join(dir, "dhcpd.conf") || len(a.SentinelAddresses) != 1 || a.SentinelAddresses[0].String() != "192.0.2.50" {
		t.Errorf("site_a = %+v", a)
	}
	if b.Timeout != 0 || b.FailoverPeers != nil || b.DhcpdConfigFile != "" || b.Key.Name() != "other_key" {
		t.Errorf("bare = %+v", b)
	}
	if a.keyID == b.keyID {
		t.Error("two keys have the same id")
	}
}

// Every bad file is refused with an error that names the module and the
// field (or the line), and none quotes the secret.
func TestParseInvalid(t *testing.T) {
	dir := writeFixtures(t)
	os.Chmod(filepath.Join(dir, "omapi.key"), 0o600)
	for _, tc := range []struct {
		name, yaml string
		want       []string // substrings of the error
	}{
		{"empty", "", []string{"empty file"}},
		{"comment only", "# nothing\n", []string{"empty file"}},
		{"no modules", "modules: {}\n", []string{"no modules"}},
		{"null modules", "modules:\n", []string{"no modules"}},
		{"not a mapping", "- a\n- b\n", []string{"line 1", "mapping"}},
		{"unknown top-level field", "modules:\n  a:\n    key_file: omapi.key\nmodule:\n  b: {}\n", []string{"line 4", `unknown field "module"`}},
		{"unknown module field", "modules:\n  a:\n    key_file: omapi.key\n    key-file: x\n", []string{`module "a"`, "line 4", `unknown field "key-file"`}},
		{"unknown field in second module", "modules:\n  a:\n    key_file: omapi.key\n  b:\n    key_file: omapi.key\n    timout: 5s\n", []string{`module "b"`, "line 6", `unknown field "timout"`}},
		{"module not a mapping", "modules:\n  a: omapi.key\n", []string{`module "a"`, "line 2", "module's fields"}},
		{"peers not a list", "modules:\n  a:\n    key_file: omapi.key\n    failover_peers: dhcp-failover\n", []string{`module "a"`, "line 4", "failover_peers", "list"}},
		{"key_file a list", "modules:\n  a:\n    key_file: [omapi.key]\n", []string{`module "a"`, "line 3", "key_file"}},
		{"timeout a number", "modules:\n  a:\n    key_file: omapi.key\n    timeout: 5\n", []string{`module "a"`, "timeout", `"5"`}},
		{"timeout bad", "modules:\n  a:\n    key_file: omapi.key\n    timeout: 5x\n", []string{`module "a"`, "timeout", "5x"}},
		{"timeout zero", "modules:\n  a:\n    key_file: omapi.key\n    timeout: 0s\n", []string{`module "a"`, "timeout", "not positive"}},
		{"timeout negative", "modules:\n  a:\n    key_file: omapi.key\n    timeout: -1s\n", []string{`module "a"`, "timeout", "not positive"}},
		{"duplicate module", "modules:\n  a:\n    key_file: omapi.key\n  a:\n    key_file: omapi.key\n", []string{"line 4", `"a" already defined`}},
		{"duplicate field", "modules:\n  a:\n    key_file: omapi.key\n    key_file: omapi.key\n", []string{`module "a"`, "line 4", "already"}},
		{"bad module name", "modules:\n  \"a b\":\n    key_file: omapi.key\n", []string{`module "a b"`, "module names"}},
		{"module name starting with a dash", "modules:\n  -a:\n    key_file: omapi.key\n", []string{`module "-a"`, "module names"}},
		{"no key_file", "modules:\n  a:\n    timeout: 5s\n", []string{`module "a"`, "key_file: required"}},
		{"missing key file", "modules:\n  a:\n    key_file: nonexistent.key\n", []string{`module "a"`, "key_file", "nonexistent.key"}},
		{"two keys", "modules:\n  a:\n    key_file: two.key\n", []string{`module "a"`, "key_file", "exactly one key", "found 2"}},
		{"key not a key file", "modules:\n  a:\n    key_file: dhcpd.conf\n", []string{`module "a"`, "key_file", "found 0"}},
		{"bad algorithm", "modules:\n  a:\n    key_file: badalg.key\n", []string{`module "a"`, "key_file", "hmac-foo"}},
		{"empty peer", "modules:\n  a:\n    key_file: omapi.key\n    failover_peers: [\"\"]\n", []string{`module "a"`, "failover_peers[0]", "empty"}},
		{"duplicate peer", "modules:\n  a:\n    key_file: omapi.key\n    failover_peers: [p, q, p]\n", []string{`module "a"`, "failover_peers[2]", "twice"}},
		{"control character in peer", "modules:\n  a:\n    key_file: omapi.key\n    failover_peers: [\"p\\n\"]\n", []string{`module "a"`, "failover_peers[0]", "printable"}},
		{"sentinel not IPv4", "modules:\n  a:\n    key_file: omapi.key\n    sentinel_addresses: [\"2001:db8::1\"]\n", []string{`module "a"`, "sentinel_addresses[0]", "IPv4"}},
		{"sentinel garbage", "modules:\n  a:\n    key_file: omapi.key\n    sentinel_addresses: [x]\n", []string{`module "a"`, "sentinel_addresses[0]"}},
		{"duplicate sentinel", "modules:\n  a:\n    key_file: omapi.key\n    sentinel_addresses: [192.0.2.1, 192.0.2.1]\n", []string{`module "a"`, "sentinel_addresses[1]", "twice"}},
		{"missing dhcpd.conf", "modules:\n  a:\n    key_file: omapi.key\n    dhcpd_config_file: nonexistent.conf\n", []string{`module "a"`, "dhcpd_config_file", "nonexistent.conf"}},
		{"bad dhcpd.conf", "modules:\n  a:\n    key_file: omapi.key\n    dhcpd_config_file: bad.conf\n", []string{`module "a"`, "dhcpd_config_file", "bad.conf:2"}},
		{"two documents", "modules:\n  a:\n    key_file: omapi.key\n---\nmodules: {}\n", []string{"more than one YAML document"}},
		{"syntax error", "modules:\n  a:\n    key_file: [omapi.key\n", []string{"line"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml), dir)
			if err == nil {
				t.Fatalf("no error for:\n%s", tc.yaml)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if strings.Contains(err.Error(), testSecret) || strings.Contains(err.Error(), "probe.moduleYAML") {
				t.Errorf("error %q quotes the secret or a Go type", err)
			}
		})
	}
}

func TestParseWarnsAboutAWorldReadableKey(t *testing.T) {
	dir := writeFixtures(t)
	if err := os.Chmod(filepath.Join(dir, "omapi.key"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := Parse([]byte("modules:\n  a:\n    key_file: omapi.key\n"), dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], `module "a"`) || !strings.Contains(c.Warnings[0], "chmod o-rwx") {
		t.Errorf("warnings: %q", c.Warnings)
	}
}

func TestLoadFileResolvesAgainstItsDirectory(t *testing.T) {
	dir := writeFixtures(t)
	path := filepath.Join(dir, "probe.yml")
	if err := os.WriteFile(path, []byte("modules:\n  a:\n    key_file: omapi.key\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.Modules["a"].KeyFile != filepath.Join(dir, "omapi.key") {
		t.Errorf("key file %q", c.Modules["a"].KeyFile)
	}
	if _, err := LoadFile(filepath.Join(dir, "nope.yml")); err == nil || !strings.Contains(err.Error(), "nope.yml") {
		t.Errorf("missing file: %v", err)
	}
	big := filepath.Join(dir, "big.yml")
	os.WriteFile(big, make([]byte, maxConfigSize+1), 0o644)
	if _, err := LoadFile(big); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("big file: %v", err)
	}
}

func TestTargetAddress(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.1:7911":    "192.0.2.1:7911",
		"192.0.2.1":         "192.0.2.1:7911",
		"dhcp1.example.org": "dhcp1.example.org:7911",
		"dhcp1:7912":        "dhcp1:7912",
		"[2001:db8::1]:99":  "[2001:db8::1]:99",
		"":                  "",
		":7911":             "",
		"host:0":            "",
		"host:65536":        "",
		"host:x":            "",
		"a b:7911":          "",
		"http://host:7911":  "",
		"host:79:11":        "",
	} {
		got, err := targetAddress(in)
		if want == "" {
			if err == nil {
				t.Errorf("targetAddress(%q) = %q, want an error", in, got)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("targetAddress(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

// examples/dhcpd_exporter.yml is a valid configuration once the files it
// names exist: its /etc/dhcpd_exporter paths are redirected to fixtures.
func TestExampleConfig(t *testing.T) {
	example, err := os.ReadFile("../examples/dhcpd_exporter.yml")
	if err != nil {
		t.Fatal(err)
	}
	dir := writeFixtures(t)
	key, _ := os.ReadFile(filepath.Join(dir, "omapi.key"))
	conf, _ := os.ReadFile(filepath.Join(dir, "dhcpd.conf"))
	for _, path := range regexpAll(`/etc/dhcpd_exporter/\S+`, string(example)) {
		local := filepath.Join(dir, strings.TrimPrefix(path, "/etc/dhcpd_exporter/"))
		os.MkdirAll(filepath.Dir(local), 0o755)
		data := key
		if strings.HasSuffix(path, ".conf") {
			data = conf
		}
		if err := os.WriteFile(local, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	c, err := Parse([]byte(strings.ReplaceAll(string(example), "/etc/dhcpd_exporter/", dir+"/")), dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(sortedKeys(c.Modules), " "); got != "pair_a site_b_primary site_b_secondary standalone" {
		t.Errorf("modules %s", got)
	}
	if m := c.Modules["pair_a"]; m.Timeout != 5*time.Second || len(m.FailoverPeers) != 1 || m.DhcpdConfigFile != "" {
		t.Errorf("pair_a = %+v", m)
	}
}

func regexpAll(expr, s string) []string { return regexp.MustCompile(expr).FindAllString(s, -1) }
