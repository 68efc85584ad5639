package main

// The dhcpd_exporter binary in multi-target mode (--config.file, /probe)
// against a real dhcpd pair: one exporter with no dhcpd files of its own
// (every local collector off) probes both servers over OMAPI.

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dhcpd-exporter/dhcpd_exporter/internal/testlab"
)

// noLocalCollectors turns the local /metrics mode off: the exporter reads
// no dhcpd.conf, lease file or key of its own.
var noLocalCollectors = []string{"--no-collector.failover", "--no-collector.pools", "--no-collector.leases", "--no-collector.sentinel"}

// request sends method to path (with query) and returns status and body.
func (e *exporter) request(t testing.TB, method, path string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, "http://"+e.addr+path, nil)
	c := e.ns.HTTPClient()
	c.Timeout = 15 * time.Second
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (e *exporter) probe(t testing.TB, target, module string) (int, string) {
	t.Helper()
	return e.request(t, http.MethodGet, "/probe?"+url.Values{"target": {target}, "module": {module}}.Encode())
}

func (e *exporter) mustProbe(t testing.TB, target, module string, wants ...string) string {
	t.Helper()
	code, body := e.probe(t, target, module)
	if code != http.StatusOK {
		t.Fatalf("probe %s %s: HTTP %d: %s", target, module, code, body)
	}
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("probe %s %s: missing %q in:\n%s", target, module, w, body)
		}
	}
	return body
}

