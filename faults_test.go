package main

// Faults injected on purpose, against the real binary and a real dhcpd: the
// exporter must tell the truth within each scrape's budget and say why in
// its log. Each test names the operator's situation it stands for.

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dhcpd-exporter/dhcpd_exporter/internal/testlab"
)

// requireFaultLab skips unless a real dhcpd can run (and not under -short).
func requireFaultLab(t *testing.T) {
	t.Helper()
	testlab.Require(t)
	if testing.Short() {
		t.Skip("real dhcpd fault test: not with -short")
	}
}

// value returns the value of the series series (name and labels as in the
// exposition) or -1 when it is absent.
func value(body, series string) float64 {
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindStringSubmatch(body)
	if m == nil {
		return -1
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	return v
}

// timedScrape scrapes with a Prometheus scrape timeout header and checks
// the answer came within it.
func (e *exporter) timedScrape(t *testing.T, timeout float64) string {
	t.Helper()
	start := time.Now()
	body, err := e.scrape(t, strconv.FormatFloat(timeout, 'f', -1, 64))
	took := time.Since(start)
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	if took > time.Duration(timeout*float64(time.Second)) {
		t.Errorf("scrape took %v, over its %vs budget", took.Round(time.Millisecond), timeout)
	}
	return body
}

func copyConf(t *testing.T, s *testlab.Server) string {
	t.Helper()
	b, err := os.ReadFile(s.ConfPath)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "dhcpd.conf")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// A typo saved in dhcpd.conf while dhcpd runs: dhcpd goes on with what it
// read at its start, and so does the exporter. The pools stay, the reload
// metric says 0, the error is logged once with its line; fixing the file
// brings the metric back without a restart.
func TestFaultConfigTypoWhileRunning(t *testing.T) {
	requireFaultLab(t)
	p := testlab.StartPair(t, testlab.PairOptions{})
	conf := copyConf(t, p.Primary)
	good, _ := os.ReadFile(conf)
	e := startExporter(t, p.NS, "--dhcpd.config-file="+conf, "--dhcpd.leases-file="+p.Primary.LeasesPath)

	body := e.timedScrape(t, 3)
	if value(body, "dhcpd_config_last_reload_successful") != 1 || value(body, "dhcpd_up") != 1 || strings.Count(body, "dhcpd_pool_addresses{") != 2 {
		t.Fatalf("before the typo:\n%s", body)
	}
	lines := strings.Split(string(good), "\n")
	typo := strings.Join(append(append(append([]string{}, lines[:3]...), "max-lease-time 7200 oops {;"), lines[3:]...), "\n")
	os.WriteFile(conf, []byte(typo), 0o644)
	for i := 0; i < 3; i++ {
		body = e.timedScrape(t, 3)
	}
	for series, want := range map[string]float64{
		"dhcpd_config_last_reload_successful": 0,
		"dhcpd_up":                            1,
		`dhcpd_scrape_collector_success{collector="pools"}`:    1,
		`dhcpd_scrape_collector_success{collector="leases"}`:   1,
		`dhcpd_scrape_collector_success{collector="failover"}`: 1,
	} {
		if got := value(body, series); got != want {
			t.Errorf("with the typo: %s = %v, want %v", series, got, want)
		}
	}
	if n := strings.Count(body, "dhcpd_pool_addresses{"); n != 2 {
		t.Errorf("with the typo: %d pools, want the 2 dhcpd runs", n)
	}
	if n := strings.Count(e.log.String(), "dhcpd.conf no longer parses"); n != 1 {
		t.Errorf("the typo is logged %d times in 3 scrapes, want once:\n%s", n, e.log.String())
	}
	if !strings.Contains(e.log.String(), "dhcpd.conf:4:") {
		t.Errorf("the log does not name line 4:\n%s", e.log.String())
	}
	os.WriteFile(conf, good, 0o644)
	body = e.timedScrape(t, 3)
	if value(body, "dhcpd_config_last_reload_successful") != 1 || !strings.Contains(e.log.String(), "dhcpd.conf parses again") {
		t.Errorf("after the fix:\n%s\nlog:\n%s", body, e.log.String())
	}
}

// Started before dhcpd.conf could be read (a wrong path, installed later):
// the exporter must not guess a port without a key and stay there. It waits
// for the file and then reads the OMAPI port and key from it, no restart.
func TestFaultStartedBeforeConfigReadable(t *testing.T) {
	requireFaultLab(t)
	p := testlab.StartPair(t, testlab.PairOptions{})
	conf := filepath.Join(t.TempDir(), "dhcpd.conf")
	e := startExporter(t, p.NS, "--dhcpd.config-file="+conf, "--dhcpd.leases-file="+p.Primary.LeasesPath)
	body := e.timedScrape(t, 3)
	if value(body, "dhcpd_up") != 0 || value(body, `dhcpd_exporter_omapi_connects_total`) != 0 {
		t.Fatalf("without dhcpd.conf:\n%s", body)
	}
	if !strings.Contains(e.log.String(), "OMAPI address and key unknown until dhcpd.conf can be read") {
		t.Errorf("the log does not say why:\n%s", e.log.String())
	}
	b, _ := os.ReadFile(p.Primary.ConfPath)
	os.WriteFile(conf, b, 0o644)
	body = e.timedScrape(t, 3)
	if value(body, "dhcpd_up") != 1 || value(body, `dhcpd_scrape_collector_success{collector="pools"}`) != 1 {
		t.Fatalf("after dhcpd.conf appeared:\n%s\nlog:\n%s", body, e.log.String())
	}
}

// dhcpd rejects the exporter's key: that is not "dhcpd is down". The start
// warns that the key differs from dhcpd.conf's, each scrape counts an auth
// failure and logs what to check, and the secret appears nowhere.
func TestFaultKeyRejected(t *testing.T) {
	requireFaultLab(t)
	p := testlab.StartPair(t, testlab.PairOptions{})
	wrong := filepath.Join(t.TempDir(), "wrong.key")
	const wrongSecret = "AAAAAAAAAAAAAAAAAAAAAA=="
	os.WriteFile(wrong, []byte("key "+p.KeyName+" {\n  algorithm "+p.KeyAlgorithm+";\n  secret \""+wrongSecret+"\";\n};\n"), 0o644)
	e := startExporter(t, p.NS, "--omapi.key-file="+wrong, "--dhcpd.config-file="+p.Primary.ConfPath, "--dhcpd.leases-file="+p.Primary.LeasesPath)
	var body string
	for i := 0; i < 2; i++ {
		body = e.timedScrape(t, 3)
	}
	log := e.log.String()
	if value(body, "dhcpd_up") != 0 || value(body, `dhcpd_exporter_omapi_failures_total{reason="auth"}`) < 2 || value(body, `dhcpd_exporter_omapi_failures_total{reason="connect"}`) != 0 {
		t.Errorf("rejected key:\n%s", body)
	}
	for _, want := range []string{"dhcpd rejected the exporter's OMAPI key", "reason=auth", "differs from the exporter's", "readable or writable by every user"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	if strings.Contains(log, "dhcpd does not answer OMAPI") {
		t.Errorf("a rejected key is logged as dhcpd not answering:\n%s", log)
	}
	for _, s := range []string{wrongSecret, p.KeySecret} {
		if strings.Contains(log, s) || strings.Contains(body, s) {
			t.Errorf("a secret appears in the log or the metrics")
		}
	}
	p.Primary.AssertHealthy(t)
}

// A hung dhcpd (SIGSTOP) scraped by two Prometheus servers at once: both
// scrapes end within their budget with dhcpd_up 0, counted as timeouts; a
// dead one (SIGKILL) as connect failures; restarted, it is seen at once and
// its pool handles are learned again within the same scrape.
func TestFaultHungThenDeadThenRestarted(t *testing.T) {
	requireFaultLab(t)
	p := testlab.StartPair(t, testlab.PairOptions{})
	e := exporterFor(t, p, p.Primary)
	if body := e.timedScrape(t, 2); value(body, "dhcpd_up") != 1 {
		t.Fatalf("healthy:\n%s", body)
	}

	p.Primary.Kill(syscall.SIGSTOP)
	var wg sync.WaitGroup
	bodies := make([]string, 2)
	start := time.Now()
	for i := range bodies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			bodies[i] = e.timedScrape(t, 2)
		}()
	}
	wg.Wait()
	t.Logf("two concurrent scrapes of a hung dhcpd: %v for both (budget 2s, offset 0.5s)", time.Since(start).Round(time.Millisecond))
	for _, b := range bodies {
		if value(b, "dhcpd_up") != 0 || strings.Contains(b, "dhcpd_failover_state{") {
			t.Errorf("hung dhcpd:\n%s", b)
		}
	}
	body := e.timedScrape(t, 2)
	if value(body, `dhcpd_exporter_omapi_failures_total{reason="timeout"}`) < 2 {
		t.Errorf("timeouts not counted:\n%s", body)
	}

	p.Primary.Kill(syscall.SIGKILL)
	p.Primary.Wait()
	body = e.timedScrape(t, 2)
	if value(body, "dhcpd_up") != 0 || value(body, `dhcpd_exporter_omapi_failures_total{reason="connect"}`) < 1 {
		t.Errorf("dead dhcpd:\n%s", body)
	}
	if !strings.Contains(e.log.String(), "reason=connect") {
		t.Errorf("the log does not say connect:\n%s", e.log.String())
	}

	p.Primary.Restart(t)
	if err := p.Primary.WaitState(testlab.AnyState, testlab.AnyState, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	body = e.timedScrape(t, 2)
	if value(body, "dhcpd_up") != 1 || value(body, `dhcpd_scrape_collector_success{collector="pools"}`) != 1 || strings.Count(body, "dhcpd_pool_loaded_addresses{") != 2 {
		t.Errorf("restarted dhcpd, first scrape:\n%s", body)
	}
}

// With every OMAPI collector off the exporter reads files only: it never
// connects to OMAPI and exports no dhcpd_up.
func TestFilesOnlyNeverContactsDhcpd(t *testing.T) {
	requireFaultLab(t)
	p := testlab.StartPair(t, testlab.PairOptions{})
	ln, err := p.NS.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var accepted sync.WaitGroup
	conns := 0
	var mu sync.Mutex
	accepted.Add(1)
	go func() {
		defer accepted.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns++
			mu.Unlock()
			c.Close()
		}
	}()
	e := startExporter(t, p.NS, "--omapi.address="+ln.Addr().String(), "--omapi.key-file="+p.KeyFile,
		"--dhcpd.config-file="+p.Primary.ConfPath, "--dhcpd.leases-file="+p.Primary.LeasesPath,
		"--no-collector.failover", "--no-collector.pools", "--no-collector.sentinel")
	var body string
	for i := 0; i < 3; i++ {
		body = e.timedScrape(t, 2)
	}
	ln.Close()
	accepted.Wait()
	if conns != 0 {
		t.Errorf("files-only exporter connected to OMAPI %d times", conns)
	}
	if strings.Contains(body, "dhcpd_up") || strings.Contains(body, "dhcpd_exporter_omapi_") {
		t.Errorf("files-only exporter exports OMAPI series:\n%s", body)
	}
	if value(body, `dhcpd_scrape_collector_success{collector="leases"}`) != 1 || strings.Count(body, "dhcpd_pool_leases{") == 0 {
		t.Errorf("files-only exporter:\n%s", body)
	}
}

