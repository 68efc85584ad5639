package main

// End-to-end tests of the dhcpd_exporter binary against a real dhcpd
// failover pair (internal/testlab). The exporters run inside the lab's
// network namespace and are scraped through it.

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dhcpd-exporter/dhcpd_exporter/internal/labclient"
	"github.com/dhcpd-exporter/dhcpd_exporter/internal/leasegen"
	"github.com/dhcpd-exporter/dhcpd_exporter/internal/testlab"
	"github.com/dhcpd-exporter/dhcpd_exporter/omapi"
)

// exporterBinary is the dhcpd_exporter binary built for this test run.
func exporterBinary(t testing.TB) string { return testlab.ExporterBinary(t) }

// exporter is one dhcpd_exporter process inside the lab namespace.
type exporter struct {
	addr string // inside the namespace
	cmd  *exec.Cmd
	log  *syncBuffer
	ns   *testlab.Netns
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var nextPort = 19360

// startExporter runs the binary in the namespace with the given flags.
func startExporter(t testing.TB, ns *testlab.Netns, args ...string) *exporter {
	t.Helper()
	nextPort++
	e := &exporter{addr: fmt.Sprintf("127.0.0.1:%d", nextPort), log: &syncBuffer{}, ns: ns}
	e.cmd = ns.Command(context.Background(), exporterBinary(t), append([]string{"--web.listen-address=" + e.addr}, args...)...)
	e.cmd.Stdout, e.cmd.Stderr = e.log, e.log
	if err := e.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		e.cmd.Process.Kill()
		e.cmd.Wait()
		if t.Failed() {
			t.Logf("exporter %s log:\n%s", e.addr, e.log.String())
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := e.scrape(t, ""); err == nil {
			return e
		}
		if time.Now().After(deadline) {
			t.Fatalf("exporter did not come up; log:\n%s", e.log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// scrape fetches /metrics, optionally with a Prometheus scrape timeout header.
func (e *exporter) scrape(t testing.TB, timeout string) (string, error) {
	req, _ := http.NewRequest(http.MethodGet, "http://"+e.addr+"/metrics", nil)
	if timeout != "" {
		req.Header.Set("X-Prometheus-Scrape-Timeout-Seconds", timeout)
	}
	c := e.ns.HTTPClient()
	c.Timeout = 15 * time.Second
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("HTTP %d: %s", resp.StatusCode, b)
	}
	return string(b), err
}

func (e *exporter) mustScrape(t *testing.T) string {
	t.Helper()
	body, err := e.scrape(t, "")
	if err != nil {
		t.Fatal(err)
	}
	return body
}

func exporterFor(t testing.TB, p *testlab.Pair, s *testlab.Server, extra ...string) *exporter {
	return startExporter(t, p.NS, append([]string{
		"--omapi.address=" + s.OMAPIAddr,
		"--omapi.key-file=" + p.KeyFile,
		"--dhcpd.config-file=" + s.ConfPath,
		"--dhcpd.leases-file=" + s.LeasesPath,
	}, extra...)...)
}

func stateLine(peer, side, state string) string {
	return fmt.Sprintf(`dhcpd_failover_state{peer=%q,side=%q,state=%q} 1`, peer, side, state)
}

var stateNames = map[int]string{2: "normal", 3: "communications-interrupted", 4: "partner-down"}

// checkMetrics runs `promtool check metrics` on an exposition.
func checkMetrics(t *testing.T, exposition string) {
	t.Helper()
	testlab.RequireCommand(t, "prometheus", "promtool")
	cmd := exec.Command("promtool", "check", "metrics")
	cmd.Stdin = strings.NewReader(exposition)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

// The acceptance run: both servers normal; the primary follows the
// secondary's death to communications-interrupted, then partner-down, each
// within one scrape of dhcpd's own transition; a hung then dead primary gives
// dhcpd_up 0 within the scrape timeout while the exporter keeps serving.
func TestExporterAgainstRealPair(t *testing.T) {
	testlab.Require(t)
	p := testlab.StartPair(t, testlab.PairOptions{AutoPartnerDown: 3})
	ep := exporterFor(t, p, p.Primary)
	es := exporterFor(t, p, p.Secondary)

	for _, e := range []*exporter{ep, es} {
		body := e.mustScrape(t)
		for _, want := range []string{"dhcpd_up 1", stateLine(p.PeerName, "local", "normal"), stateLine(p.PeerName, "partner", "normal"),
			`dhcpd_scrape_collector_success{collector="failover"} 1`} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: missing %q in:\n%s", e.addr, want, body)
			}
		}
		checkMetrics(t, body)
	}
	if body := ep.mustScrape(t); !strings.Contains(body, `dhcpd_failover_peer_info{local_address="192.0.2.1",local_port="647",pair="dhcp-failover@192.0.2.100",partner_address="192.0.2.2",partner_port="847",peer="dhcp-failover",role="primary"} 1`) {
		t.Errorf("peer info missing:\n%s", body)
	}

	if err := p.Secondary.Kill(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for _, want := range []int{3, 4} {
		followTransition(t, p.Primary, ep, p.PeerName, want, 15*time.Second)
	}

	// A hung primary: the scrape ends within Prometheus' scrape timeout.
	p.Primary.Kill(syscall.SIGSTOP)
	start := time.Now()
	body, err := ep.scrape(t, "2")
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second || !strings.Contains(body, "dhcpd_up 0") || strings.Contains(body, "dhcpd_failover_state{") {
		t.Fatalf("hung dhcpd: scrape took %v:\n%s", d, body)
	}
	t.Logf("hung dhcpd: dhcpd_up 0 after %v (scrape timeout 2s)", time.Since(start).Round(time.Millisecond))
	p.Primary.Kill(syscall.SIGKILL)
	p.Primary.Wait()
	start = time.Now()
	body, err = ep.scrape(t, "2")
	if err != nil || !strings.Contains(body, "dhcpd_up 0") {
		t.Fatalf("dead dhcpd: %v\n%s", err, body)
	}
	t.Logf("dead dhcpd: dhcpd_up 0 after %v", time.Since(start).Round(time.Millisecond))
	if ep.cmd.ProcessState != nil {
		t.Fatal("exporter exited")
	}
	checkMetrics(t, body)

	// The OMAPI key can shut dhcpd down: it is never in the command line,
	// the logs (which now hold OMAPI errors) or the metrics.
	secret := p.KeySecret
	rawSecret, _ := base64.StdEncoding.DecodeString(secret)
	for where, text := range map[string]string{
		"exporter command line":  strings.Join(ep.cmd.Args, " "),
		"primary exporter log":   ep.log.String(),
		"secondary exporter log": es.log.String(),
		"metrics":                body + es.mustScrape(t),
	} {
		if strings.Contains(text, secret) || strings.Contains(text, string(rawSecret)) || strings.Contains(text, fmt.Sprintf("%x", rawSecret)) {
			t.Errorf("the OMAPI secret appears in the %s", where)
		}
	}
}

// followTransition polls dhcpd's own view (omshell) and the exporter in
// turns; the first scrape that starts after dhcpd reports the new state must
// show it.
func followTransition(t *testing.T, s *testlab.Server, e *exporter, peer string, want int, limit time.Duration) {
	t.Helper()
	begin := time.Now()
	for time.Since(begin) < limit {
		local, _, err := s.FailoverState(context.Background())
		if err == nil && local == want {
			body := e.mustScrape(t)
			if !strings.Contains(body, stateLine(peer, "local", stateNames[want])) {
				t.Fatalf("dhcpd reports %s but the next scrape does not:\n%s", stateNames[want], body)
			}
			t.Logf("%s: seen by dhcpd and by the next scrape %v after the kill", stateNames[want], time.Since(begin).Round(10*time.Millisecond))
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("dhcpd never reached state %d", want)
}

// A full scrape sends dhcpd only OPENs without create/update/exclusive and
// REFRESHes: a recording proxy between exporter and the real dhcpd checks
// every client message.
func TestExporterIsReadOnlyOnTheWire(t *testing.T) {
	testlab.Require(t)
	p := testlab.StartPair(t, testlab.PairOptions{})
	wire := recordWire(t, p, p.Primary.OMAPIAddr)
	e := startExporter(t, p.NS, "--omapi.address="+wire.addr, "--omapi.key-file="+p.KeyFile,
		"--dhcpd.config-file="+p.Primary.ConfPath, "--dhcpd.leases-file="+p.Primary.LeasesPath)
	for i := 0; i < 5; i++ {
		if body := e.mustScrape(t); !strings.Contains(body, "dhcpd_up 1") {
			t.Fatalf("scrape through proxy:\n%s", body)
		}
	}
	wire.assertReadOnly(t, 5)
	p.Primary.AssertHealthy(t)
}

// wireRecorder is a proxy in the lab namespace, in front of a dhcpd's
// OMAPI port, that decodes every message the exporter sends.
type wireRecorder struct {
	addr string // the proxy's address: give it to the exporter
	mu   sync.Mutex
	seen []*omapi.Message
}

func recordWire(t *testing.T, p *testlab.Pair, target string) *wireRecorder {
	t.Helper()
	ln, err := p.NS.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	w := &wireRecorder{addr: ln.Addr().String()}
	go proxy(t, ln, p.NS, target, func(m *omapi.Message) {
		w.mu.Lock()
		w.seen = append(w.seen, m)
		w.mu.Unlock()
	})
	return w
}

// assertReadOnly checks that at least atLeast messages went by, none of them
// a write (create, update, delete).
func (w *wireRecorder) assertReadOnly(t *testing.T, atLeast int) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	ops := map[string]int{}
	for _, m := range w.seen {
		if !m.ReadOnly() {
			t.Errorf("exporter sent %s", m)
		}
		ops[m.String()]++
	}
	if len(w.seen) < atLeast {
		t.Fatalf("only %d messages seen", len(w.seen))
	}
	t.Logf("client messages by kind: %v", ops)
}

// proxy forwards connections to target and decodes the client's messages.
func proxy(t *testing.T, ln net.Listener, ns *testlab.Netns, target string, record func(*omapi.Message)) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			s, err := ns.DialContext(context.Background(), "tcp", target)
			if err != nil {
				return
			}
			defer s.Close()
			go io.Copy(c, s)
			labclient.DecodeSent(io.TeeReader(c, s), record)
		}()
	}
}

func TestMain(m *testing.M) { testlab.Main(m) }

// A monitoring agent must never harm dhcpd: scrape a real dhcpd with 1,002
// pools and 2 failover peers hard — 8 concurrent scrapers, 200 scrapes, some
// cut short by tight scrape timeouts (which abandon windows mid-flight) —
// then check that dhcpd is alive, answers, and logged no abort.
func TestHardScrapingLeavesDhcpdHealthy(t *testing.T) {
	testlab.Require(t)
	p := testlab.StartPair(t, testlab.PairOptions{Start: "primary", Extra: testlab.ManyPools(1000, 50)})
	e := exporterFor(t, p, p.Primary)
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, cut := 0, 0
	start := time.Now()
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				timeout := ""
				if (g+i)%7 == 0 {
					timeout = "0.55" // 50 ms after the offset: often cut short
				}
				body, err := e.scrape(t, timeout)
				mu.Lock()
				switch {
				case err != nil:
					t.Errorf("scrape: %v", err)
				case strings.Contains(body, "dhcpd_up 1") && strings.Contains(body, `dhcpd_scrape_collector_success{collector="pools"} 1`):
					ok++
				case timeout != "":
					cut++
				default:
					t.Errorf("scrape without a timeout failed:\n%s", body)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	t.Logf("200 scrapes of 1,002 pools in %v: %d complete, %d cut short by their timeout", time.Since(start).Round(time.Millisecond), ok, cut)
	p.Primary.AssertHealthy(t)
	if body := e.mustScrape(t); !strings.Contains(body, "dhcpd_up 1") || strings.Count(body, "dhcpd_pool_loaded_addresses{") != 1002 {
		t.Fatalf("after the load:\n%.2000s", body)
	}
	if l, _, err := p.Primary.FailoverState(context.Background()); err != nil || l == 0 {
		t.Fatalf("omshell after the load: %d %v", l, err)
	}
}

// BenchmarkExporterLargeLeaseFile measures the exporter process itself on
// the 1,000,000-record lease file (about 365 MB) and 1,000 pools: the first
// scrape (a full parse), then scrapes after dhcpd appended 1,000 records;
// peak resident memory is the process's VmHWM. dhcpd is not needed: OMAPI
// points at a closed port, the lease and pool counts come from the files.
func BenchmarkExporterLargeLeaseFile(b *testing.B) {
	records := 1000000
	if v, err := strconv.Atoi(os.Getenv("DHCPD_EXPORTER_BENCH_RECORDS")); err == nil && v > 0 {
		records = v
	}
	conf, src, err := leasegen.Cached(leasegen.BenchOptions(records))
	if err != nil {
		b.Fatal(err)
	}
	leases := filepath.Join(b.TempDir(), "dhcpd.leases")
	if err := copyFileTo(src, leases); err != nil {
		b.Fatal(err)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(exporterBinary(b), "--web.listen-address="+addr, "--omapi.address=127.0.0.1:1",
		"--dhcpd.config-file="+conf, "--dhcpd.leases-file="+leases, "--no-collector.failover")
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	get := func() string {
		for i := 0; ; i++ {
			resp, err := http.Get("http://" + addr + "/metrics")
			if err == nil {
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				return string(body)
			}
			if i > 100 {
				b.Fatal(err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	first := time.Now()
	body := get()
	b.Logf("first scrape (full parse of %d records): %v", records, time.Since(first).Round(time.Millisecond))
	if !strings.Contains(body, `dhcpd_scrape_collector_success{collector="leases"} 1`) || strings.Count(body, "dhcpd_pool_addresses{") != 1000 {
		b.Fatalf("first scrape:\n%.3000s", body)
	}
	appendBatch, err := leasegen.Appender(leases, 1000)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		if err := appendBatch(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		get()
	}
	b.StopTimer()
	status, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid))
	for _, line := range strings.Split(string(status), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			var kb float64
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(line, "VmHWM:"), "kB")), &kb)
			b.ReportMetric(kb/1024, "peak-RSS-MB")
		}
	}
}

func copyFileTo(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o644)
}
