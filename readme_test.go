package main

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/dhcpd-exporter/dhcpd_exporter/collector"
	"github.com/dhcpd-exporter/dhcpd_exporter/omapi"
	"github.com/dhcpd-exporter/dhcpd_exporter/omapiconf"
)

// The README is the operator's reference: every flag of the binary and
// every metric it can export must be in it, by its full name.
func TestReadmeNamesEveryFlagAndMetric(t *testing.T) {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)

	app := kingpin.New(exporterName, "")
	f := addFlags(app)
	app.Version("test")
	if _, err := app.Parse(nil); err != nil { // sets the defaults
		t.Fatal(err)
	}
	var missing []string
	for _, fl := range app.Model().Flags {
		if fl.Hidden || fl.Name == "help" {
			continue
		}
		if !strings.Contains(readme, "`--"+fl.Name+"`") {
			missing = append(missing, "--"+fl.Name)
		}
	}

	for _, name := range metricNames(t, f) {
		if !regexp.MustCompile("`" + regexp.QuoteMeta(name) + "[`{]").MatchString(readme) {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		t.Errorf("README.md does not name (in backquotes) these flags and metrics:\n  %s", strings.Join(missing, "\n  "))
	}
}

// metricNames are the names the binary can export: every collector's
// descriptions, the /probe metrics, and the exporter's own ecosystem
// metrics (Go and process metrics are documented as families).
func metricNames(t *testing.T, f *flags) []string {
	all := map[string]bool{}
	for _, n := range collector.Names() {
		all[n] = true
	}
	e, err := collector.New(collector.Options{
		Logger:     log.NewNopLogger(),
		OMAPI:      omapiconf.NewFixed(omapi.NewClient(omapi.Config{Address: "127.0.0.1:1"})),
		LeasesFile: "/nonexistent",
		Enabled:    all,
	})
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{"dhcpd_exporter_build_info": true, "promhttp_metric_handler_requests_total": true, "promhttp_metric_handler_requests_in_flight": true}
	ch := make(chan *prometheus.Desc)
	go func() { e.Describe(ch); close(ch) }()
	fq := regexp.MustCompile(`fqName: "([^"]+)"`)
	for d := range ch {
		if m := fq.FindStringSubmatch(d.String()); m != nil {
			names[m[1]] = true
		}
	}
	// The configuration metrics exist only with a dhcpd.conf source.
	names["dhcpd_config_last_reload_successful"] = true
	names["dhcpd_config_last_reload_success_timestamp_seconds"] = true

	// The probe metrics exist only with --config.file.
	dir := t.TempDir()
	key := filepath.Join(dir, "k.key")
	conf := filepath.Join(dir, "probe.yml")
	os.WriteFile(key, []byte("key k {\n  algorithm hmac-sha256;\n  secret \"c2VjcmV0c2VjcmV0c2VjcmV0\";\n};\n"), 0o600)
	os.WriteFile(conf, []byte("modules:\n  m:\n    key_file: "+key+"\n"), 0o600)
	f.probe.configFile = conf
	reg := prometheus.NewRegistry()
	if _, err := f.probe.install(http.NewServeMux(), reg, log.NewNopLogger(), 5*time.Second, 500*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	fams, _ := reg.Gather()
	for _, fam := range fams {
		names[fam.GetName()] = true
	}
	out := make([]string, 0, len(names))
	for n := range names {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
