package omapiconf_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dhcpd-exporter/dhcpd_exporter/dhcpdconf"
	"github.com/dhcpd-exporter/dhcpd_exporter/omapiconf"
)

const keyMD5 = `key omapi_key { algorithm hmac-md5; secret "2ecz5ILgSn7SVAV3hjqYGw=="; };` + "\n"

func writeFiles(t *testing.T, files map[string]string) string {
	dir := t.TempDir()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// What the exporter warns about before dhcpd rejects it: the key it will
// use is not the one dhcpd.conf requires, by name, algorithm or secret, and
// a key file every user can read.
func TestResolveWarnings(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"dhcpd.conf":  "omapi-port 7912;\ninclude \"KEYFILE\";\nomapi-key omapi_key;\n",
		"dhcpd.key":   keyMD5,
		"name.key":    `key other { algorithm hmac-md5; secret "2ecz5ILgSn7SVAV3hjqYGw=="; };`,
		"alg.key":     `key omapi_key { algorithm hmac-sha256; secret "2ecz5ILgSn7SVAV3hjqYGw=="; };`,
		"secret.key":  `key omapi_key { algorithm hmac-md5; secret "AAAAAAAAAAAAAAAAAAAAAA=="; };`,
		"same.key":    keyMD5,
		"shared.key":  keyMD5,
		"missing.key": "",
	})
	conf := filepath.Join(dir, "dhcpd.conf")
	b, _ := os.ReadFile(conf)
	os.WriteFile(conf, []byte(strings.Replace(string(b), "KEYFILE", filepath.Join(dir, "dhcpd.key"), 1)), 0o640)
	os.Chmod(filepath.Join(dir, "shared.key"), 0o644)
	cfg, err := dhcpdconf.NewSource(conf, "/").Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		keyFile, want string
	}{
		{"name.key", `requires omapi-key "omapi_key" but the exporter's key is "other"`},
		{"alg.key", "declares algorithm hmac-md5, the exporter's key file hmac-sha256"},
		{"secret.key", "secret declared in dhcpd.conf"},
		{"shared.key", "readable or writable by every user"},
		{"same.key", ""},
	} {
		s, err := omapiconf.Resolve("", filepath.Join(dir, c.keyFile), cfg, nil)
		if err != nil {
			t.Fatalf("%s: %v", c.keyFile, err)
		}
		got := strings.Join(s.Warnings, "\n")
		if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("%s: warnings %q, want %q", c.keyFile, got, c.want)
		}
		if s.Address != "127.0.0.1:7912" {
			t.Errorf("%s: address %s", c.keyFile, s.Address)
		}
		if strings.Contains(got, "2ecz5ILgSn7SVAV3hjqYGw") || strings.Contains(got, "AAAAAAAA") {
			t.Errorf("%s: a warning shows a secret", c.keyFile)
		}
	}
	if _, err := omapiconf.Resolve("", filepath.Join(dir, "missing.key"), cfg, nil); err == nil {
		t.Error("an empty key file must be an error")
	}
}

// Without a readable dhcpd.conf nothing is guessed unless both flags are
// given; the address flag wins over omapi-port; the source follows
// dhcpd.conf when it changes and keeps its client when nothing that matters
// did.
func TestSourceFollowsTheFile(t *testing.T) {
	dir := writeFiles(t, map[string]string{"dhcpd.key": keyMD5})
	keyFile := filepath.Join(dir, "dhcpd.key")
	confPath := filepath.Join(dir, "dhcpd.conf")
	src := dhcpdconf.NewSource(confPath, "/")

	o := omapiconf.NewSource("", "", nil, nil)
	cfg, _ := src.Load(context.Background())
	if cl, err := o.Client(cfg); cl != nil || err == nil || !strings.Contains(err.Error(), "unknown until dhcpd.conf can be read") {
		t.Fatalf("no dhcpd.conf: %v %v", cl, err)
	}
	if cl, err := omapiconf.NewSource("127.0.0.1:7999", keyFile, nil, nil).Client(cfg); err != nil || cl.Address() != "127.0.0.1:7999" {
		t.Fatalf("both flags, no dhcpd.conf: %v", err)
	}

	os.WriteFile(confPath, []byte("omapi-port 7911;\ninclude \""+keyFile+"\";\nomapi-key omapi_key;\n"), 0o644)
	cfg, _ = src.Load(context.Background())
	first, err := o.Client(cfg)
	if err != nil || first.Address() != "127.0.0.1:7911" {
		t.Fatalf("from dhcpd.conf: %v", err)
	}
	// An unrelated change re-reads the file but keeps the client.
	os.WriteFile(confPath, []byte("omapi-port 7911;\ninclude \""+keyFile+"\";\nomapi-key omapi_key;\nauthoritative;\n"), 0o644)
	cfg, _ = src.Load(context.Background())
	if cl, _ := o.Client(cfg); cl != first {
		t.Error("a change that does not touch OMAPI replaced the client")
	}
	os.WriteFile(confPath, []byte("omapi-port 7915;\ninclude \""+keyFile+"\";\nomapi-key omapi_key;\n"), 0o644)
	cfg, _ = src.Load(context.Background())
	if cl, _ := o.Client(cfg); cl == first || cl.Address() != "127.0.0.1:7915" {
		t.Error("a new omapi-port was not followed")
	}
	// The address flag wins.
	flagged := omapiconf.NewSource("127.0.0.1:7999", "", nil, nil)
	if cl, err := flagged.Client(cfg); err != nil || cl.Address() != "127.0.0.1:7999" {
		t.Errorf("--omapi.address lost to omapi-port: %v", err)
	}
}
