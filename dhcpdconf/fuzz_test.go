package dhcpdconf

import (
	"bytes"
	"errors"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
)

// fuzzIncludes are the only files FuzzParseConfig's includes can read: the
// fuzzer must not open real files (think of "/dev/zero").
var fuzzIncludes = map[string]string{
	"/etc/dhcp/a.conf":    "pool { range 10.0.0.200 10.0.0.210; }\n",
	"/etc/dhcp/key.conf":  "key k { algorithm hmac-md5; secret AAAA; }\n",
	"/etc/dhcp/loop.conf": "include \"loop.conf\";\n",
}

func FuzzParseConfig(f *testing.F) {
	for _, name := range []string{"testdata/primary.conf", "testdata/secondary.conf"} {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(peerDecl + "subnet 10.99.0.0 netmask 255.255.0.0 { pool { failover peer \"fo\"; range 10.99.1.0 10.99.1.10; } range 10.99.3.0; range dynamic-bootp 10.99.4.1; range 10.99.3.1 10.99.4.1; }"))
	f.Add([]byte("key k { algorithm hmac-md5; secret abc+/=; }; omapi-key k; shared-network s { subnet 1.2.3.0 netmask 255.255.255.0 { } pool { allow members of \"x\"; range 1.2.3.4 1.2.3.9; } }"))
	f.Add([]byte("subnet 10.0.0.0 netmask 255.255.255.0 { include \"a.conf\"; include \"key.conf\"; range 10.0.0.205 10.0.0.220; } include \"loop.conf\";"))
	f.Add([]byte("shared-network s { subnet 10.0.0.0 netmask 255.255.0.0 { } subnet 10.0.1.0 netmask 255.255.255.0 { } group { subnet 10.1.0.0 netmask 255.255.255.0 { range 10.1.0.1; } } pool { deny after never; range 10.0.1.5 10.0.2.5; } }"))
	f.Add([]byte("host h { key x { secret \"YQ==\"; algorithm a; } } if a { } else { } subnet6 2001:db8::/64 { } failover peer x state { }"))
	opts := Options{WorkDir: "/etc/dhcp", readFile: func(path string) ([]byte, error) {
		if text, ok := fuzzIncludes[path]; ok {
			return []byte(text), nil
		}
		return nil, &fs.PathError{Op: "open", Path: path, Err: fs.ErrNotExist}
	}}
	f.Fuzz(func(t *testing.T, src []byte) {
		cfg, err := Parse("fuzz.conf", src, opts)
		if err != nil {
			var perr *Error
			if !errors.As(err, &perr) || perr.Pos.File == "" || perr.Pos.Line < 1 {
				t.Fatalf("error without position: %#v", err)
			}
			if perr.Pos.File == "fuzz.conf" && perr.Pos.Line > bytes.Count(src, []byte("\n"))+1 {
				t.Fatalf("error past the last line: %v", err)
			}
			return
		}
		checkConfigInvariants(t, cfg)
	})
}

// checkConfigInvariants checks what every parsed Config must satisfy.
func checkConfigInvariants(t *testing.T, cfg *Config) {
	t.Helper()
	ids := map[string]bool{}
	var all []Range
	for _, sn := range cfg.SharedNetworks {
		if len(sn.Subnets) == 0 {
			t.Fatalf("shared network %s without subnets", sn.Name)
		}
		for _, p := range sn.Pools {
			if p.ID == "" || len(p.Ranges) == 0 || p.Size() == 0 || p.ID != p.Ranges[0].String() || ids[p.ID] {
				t.Fatalf("bad pool %+v", p)
			}
			ids[p.ID] = true
			if p.AdHoc && p.FailoverPeer != "" {
				t.Fatalf("ad-hoc pool with a failover peer: %+v", p)
			}
			for _, r := range p.Ranges {
				if r.High.Less(r.Low) || !r.Low.Is4() || r.Pos.Line < 1 {
					t.Fatalf("bad range %+v", r)
				}
				if !inSomeSubnet(sn, r.Low) || !inSomeSubnet(sn, r.High) {
					t.Fatalf("range %s outside the subnets of %s", r, sn.Name)
				}
				if r.DynamicBOOTP && p.FailoverPeer != "" {
					t.Fatalf("dynamic-bootp range in failover pool %s", p.ID)
				}
				all = append(all, r)
			}
		}
	}
	for i := range all {
		for j := i + 1; j < len(all); j++ {
			if !all[i].High.Less(all[j].Low) && !all[j].High.Less(all[i].Low) {
				t.Fatalf("ranges %s and %s overlap", all[i], all[j])
			}
		}
	}
	for _, w := range cfg.Warnings {
		if w.Pos.File == "" || w.Pos.Line < 1 {
			t.Fatalf("warning without position: %v", w)
		}
	}
	for _, k := range cfg.Keys {
		if k.Name == "" && k.Pos.Line < 1 || len(k.Secret) == 0 || k.Algorithm == "" {
			t.Fatalf("bad key %s at %s", k.Name, k.Pos)
		}
	}
	for _, f := range cfg.Files[1:] {
		if !filepath.IsAbs(f) {
			t.Fatalf("included file %s not resolved", f)
		}
	}
}

func inSomeSubnet(sn *SharedNetwork, a netip.Addr) bool {
	for _, s := range sn.Subnets {
		if s.Prefix.Contains(a) {
			return true
		}
	}
	return false
}
