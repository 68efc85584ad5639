package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/go-kit/log/level"
	"github.com/prometheus/common/promslog"
)

// The exporter's own lines and exporter-toolkit's (through the slog bridge)
// have one format: the same keys in the same order, times in UTC.
func TestOneLogFormat(t *testing.T) {
	var out bytes.Buffer
	cfg := &promslog.Config{Level: promslog.NewLevel()}
	logger, bridge := newLoggersTo(&out, cfg)
	level.Info(logger).Log("msg", "from the exporter", "k", "v")
	bridge.Info("from the toolkit", "k", "v")
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("lines:\n%s", out.String())
	}
	keys := regexp.MustCompile(`(?:^| )(\w+)=`)
	utc := regexp.MustCompile(`time=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z `)
	var orders []string
	for _, l := range lines {
		var ks []string
		for _, m := range keys.FindAllStringSubmatch(l, -1) {
			ks = append(ks, m[1])
		}
		orders = append(orders, strings.Join(ks, " "))
		if !utc.MatchString(l) {
			t.Errorf("not a UTC time: %s", l)
		}
	}
	if orders[0] != orders[1] || orders[0] != "level caller time msg k" {
		t.Errorf("key orders differ:\n%s\n%s", lines[0], lines[1])
	}
}
