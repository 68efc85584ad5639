package collector_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/dhcpd-exporter/dhcpd_exporter/internal/testlab"
)

// Every golden exposition passes `promtool check metrics` (Debian package
// prometheus; .ci/run installs it).
func TestGoldenExpositionsPassPromtool(t *testing.T) {
	testlab.RequireCommand(t, "prometheus", "promtool")
	files, _ := filepath.Glob("testdata/*.prom")
	if len(files) == 0 {
		t.Fatal("no golden expositions")
	}
	for _, f := range files {
		in, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("promtool", "check", "metrics")
		cmd.Stdin = in
		out, err := cmd.CombinedOutput()
		in.Close()
		if err != nil {
			t.Errorf("%s: %v\n%s", f, err, out)
		}
	}
}