// The HTTP server's own errors (here a plain-HTTP request to the TLS port)
// go through the exporter's logger, in its format.
func TestServerErrorsUseTheLogFormat(t *testing.T) {
	dir := t.TempDir()
	cert, key := selfSignedCert(t, dir)
	webConfig := filepath.Join(dir, "web.yml")
	os.WriteFile(webConfig, []byte("tls_server_config:\n  cert_file: "+cert+"\n  key_file: "+key+"\n"), 0o644)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	var log bytes.Buffer
	var mu sync.Mutex
	cmd := exec.Command(exporterBinary(t), "--web.listen-address="+addr, "--web.config.file="+webConfig, "--no-collector.failover",
		"--no-collector.pools", "--no-collector.sentinel", "--dhcpd.config-file=/nonexistent", "--dhcpd.leases-file=/nonexistent")
	cmd.Stderr = lockedWriter{&mu, &log}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	tlsClient := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}, Timeout: 5 * time.Second}
	for i := 0; ; i++ {
		if resp, err := tlsClient.Get("https://" + addr + "/metrics"); err == nil {
			resp.Body.Close()
			break
		}
		if i > 100 {
			t.Fatal("exporter did not come up over TLS")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if resp, err := http.Get("http://" + addr + "/metrics"); err == nil {
		resp.Body.Close()
	}
	time.Sleep(200 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	found := false
	for _, line := range strings.Split(log.String(), "\n") {
		if strings.Contains(line, "TLS handshake error") {
			found = true
			if !strings.Contains(line, "level=warn") || !strings.Contains(line, "time=") {
				t.Errorf("not in the logger's format: %s", line)
			}
		}
	}
	if !found {
		t.Errorf("no TLS handshake error logged:\n%s", log.String())
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func selfSignedCert(t *testing.T, dir string) (certFile, keyFile string) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(priv)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	return certFile, keyFile
}

// The lease file cut by a dhcpd that died mid-write, then blocked (a FIFO
// renamed over it, as a hung mount would block), then replaced by garbage:
// every scrape ends within its budget; the cut record is counted and logged
// with its line and the records after it count; a blocked file fails only
// the leases collector while dhcpd.conf's pools stay; garbage is read once
// with bounded memory.
func TestFaultLeaseFileCutBlockedReplaced(t *testing.T) {
	requireFaultLab(t)
	p := testlab.StartPair(t, testlab.PairOptions{})
	leases := filepath.Join(t.TempDir(), "dhcpd.leases")
	seed, err := os.ReadFile(p.Primary.LeasesPath)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(leases, seed, 0o644)
	e := startExporter(t, p.NS, "--omapi.address="+p.Primary.OMAPIAddr, "--omapi.key-file="+p.KeyFile,
		"--dhcpd.config-file="+p.Primary.ConfPath, "--dhcpd.leases-file="+leases)
	body := e.timedScrape(t, 3)
	records := value(body, "dhcpd_leases_file_records")
	if records <= 0 || value(body, "dhcpd_leases_file_malformed_records_total") != 0 {
		t.Fatalf("before:\n%s", body)
	}

	// Cut: a record without its end, then two complete ones.
	lines := strings.Count(string(seed), "\n")
	f, _ := os.OpenFile(leases, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("lease 192.0.2.120 {\n  starts 3 2026/12/02 07:00:00;\n  binding state act")
	for _, ip := range []string{"192.0.2.121", "192.0.2.122"} {
		f.WriteString("\nlease " + ip + " {\n  starts 3 2026/12/02 07:00:00;\n  ends never;\n  binding state active;\n}")
	}
	f.WriteString("\n")
	f.Close()
	body = e.timedScrape(t, 3)
	if got := value(body, "dhcpd_leases_file_malformed_records_total"); got != 1 {
		t.Errorf("cut record: malformed %v, want 1", got)
	}
	if got := value(body, "dhcpd_leases_file_records"); got != records+2 {
		t.Errorf("cut record: records %v, want %v (the two after the cut)", got, records+2)
	}
	if want := "dhcpd.leases:" + strconv.Itoa(lines+1) + ": the record at line " + strconv.Itoa(lines+1) + " is cut off"; !strings.Contains(e.log.String(), want) {
		t.Errorf("the log does not say %q:\n%s", want, e.log.String())
	}
	read := value(body, "dhcpd_leases_file_read_bytes_total")
	if body = e.timedScrape(t, 3); value(body, "dhcpd_leases_file_read_bytes_total") != read {
		t.Errorf("the cut file is read again: %v then %v bytes", read, value(body, "dhcpd_leases_file_read_bytes_total"))
	}

	// Blocked: a FIFO renamed over the file.
	fifo := leases + ".fifo"
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	os.Rename(fifo, leases)
	body = e.timedScrape(t, 2)
	if value(body, `dhcpd_scrape_collector_success{collector="leases"}`) != 0 || strings.Count(body, "dhcpd_pool_addresses{") != 2 || value(body, "dhcpd_up") != 1 {
		t.Errorf("blocked lease file:\n%s", body)
	}
	if !strings.Contains(e.log.String(), "not a regular file") {
		t.Errorf("the log does not say why:\n%s", e.log.String())
	}

	// Replaced by 64 MB of garbage.
	garbage := make([]byte, 64<<20)
	rand.Read(garbage)
	os.WriteFile(leases+".new", garbage, 0o644)
	os.Rename(leases+".new", leases)
	body = e.timedScrape(t, 5)
	if value(body, `dhcpd_scrape_collector_success{collector="leases"}`) != 1 || strings.Count(body, "dhcpd_pool_addresses{") != 2 {
		t.Errorf("garbage lease file:\n%.3000s", body)
	}
	read = value(body, "dhcpd_leases_file_read_bytes_total")
	body = e.timedScrape(t, 2)
	if value(body, "dhcpd_leases_file_read_bytes_total") != read {
		t.Errorf("garbage is read again")
	}
	if rss := vmRSSMB(e.cmd.Process.Pid); rss > 100 {
		t.Errorf("exporter RSS %.0f MB after 64 MB of garbage", rss)
	} else {
		t.Logf("exporter RSS after 64 MB of garbage: %.0f MB", rss)
	}
}

// vmRSSMB is a process's resident memory in MB, from /proc.
func vmRSSMB(pid int) float64 {
	status, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	for _, line := range strings.Split(string(status), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			kb, _ := strconv.ParseFloat(strings.Fields(line)[1], 64)
			return kb / 1024
		}
	}
	return -1
}
