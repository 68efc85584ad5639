package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dhcpd-exporter/dhcpd_exporter/internal/testlab"
)

// runCheckIn runs `dhcpd_exporter --check` in the lab namespace and
// returns its output and exit code.
func runCheckIn(t *testing.T, ns *testlab.Netns, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := ns.Command(ctx, exporterBinary(t), append([]string{"--check"}, args...)...).CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return string(out), 0
	case errors.As(err, &exit):
		return string(out), exit.ExitCode()
	}
	t.Fatalf("--check: %v\n%s", err, out)
	return "", -1
}

// --check against the real pair, for each outcome an operator meets on the
// first day: all well (on both roles, port and key found through
// dhcpd.conf), a wrong secret, a typo in dhcpd.conf, a pool dhcpd has not
// loaded, dhcpd down. Each says what it found and, for a problem, the fix.
func TestCheckAgainstRealPair(t *testing.T) {
	requireFaultLab(t)
	p := testlab.StartPair(t, testlab.PairOptions{})
	files := func(s *testlab.Server, conf string) []string {
		return []string{"--dhcpd.config-file=" + conf, "--dhcpd.leases-file=" + s.LeasesPath}
	}
	cases := []struct {
		name     string
		args     func(t *testing.T) []string
		exit     int
		want     []string
		dontWant []string
	}{
		{
			name: "healthy primary",
			args: func(*testing.T) []string { return files(p.Primary, p.Primary.ConfPath) },
			want: []string{
				"OMAPI          127.0.0.1:7911 (127.0.0.1 and dhcpd.conf's omapi-port)",
				`key            "` + p.KeyName + `", ` + p.KeyAlgorithm + ", from " + p.KeyFile + " (named by omapi-key in dhcpd.conf)",
				"dhcpd          answered at 127.0.0.1:7911, key accepted",
				"failover peer  dhcp-failover: role primary, local normal, partner normal",
				"192.0.2.100-192.0.2.149", "192.0.2.150-192.0.2.199",
				"lease file     " + p.Primary.LeasesPath + ":",
				"collectors     failover ok, leases ok, pools ok, sentinel ok",
				"OK: every enabled collector works.",
			},
		},
		{
			name: "healthy secondary",
			args: func(*testing.T) []string { return files(p.Secondary, p.Secondary.ConfPath) },
			want: []string{"answered at 127.0.0.1:7912", "role secondary, local normal, partner normal", "OK: every enabled collector works."},
		},
		{
			name: "wrong secret",
			args: func(t *testing.T) []string {
				wrong := filepath.Join(t.TempDir(), "wrong.key")
				os.WriteFile(wrong, []byte("key "+p.KeyName+" {\n  algorithm "+p.KeyAlgorithm+";\n  secret \"AAAAAAAAAAAAAAAAAAAAAA==\";\n};\n"), 0o640)
				return append(files(p.Primary, p.Primary.ConfPath), "--omapi.key-file="+wrong)
			},
			exit: 1,
			want: []string{
				"the secret declared in dhcpd.conf",
				"PROBLEM        dhcpd at 127.0.0.1:7911 rejected the exporter's OMAPI key",
				"restart dhcpd after changing the key",
			},
			dontWant: []string{p.KeySecret, "AAAAAAAAAAAAAAAAAAAAAA==", "OK:"},
		},
		{
			name: "typo in dhcpd.conf",
			args: func(t *testing.T) []string {
				conf := copyConf(t, p.Primary)
				b, _ := os.ReadFile(conf)
				lines := strings.Split(string(b), "\n")
				typo := append(append(append([]string{}, lines[:3]...), "max-lease-time 7200 oops {;"), lines[3:]...)
				os.WriteFile(conf, []byte(strings.Join(typo, "\n")), 0o644)
				return files(p.Primary, conf)
			},
			exit: 1,
			want: []string{"dhcpd.conf:4:", "dhcpd -t -cf"},
		},
		{
			name: "pool dhcpd has not loaded",
			args: func(t *testing.T) []string {
				conf := copyConf(t, p.Primary)
				f, _ := os.OpenFile(conf, os.O_APPEND|os.O_WRONLY, 0)
				f.WriteString("\nsubnet 198.51.100.0 netmask 255.255.255.0 {\n  pool {\n    range 198.51.100.10 198.51.100.20;\n  }\n}\n")
				f.Close()
				return files(p.Primary, conf)
			},
			exit: 1,
			want: []string{"PROBLEM        dhcpd has not loaded the pool 198.51.100.0/24 198.51.100.10-198.51.100.20", "restart dhcpd"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, code := runCheckIn(t, p.NS, c.args(t)...)
			if code != c.exit {
				t.Errorf("exit %d, want %d", code, c.exit)
			}
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q", w)
				}
			}
			for _, w := range c.dontWant {
				if strings.Contains(out, w) {
					t.Errorf("output contains %q", w)
				}
			}
			if t.Failed() || testing.Verbose() {
				t.Logf("output:\n%s", out)
			}
		})
	}

	t.Run("dhcpd down", func(t *testing.T) {
		p.Secondary.Kill(syscall.SIGKILL)
		p.Secondary.Wait()
		out, code := runCheckIn(t, p.NS, files(p.Secondary, p.Secondary.ConfPath)...)
		if code != 1 || !strings.Contains(out, "PROBLEM        dhcpd does not answer OMAPI at 127.0.0.1:7912") || !strings.Contains(out, "is dhcpd running") {
			t.Errorf("exit %d:\n%s", code, out)
		}
	})
	p.Primary.AssertHealthy(t)
}
