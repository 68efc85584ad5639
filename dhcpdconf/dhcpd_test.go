package dhcpdconf

// Checks of the dhcpd.conf parser against a real dhcpd 4.4.3
// (isc-dhcp-server): the cases marked [live] in configErrorCases must be
// refused by `dhcpd -t`, at the same line where dhcpd names one, and those
// in poolAssignmentCases must give exactly dhcpd's pool objects when a real
// dhcpd runs them (internal/testlab, which needs root for its network
// namespace). Without dhcpd they skip, unless DHCPD_EXPORTER_REQUIRE_REAL=1.

import (
	"context"
	"encoding/base64"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dhcpd-exporter/dhcpd_exporter/internal/labclient"
	"github.com/dhcpd-exporter/dhcpd_exporter/internal/testlab"
	"github.com/dhcpd-exporter/dhcpd_exporter/omapi"
)

// dhcpdLine finds the line dhcpd names in a parse warning ("FILE line N: ...").
var dhcpdLine = regexp.MustCompile(`\.conf line (\d+): `)

func TestRealDhcpdRefuses(t *testing.T) {
	testlab.RequireCommand(t, "isc-dhcp-server", "dhcpd")
	dir := t.TempDir()
	n := 0
	for i, c := range configErrorCases {
		if !strings.HasSuffix(c.want, " [live]") {
			continue
		}
		n++
		path := filepath.Join(dir, "c"+strconv.Itoa(i)+".conf")
		if err := os.WriteFile(path, []byte(c.conf), 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("dhcpd", "-t", "-4", "-cf", path).CombinedOutput()
		if err == nil {
			t.Errorf("dhcpd accepts what the parser refuses:\n%s", c.conf)
			continue
		}
		_, perr := Parse("test.conf", []byte(c.conf), Options{})
		// dhcpd names the line of the last token it read, which can be
		// before the one at fault, never after it.
		if m := dhcpdLine.FindSubmatch(out); m != nil && perr != nil {
			if line, _ := strconv.Atoi(string(m[1])); line > perr.(*Error).Pos.Line {
				t.Errorf("dhcpd names line %d, the parser %v:\n%s\n%s", line, perr, c.conf, dhcpdMessage(out))
			}
		}
	}
	t.Logf("dhcpd -t refuses all %d configurations", n)
}

// TestRealDhcpdAccepts: configurations the parser reads must be ones dhcpd
// -t accepts too.
func TestRealDhcpdAccepts(t *testing.T) {
	testlab.RequireCommand(t, "isc-dhcp-server", "dhcpd")
	confs := []string{keysInEveryScopeConf, omapiSettingsConf, failoverDeclarationConf, cNumbersConf}
	for _, c := range keyCases {
		confs = append(confs, c.conf)
	}
	for _, name := range []string{"testdata/primary.conf", "testdata/secondary.conf"} {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		confs = append(confs, string(b))
	}
	path := filepath.Join(t.TempDir(), "dhcpd.conf")
	for _, conf := range confs {
		if _, err := Parse("test.conf", []byte(conf), Options{}); err != nil {
			t.Errorf("%v:\n%s", err, conf)
		}
		if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("dhcpd", "-t", "-4", "-cf", path).CombinedOutput(); err != nil {
			t.Errorf("dhcpd refuses what the parser accepts (%v):\n%s\n%s", err, conf, dhcpdMessage(out))
		}
	}
}

// dhcpdMessage is dhcpd's output without its banner.
func dhcpdMessage(out []byte) string {
	var keep []string
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, " line ") || strings.HasPrefix(line, "bad range") {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "\n")
}

// livePoolConf turns a poolAssignmentCases configuration into text for the
// lab's dhcpd.conf, which declares the failover peer "dhcp-failover".
func livePoolConf(conf string) string {
	conf = strings.TrimPrefix(conf, peerDecl)
	conf = strings.ReplaceAll(conf, `"fo"`, `"`+testlab.PeerName+`"`)
	// dhcpd needs a subnet for the interface it serves, and refuses a
	// failover peer that no pool names.
	return "subnet 192.0.2.0 netmask 255.255.255.0 { }\n" + conf +
		"\nsubnet 10.250.0.0 netmask 255.255.255.0 { pool { failover peer \"" + testlab.PeerName + "\"; range 10.250.0.10 10.250.0.11; } }\n"
}

func TestRealDhcpdPools(t *testing.T) {
	testlab.Require(t)
	for _, c := range poolAssignmentCases {
		if !strings.HasSuffix(c.name, "[live]") {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := testlab.StartPair(t, testlab.PairOptions{Start: "primary", Subnet: livePoolConf(c.conf), PrimaryLeases: []byte{}})
			cfg, err := ParseFile(p.Primary.ConfPath, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(cfg.Warnings) > 0 {
				t.Errorf("warnings for a configuration dhcpd runs: %v", cfg.Warnings)
			}
			secret, err := base64.StdEncoding.DecodeString(p.KeySecret)
			if err != nil {
				t.Fatal(err)
			}
			if k := cfg.Key(cfg.OMAPIKey); k == nil || string(k.Secret) != string(secret) {
				t.Fatalf("the lab's OMAPI key was not read: %v", k)
			}
			cl := labclient.New(t, p, p.Primary)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			seen := map[omapi.Handle]string{}
			for _, sn := range cfg.SharedNetworks {
				for _, pool := range sn.Pools {
					// Both ends of every range are in the dhcpd pool of the first.
					var ips []netip.Addr
					for _, r := range pool.Ranges {
						ips = append(ips, r.Low, r.High)
					}
					leases, errs, err := cl.LeasesByIP(ctx, ips)
					if err != nil {
						t.Fatal(err)
					}
					h := leases[0].Pool
					for i, l := range leases {
						if errs[i] != nil || l.Pool != h {
							t.Errorf("pool %s: %s is in dhcpd pool %v (%v), the pool's first address in %d", pool.ID, ips[i], l, errs[i], h)
						}
					}
					if other, dup := seen[h]; dup {
						t.Errorf("pools %s and %s are one pool in dhcpd", other, pool.ID)
					}
					seen[h] = pool.ID
					dp, err := cl.Pool(ctx, h)
					if err != nil {
						t.Fatal(err)
					}
					if uint64(dp.LeaseCount) != pool.Size() {
						t.Errorf("pool %s: dhcpd lease-count %d, model %d", pool.ID, dp.LeaseCount, pool.Size())
					}
				}
			}
			p.Primary.AssertHealthy(t)
		})
	}
}
