package probe

import (
	"strings"
	"testing"
)

// FuzzParseConfig: any text either parses into modules that each have a
// key, or is refused with an error; never a panic, and no error quotes the
// secret of a key file it read.
//
//	go test ./probe -run XXX -fuzz FuzzParseConfig -fuzztime 30s
func FuzzParseConfig(f *testing.F) {
	dir := writeFixtures(f)
	for _, seed := range []string{
		"modules:\n  a:\n    key_file: omapi.key\n",
		"modules:\n  a:\n    key_file: omapi.key\n    failover_peers: [p]\n    timeout: 5s\n    dhcpd_config_file: dhcpd.conf\n    sentinel_addresses: [192.0.2.1]\n",
		"modules:\n  a:\n    key_file: omapi.key\n    timout: 5s\n",
		"modules:\n  a: &x\n    key_file: omapi.key\n  b: *x\n",
		"modules:\n  a:\n    <<: {key_file: omapi.key}\n",
		"modules: [a, b]\n",
		"modules:\n  a:\n    key_file: two.key\n",
		"modules:\n  a:\n    key_file: omapi.key\n---\n",
		"{modules: {a: {key_file: omapi.key, timeout: 1h}}}",
		"modules:\n  a:\n    key_file: dhcpd.conf\n",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		c, err := Parse([]byte(text), dir)
		if err != nil {
			if strings.Contains(err.Error(), testSecret) {
				t.Fatalf("error quotes the secret: %v", err)
			}
			return
		}
		if len(c.Modules) == 0 {
			t.Fatal("parsed without modules")
		}
		for name, m := range c.Modules {
			if m.Key == nil || m.Name != name || m.Timeout < 0 {
				t.Fatalf("module %q = %+v", name, m)
			}
		}
	})
}