// probeConfig writes a probe configuration with a module "pair" for the
// lab's key and failover peer, plus extra text.
func probeConfig(t *testing.T, p *testlab.Pair, path, extra string) {
	t.Helper()
	text := fmt.Sprintf("modules:\n  pair:\n    key_file: %s\n    failover_peers: [%s]\n    timeout: 3s\n%s", p.KeyFile, p.PeerName, extra)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestProbeBinaryAgainstRealPair(t *testing.T) {
	requireFaultLab(t)
	p := testlab.StartPair(t, testlab.PairOptions{})
	cfg := filepath.Join(t.TempDir(), "dhcpd_exporter.yml")
	probeConfig(t, p, cfg, fmt.Sprintf("  fast:\n    key_file: %s\n    failover_peers: [%s]\n    timeout: 500ms\n", p.KeyFile, p.PeerName))
	e := startExporter(t, p.NS, append([]string{"--config.file=" + cfg}, noLocalCollectors...)...)

	for _, s := range p.Servers() {
		body := e.mustProbe(t, s.OMAPIAddr, "pair", "dhcpd_up 1", stateLine(p.PeerName, "local", "normal"),
			stateLine(p.PeerName, "partner", "normal"), `role="`+s.Role+`"`)
		checkMetrics(t, body)
	}
	// Dead (nothing listens) and hung (never accepted) targets: dhcpd_up 0
	// within the module's 500ms.
	hung, err := p.NS.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer hung.Close()
	for _, target := range []string{"127.0.0.1:7999", hung.Addr().String()} {
		start := time.Now()
		body := e.mustProbe(t, target, "fast", "dhcpd_up 0")
		if took := time.Since(start); took > 800*time.Millisecond || strings.Contains(body, "dhcpd_failover_state{") {
			t.Errorf("%s: dhcpd_up 0 after %v (module timeout 500ms):\n%s", target, took, body)
		}
	}
	own := e.mustScrape(t)
	for _, want := range []string{"dhcpd_exporter_config_last_reload_successful 1", "dhcpd_exporter_probe_targets_open 4",
		"dhcpd_exporter_probe_targets_max 200", `dhcpd_exporter_probe_requests_total{result="probed"} 4`} {
		if !strings.Contains(own, want) {
			t.Errorf("/metrics: missing %q", want)
		}
	}
	if strings.Contains(own, "\ndhcpd_up ") {
		t.Errorf("/metrics has the local mode's dhcpd_up with every local collector off:\n%s", own)
	}

	// A module added to the file works after SIGHUP, and another after
	// POST /-/reload.
	probeConfig(t, p, cfg, fmt.Sprintf("  hup:\n    key_file: %s\n    failover_peers: [%s]\n", p.KeyFile, p.PeerName))
	if err := e.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		code, body := e.probe(t, p.Secondary.OMAPIAddr, "hup")
		if code == http.StatusOK {
			if !strings.Contains(body, "dhcpd_up 1") || !strings.Contains(body, `role="secondary"`) {
				t.Errorf("module added on SIGHUP:\n%s", body)
			}
			break
		}
		if code != http.StatusBadRequest || time.Now().After(deadline) {
			t.Fatalf("module added on SIGHUP: HTTP %d %s", code, body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	probeConfig(t, p, cfg, fmt.Sprintf("  hup:\n    key_file: %s\n  post:\n    key_file: %s\n", p.KeyFile, p.KeyFile))
	if code, body := e.request(t, http.MethodPost, "/-/reload"); code != http.StatusOK {
		t.Fatalf("POST /-/reload: HTTP %d %s", code, body)
	}
	e.mustProbe(t, p.Primary.OMAPIAddr, "post", "dhcpd_up 1")
	if code, _ := e.request(t, http.MethodGet, "/-/reload"); code != http.StatusMethodNotAllowed {
		t.Errorf("GET /-/reload: HTTP %d", code)
	}

	// A bad file: refused on SIGHUP and on /-/reload, the modules in
	// force stay.
	if err := os.WriteFile(cfg, []byte("modules:\n  pair:\n    key_file: "+p.KeyFile+"\n    timeout: soon\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	e.cmd.Process.Signal(syscall.SIGHUP)
	deadline = time.Now().Add(5 * time.Second)
	for !strings.Contains(e.mustScrape(t), "dhcpd_exporter_config_last_reload_successful 0") {
		if time.Now().After(deadline) {
			t.Fatal("a bad file on SIGHUP: last_reload_successful stays 1")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if code, body := e.request(t, http.MethodPost, "/-/reload"); code != http.StatusInternalServerError || !strings.Contains(body, `module "pair": timeout`) {
		t.Errorf("POST /-/reload of a bad file: HTTP %d %s", code, body)
	}
	e.mustProbe(t, p.Primary.OMAPIAddr, "post", "dhcpd_up 1")
	if !strings.Contains(e.log.String(), `module \"pair\": timeout`) {
		t.Errorf("the log does not say why the reload failed:\n%s", e.log.String())
	}
	for _, s := range p.Servers() {
		s.AssertHealthy(t)
	}
}

// Without --config.file, /probe says what it needs.
func TestProbeBinaryWithoutConfig(t *testing.T) {
	requireFaultLab(t)
	ns := testlab.NewNetns(t)
	e := startExporter(t, ns, noLocalCollectors...)
	code, body := e.probe(t, "127.0.0.1:7911", "pair")
	if code != http.StatusNotFound || !strings.Contains(body, "--config.file") || strings.Count(body, "\n") != 1 {
		t.Errorf("/probe without --config.file: HTTP %d %q", code, body)
	}
}

// The probe path is read-only on the wire: a recording proxy (main_test.go)
// between the exporter and the real dhcpd decodes every client message.
func TestProbeBinaryIsReadOnlyOnTheWire(t *testing.T) {
	requireFaultLab(t)
	p := testlab.StartPair(t, testlab.PairOptions{})
	wire := recordWire(t, p, p.Primary.OMAPIAddr)
	dir := t.TempDir()
	conf, err := os.ReadFile(p.Primary.ConfPath)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "primary.conf"), conf, 0o644)
	cfg := filepath.Join(dir, "dhcpd_exporter.yml")
	probeConfig(t, p, cfg, fmt.Sprintf("  primary:\n    key_file: %s\n    failover_peers: [%s]\n    dhcpd_config_file: primary.conf\n    sentinel_addresses: [192.0.2.100]\n", p.KeyFile, p.PeerName))
	e := startExporter(t, p.NS, append([]string{"--config.file=" + cfg}, noLocalCollectors...)...)
	for i := 0; i < 3; i++ {
		for _, module := range []string{"pair", "primary"} {
			e.mustProbe(t, wire.addr, module, "dhcpd_up 1")
		}
	}
	e.mustProbe(t, wire.addr, "primary", `dhcpd_scrape_collector_success{collector="pools"} 1`, `dhcpd_scrape_collector_success{collector="sentinel"} 1`)
	wire.assertReadOnly(t, 7)
	p.Primary.AssertHealthy(t)
}
