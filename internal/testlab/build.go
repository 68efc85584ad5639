package testlab

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

var (
	buildOnce sync.Once
	built     string
	buildErr  error
)

// ModuleRoot is the directory of this project's go.mod, found from the
// working directory of the test.
func ModuleRoot() (string, error) {
	dir, _ := os.Getwd()
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && len(b) > 0 &&
			strings.Contains(string(b), "module github.com/dhcpd-exporter/dhcpd_exporter\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("the dhcpd_exporter module root is not above %s", dir)
		}
		dir = parent
	}
}

// ExporterBinary builds dhcpd_exporter once per test process and returns
// its path; it is removed when the process's tests end (see Main).
func ExporterBinary(env Env) string {
	env.Helper()
	buildOnce.Do(func() {
		root, err := ModuleRoot()
		if err != nil {
			buildErr = err
			return
		}
		dir, err := os.MkdirTemp("", "dhcpd-exporter-bin-")
		if err != nil {
			buildErr = err
			return
		}
		global.Cleanup(func() { os.RemoveAll(dir) })
		built = filepath.Join(dir, "dhcpd_exporter")
		cmd := exec.Command("go", "build", "-o", built, ".")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v: %s", err, out)
		}
	})
	if buildErr != nil {
		env.Fatalf("%v", buildErr)
	}
	return built
}
