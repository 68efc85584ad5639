package testlab

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// RequireEnv, set to 1, turns every "real component missing" skip into a
// failure. .ci/run sets it, so CI can never pass by skipping the tests that
// use real dhcpd, promtool, Prometheus or Alertmanager.
const RequireEnv = "DHCPD_EXPORTER_REQUIRE_REAL"

// Available says why the lab cannot run on this machine, or returns nil.
func Available() error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("not running as root (network namespaces need it)")
	}
	for _, bin := range []string{"ip", "dhcpd", "omshell"} {
		if _, err := exec.LookPath(bin); err != nil {
			return fmt.Errorf("%s not on PATH", bin)
		}
	}
	return nil
}

// Require skips the test unless the real-dhcpd lab can run: root, with ip,
// dhcpd and omshell on PATH.
func Require(t testing.TB) {
	t.Helper()
	skipShort(t)
	if err := Available(); err != nil {
		SkipMissing(t, "real-dhcpd test: %v; needs root and isc-dhcp-server (dhcpd, omshell): "+
			"run .ci/run or: apt-get install isc-dhcp-server iproute2", err)
	}
}

// RequireCommand skips the test unless every named program is on PATH.
func RequireCommand(t testing.TB, debianPackage string, names ...string) {
	t.Helper()
	skipShort(t)
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			SkipMissing(t, "%s not installed (Debian package %s; .ci/run installs it)", n, debianPackage)
		}
	}
}

// skipShort keeps real components out of `go test -short` (`make unit`):
// they belong to `make test`.
func skipShort(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("uses a real component (dhcpd, promtool, Prometheus, ...): not with -short; `make test` runs it")
	}
}

// SkipMissing skips because a real component is missing, or fails when
// RequireEnv is set.
func SkipMissing(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv(RequireEnv) == "1" {
		t.Fatalf("missing real component (%s=1): "+format, append([]any{RequireEnv}, args...)...)
	}
	t.Skipf("skipping "+format, args...)
}
