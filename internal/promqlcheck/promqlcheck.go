// Package promqlcheck is test support: it parses PromQL with Prometheus'
// own parser, through the tools/promqlcheck program of the separate tools
// module (so the Prometheus server's module graph stays out of this one),
// and lists the metric names the exporter describes, so dashboards and
// alert rules break the build when a metric is renamed.
package promqlcheck

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/dhcpd-exporter/dhcpd_exporter/collector"
	"github.com/dhcpd-exporter/dhcpd_exporter/dhcpdconf"
	"github.com/dhcpd-exporter/dhcpd_exporter/omapi"
	"github.com/dhcpd-exporter/dhcpd_exporter/omapiconf"
)

// Expr is an expression to check, and where it comes from.
type Expr struct {
	Source string `json:"source"`
	Expr   string `json:"expr"`
}

// Result is the parser's verdict.
type Result struct {
	Source  string   `json:"source"`
	Error   string   `json:"error"`
	Metrics []string `json:"metrics"`
}

// toolsDir finds tools/ above the current directory.
func toolsDir(tb testing.TB) string {
	dir, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(dir, "tools", "go.mod")); err == nil {
			return filepath.Join(dir, "tools")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("tools/go.mod not found above the test's directory")
		}
		dir = parent
	}
}

// Parse parses every expression with the Prometheus parser.
func Parse(tb testing.TB, exprs []Expr) []Result {
	tb.Helper()
	in, _ := json.Marshal(exprs)
	cmd := exec.Command("go", "run", "./promqlcheck")
	cmd.Dir = toolsDir(tb)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("tools/promqlcheck: %v\n%s", err, stderr.String())
	}
	var res []Result
	if err := json.Unmarshal(out, &res); err != nil {
		tb.Fatal(err)
	}
	return res
}

var fqName = regexp.MustCompile(`fqName: "([^"]+)"`)

// ExporterMetricNames lists every metric name the exporter's collectors
// describe, with every collector enabled.
func ExporterMetricNames(tb testing.TB) map[string]bool {
	tb.Helper()
	on := map[string]bool{}
	for _, n := range collector.Names() {
		on[n] = true
	}
	e, err := collector.New(collector.Options{
		Logger: log.NewNopLogger(), OMAPI: omapiconf.NewFixed(omapi.NewClient(omapi.Config{Address: "127.0.0.1:1"})),
		Config: dhcpdconf.NewSource("/nonexistent", "/"), LeasesFile: "/nonexistent", Enabled: on,
	})
	if err != nil {
		tb.Fatal(err)
	}
	ch := make(chan *prometheus.Desc, 256)
	go func() { e.Describe(ch); close(ch) }()
	names := map[string]bool{"dhcpd_exporter_build_info": true}
	for d := range ch {
		if m := fqName.FindStringSubmatch(d.String()); m != nil {
			names[m[1]] = true
		}
	}
	return names
}

// Known reports whether a metric name is exported (or is a Go/process
// metric of the exporter itself, or one of the given recorded series).
func Known(name string, exported, recorded map[string]bool) bool {
	return exported[name] || recorded[name] || strings.HasPrefix(name, "go_") || strings.HasPrefix(name, "process_")
}
