package main

// The HTTP side of the binary, run on loopback in files-only mode (no
// dhcpd, no root): the endpoints and flags the Prometheus ecosystem
// expects, the landing page's status, and a clean exit on SIGTERM.

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// localExporter is the binary on a free loopback port.
type localExporter struct {
	addr string
	cmd  *exec.Cmd
	mu   sync.Mutex
	log  bytes.Buffer
}

func (e *localExporter) logText() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.log.String()
}

// filesOnly are the flags of an exporter that reads the lab's fixture
// files and never contacts dhcpd.
func filesOnly(t *testing.T) []string {
	leases := filepath.Join(t.TempDir(), "dhcpd.leases")
	if err := os.WriteFile(leases, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	return []string{"--no-collector.failover", "--no-collector.pools", "--no-collector.sentinel",
		"--dhcpd.config-file=dhcpdconf/testdata/primary.conf", "--dhcpd.leases-file=" + leases}
}

func startLocal(t *testing.T, args ...string) *localExporter {
	t.Helper()
	if testing.Short() {
		t.Skip("starts the exporter binary: not with -short")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e := &localExporter{addr: ln.Addr().String()}
	ln.Close()
	e.cmd = exec.Command(exporterBinary(t), append([]string{"--web.listen-address=" + e.addr}, args...)...)
	e.cmd.Stdout, e.cmd.Stderr = lockedWriter{&e.mu, &e.log}, lockedWriter{&e.mu, &e.log}
	if err := e.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if e.cmd.ProcessState == nil {
			e.cmd.Process.Kill()
			e.cmd.Wait()
		}
		if t.Failed() {
			t.Logf("exporter log:\n%s", e.logText())
		}
	})
	for i := 0; ; i++ {
		if code, _ := e.get(t, "/-/healthy"); code == http.StatusOK {
			return e
		}
		if i > 200 {
			t.Fatalf("exporter did not come up:\n%s", e.logText())
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func (e *localExporter) do(t *testing.T, method, path string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, "http://"+e.addr+path, nil)
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (e *localExporter) get(t *testing.T, path string) (int, string) {
	return e.do(t, http.MethodGet, path)
}

func TestHealthAndReadyEndpoints(t *testing.T) {
	e := startLocal(t, filesOnly(t)...)
	for _, c := range []struct {
		method, path string
		code         int
		body         string
	}{
		{"GET", "/-/healthy", 200, "Healthy\n"},
		{"HEAD", "/-/healthy", 200, ""},
		{"GET", "/-/ready", 200, "Ready\n"},
		{"POST", "/-/healthy", 405, "method not allowed\n"},
		{"GET", "/nonexistent", 404, "404 page not found\n"},
	} {
		code, body := e.do(t, c.method, c.path)
		if code != c.code || body != c.body {
			t.Errorf("%s %s: %d %q, want %d %q", c.method, c.path, code, body, c.code, c.body)
		}
	}
}

// The exporter's own metrics as node_exporter has them: promhttp's handler
// instrumentation, Go and process metrics; --web.disable-exporter-metrics
// leaves them out but keeps build_info and the dhcpd series.
func TestExporterMetricsAndTheirSwitch(t *testing.T) {
	on := startLocal(t, filesOnly(t)...)
	off := startLocal(t, append(filesOnly(t), "--web.disable-exporter-metrics")...)
	on.get(t, "/metrics")
	_, withOwn := on.get(t, "/metrics")
	_, without := off.get(t, "/metrics")
	for _, want := range []string{`promhttp_metric_handler_requests_total{code="200"} 1`, "promhttp_metric_handler_requests_in_flight 1", "go_goroutines", "process_resident_memory_bytes", "dhcpd_exporter_build_info", "dhcpd_pool_leases{"} {
		if !strings.Contains(withOwn, want) {
			t.Errorf("default: no %q", want)
		}
	}
	for _, gone := range []string{"promhttp_", "go_", "process_"} {
		if strings.Contains(without, "\n"+gone) {
			t.Errorf("--web.disable-exporter-metrics: %s* still exported", gone)
		}
	}
	for _, want := range []string{"dhcpd_exporter_build_info", "dhcpd_pool_leases{"} {
		if !strings.Contains(without, want) {
			t.Errorf("--web.disable-exporter-metrics: %q missing", want)
		}
	}
}

// --web.max-requests: a scrape beyond the limit gets 503 at once instead of
// queueing. A hung OMAPI server (it accepts and never answers) holds the
// first scrape's slot until its scrape timeout.
func TestMaxRequests(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	key := filepath.Join(t.TempDir(), "omapi.key")
	os.WriteFile(key, []byte("key k {\n  algorithm hmac-sha256;\n  secret \"c2VjcmV0c2VjcmV0c2VjcmV0\";\n};\n"), 0o600)
	e := startLocal(t, "--omapi.address="+ln.Addr().String(), "--omapi.key-file="+key,
		"--dhcpd.config-file=dhcpdconf/testdata/primary.conf", "--no-collector.leases",
		"--web.max-requests=1", "--web.scrape-timeout=2s")
	first := make(chan int)
	go func() {
		code, _ := e.get(t, "/metrics")
		first <- code
	}()
	time.Sleep(300 * time.Millisecond)
	start := time.Now()
	code, body := e.get(t, "/metrics")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "Limit of concurrent requests reached (1)") || time.Since(start) > time.Second {
		t.Errorf("second scrape: %d %q after %v", code, body, time.Since(start))
	}
	if c := <-first; c != http.StatusOK {
		t.Errorf("first scrape: %d", c)
	}
	if _, body := e.get(t, "/metrics"); !strings.Contains(body, `promhttp_metric_handler_requests_total{code="503"} 1`) {
		t.Errorf("the 503 is not counted")
	}
}

// The landing page tells what the exporter sees without reading logs: each
// collector's last result with its error, dhcpd.conf's state, and OMAPI.
func TestLandingPageShowsStatus(t *testing.T) {
	args := filesOnly(t)
	args[len(args)-1] = "--dhcpd.leases-file=/nonexistent/dhcpd.leases"
	e := startLocal(t, args...)
	_, before := e.get(t, "/")
	for _, want := range []string{"ISC dhcpd exporter", `href="/metrics"`, "not used: no OMAPI collector is enabled", "dhcpdconf/testdata/primary.conf", "none yet"} {
		if !strings.Contains(before, want) {
			t.Errorf("before a scrape: no %q in\n%s", want, before)
		}
	}
	e.get(t, "/metrics")
	_, after := e.get(t, "/")
	for _, want := range []string{"<td>leases</td>", "/nonexistent/dhcpd.leases", "no such file or directory", `<span class="ok">parsed</span>`} {
		if !strings.Contains(after, want) {
			t.Errorf("after a scrape: no %q in\n%s", want, after)
		}
	}
}

// SIGTERM (systemd stop, docker stop) ends the exporter with exit 0 and a
// log line, not as a crash.
func TestSIGTERMExitsZero(t *testing.T) {
	e := startLocal(t, filesOnly(t)...)
	e.get(t, "/metrics")
	if err := e.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- e.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("still running 10 s after SIGTERM")
	}
	if !strings.Contains(e.logText(), `msg="shutting down" signal=terminated`) {
		t.Errorf("no shutdown line in:\n%s", e.logText())
	}
}

// --collector.leases.states keeps only the named states of
// dhcpd_pool_leases (comma-separated or repeated); an unknown one stops the
// start with the list of known states.
func TestLeaseStatesFlag(t *testing.T) {
	e := startLocal(t, append(filesOnly(t), "--collector.leases.states=active,free", "--collector.leases.states=backup")...)
	_, body := e.get(t, "/metrics")
	for state, want := range map[string]bool{"active": true, "free": true, "backup": true, "expired": false, "reserved": false} {
		if got := strings.Contains(body, `state="`+state+`"`); got != want {
			t.Errorf("state %s exported: %v, want %v", state, got, want)
		}
	}
	out, err := exec.Command(exporterBinary(t), append(filesOnly(t), "--collector.leases.states=leased")...).CombinedOutput()
	if err == nil || !strings.Contains(string(out), `lease state \"leased\" is not one of free, active`) {
		t.Errorf("unknown state: %v\n%s", err, out)
	}
}

// --check reads --config.file too: the modules it defines, or the error a
// start would stop on (no dhcpd needed: files-only mode).
func TestCheckProbeConfig(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the exporter binary: not with -short")
	}
	dir := t.TempDir()
	key := filepath.Join(dir, "k.key")
	os.WriteFile(key, []byte("key k {\n  algorithm hmac-sha256;\n  secret \"c2VjcmV0c2VjcmV0c2VjcmV0\";\n};\n"), 0o600)
	good := filepath.Join(dir, "good.yml")
	os.WriteFile(good, []byte("modules:\n  b:\n    key_file: k.key\n  a:\n    key_file: k.key\n"), 0o600)
	bad := filepath.Join(dir, "bad.yml")
	os.WriteFile(bad, []byte("modules:\n  a:\n    key_file: k.key\n    timout: 5s\n"), 0o600)
	for _, c := range []struct {
		conf string
		exit int
		want string
	}{
		{good, 0, "probe config   " + good + ": 2 module(s): a, b"},
		{bad, 1, `PROBLEM        --config.file: ` + bad + `: module "a": line 4: unknown field "timout"`},
	} {
		out, err := exec.Command(exporterBinary(t), append(filesOnly(t), "--check", "--config.file="+c.conf)...).CombinedOutput()
		code := 0
		if exit, ok := err.(*exec.ExitError); ok {
			code = exit.ExitCode()
		}
		if code != c.exit || !strings.Contains(string(out), c.want) {
			t.Errorf("--check --config.file=%s: exit %d, want %d and %q in:\n%s", c.conf, code, c.exit, c.want, out)
		}
	}
}
