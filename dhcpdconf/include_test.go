package dhcpdconf

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeFiles writes name -> text into dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func TestIncludes(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"main.conf": `omapi-port 7911;
include "conf.d/key.conf";
omapi-key omapi_key;
subnet 10.0.0.0 netmask 255.255.255.0 { include "conf.d/pools.conf"; }
include "conf.d/hosts.conf";
`,
		"conf.d/key.conf": "key omapi_key {\n algorithm hmac-sha256;\n secret \"c2VjcmV0LXNlY3JldC1zZWNyZXQ=\";\n};\n",
		// Relative to the working directory, not to conf.d/.
		"conf.d/pools.conf":      "pool { range 10.0.0.10 10.0.0.20; }\ninclude \"conf.d/more-pools.conf\";\n",
		"conf.d/more-pools.conf": "pool { range 10.0.0.30 10.0.0.31; }\nrange 10.0.0.40;\n",
		// An include inside a skipped block is still read, for its keys.
		"conf.d/hosts.conf":      "host h { include \"conf.d/host-key.conf\"; }\n",
		"conf.d/host-key.conf":   "key in_host { algorithm hmac-md5; secret AAAA; }\n",
		"conf.d/unused.conf":     "this is not read;",
		"conf.d/loop-a.conf":     "include \"conf.d/loop-b.conf\";\n",
		"conf.d/loop-b.conf":     "\n\ninclude \"conf.d/loop-a.conf\";\n",
		"conf.d/self.conf":       "include \"conf.d/self.conf\";\n",
		"conf.d/bad.conf":        "\n\nomapi-port x;\n",
		"main-bad.conf":          "include \"conf.d/bad.conf\";\n",
		"main-loop.conf":         "subnet 10.0.0.0 netmask 255.255.255.0 { }\ninclude \"conf.d/loop-a.conf\";\n",
		"conf.d/in-pool.conf":    "option domain-name \"x\";\n",
		"main-in-pool.conf":      "subnet 10.0.0.0 netmask 255.255.255.0 {\n pool { range 10.0.0.1; }\n pool { include \"conf.d/in-pool.conf\"; range 10.0.0.2; }\n}\n",
		"conf.d/allow-pool.conf": "allow unknown-clients;\n",
		"main-allow-pool.conf":   "subnet 10.0.0.0 netmask 255.255.255.0 {\n pool { range 10.0.0.1; }\n pool { include \"conf.d/allow-pool.conf\"; range 10.0.0.2; }\n}\n",
	})
	main := filepath.Join(dir, "main.conf")
	cfg, err := ParseFile(main, Options{WorkDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if k := cfg.Key("omapi_key"); k == nil || string(k.Secret) != "secret-secret-secret" || k.Pos != (Position{File: filepath.Join(dir, "conf.d/key.conf"), Line: 1}) {
		t.Errorf("key %+v", k)
	}
	if cfg.Key("in_host") == nil {
		t.Error("the key included into a host block is missing")
	}
	if got, want := poolSummary(cfg), "10.0.0.0/24: 10.0.0.10-10.0.0.20 13; 10.0.0.40-10.0.0.40 1 adhoc"; got != want {
		t.Errorf("pools\n got %s\nwant %s", got, want)
	}
	var files []string
	for _, f := range cfg.Files {
		files = append(files, strings.TrimPrefix(f, dir+"/"))
	}
	if got, want := strings.Join(files, " "), "main.conf conf.d/key.conf conf.d/pools.conf conf.d/more-pools.conf conf.d/hosts.conf conf.d/host-key.conf"; got != want {
		t.Errorf("files\n got %s\nwant %s", got, want)
	}

	errorCases := []struct{ file, workDir, want string }{
		// Relative includes resolve against the working directory ("/" by default).
		{"main.conf", "", main + ":2: include: open /conf.d/key.conf: no such file or directory"},
		{"main-bad.conf", dir, filepath.Join(dir, "conf.d/bad.conf") + `:3: omapi-port: expected a number from 0 to 65535, found "x"`},
		{"main-loop.conf", dir, filepath.Join(dir, "conf.d/loop-b.conf") + ":3: include loop: " + filepath.Join(dir, "conf.d/loop-a.conf") + " includes itself"},
		{"conf.d/self.conf", dir, filepath.Join(dir, "conf.d/self.conf") + ":1: include loop: " + filepath.Join(dir, "conf.d/self.conf") + " includes itself"},
	}
	for _, c := range errorCases {
		_, err := ParseFile(filepath.Join(dir, c.file), Options{WorkDir: c.workDir})
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%s:\n got %v\nwant %s...", c.file, err, c.want)
		}
	}

	// Statements included into a pool are the pool's own, permits included
	// (dhcpd reads them with parse_statement), so that pool is not merged.
	for _, name := range []string{"main-in-pool.conf", "main-allow-pool.conf"} {
		cfg, err := ParseFile(filepath.Join(dir, name), Options{WorkDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := poolSummary(cfg), "10.0.0.0/24: 10.0.0.1-10.0.0.1 1; 10.0.0.2-10.0.0.2 1"; got != want {
			t.Errorf("%s:\n got %s\nwant %s", name, got, want)
		}
	}
}

func TestParseConfigFileMissing(t *testing.T) {
	if _, err := ParseFile(filepath.Join(t.TempDir(), "none.conf"), Options{}); err == nil || !os.IsNotExist(err) {
		t.Errorf("missing file: %v", err)
	}
}
