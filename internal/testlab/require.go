package testlab

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

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
	if err := Available(); err != nil {
		t.Skipf("skipping real-dhcpd test: %v; needs root and isc-dhcp-server (dhcpd, omshell): "+
			"run .ci/run or: apt-get install isc-dhcp-server iproute2", err)
	}
}
