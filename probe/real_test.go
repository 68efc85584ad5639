package probe

// /probe against a real dhcpd failover pair (internal/testlab): one prober
// with no dhcpd files of its own reaches both servers inside the lab's
// network namespace.

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dhcpd-exporter/dhcpd_exporter/internal/labclient"
	"github.com/dhcpd-exporter/dhcpd_exporter/internal/testlab"
	"github.com/dhcpd-exporter/dhcpd_exporter/omapi"
)

func TestMain(m *testing.M) { testlab.Main(m) }

// wire dials inside the lab's namespace, counts the connections per
// address and decodes every message the client sends.
type wire struct {
	ns    *testlab.Netns
	mu    sync.Mutex
	dials map[string]int
	sent  []*omapi.Message
}

func newWire(ns *testlab.Netns) *wire { return &wire{ns: ns, dials: map[string]int{}} }

func (w *wire) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	w.mu.Lock()
	w.dials[addr]++
	w.mu.Unlock()
	c, err := w.ns.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	pr, pw := io.Pipe()
	go w.decode(pr)
	return &teeConn{Conn: c, w: pw}, nil
}

func (w *wire) decode(r *io.PipeReader) {
	defer io.Copy(io.Discard, r) // never block the writer
	labclient.DecodeSent(r, func(m *omapi.Message) {
		w.mu.Lock()
		w.sent = append(w.sent, m)
		w.mu.Unlock()
	})
}

func (w *wire) dialsTo(addr string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.dials[addr]
}

// teeConn copies what the client writes into a pipe.
type teeConn struct {
	net.Conn
	w    *io.PipeWriter
	once sync.Once
}

func (c *teeConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	if n > 0 {
		c.w.Write(b[:n])
	}
	return n, err
}

func (c *teeConn) Close() error {
	c.once.Do(func() { c.w.Close() })
	return c.Conn.Close()
}

// realFixture is a pair and a prober whose modules use the pair's key:
// pair (failover only, no dhcpd.conf), primary and secondary (with a copy
// of that server's dhcpd.conf), dead (a short timeout).
func realFixture(t *testing.T) (*testlab.Pair, *fixture, *wire) {
	t.Helper()
	testlab.Require(t)
	p := testlab.StartPair(t, testlab.PairOptions{})
	w := newWire(p.NS)
	dir := t.TempDir()
	for _, s := range p.Servers() {
		b, err := os.ReadFile(s.ConfPath)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, s.Role+".conf"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	modules := fmt.Sprintf(`modules:
  pair:
    key_file: %[1]s
    failover_peers: [%[2]s]
    timeout: 3s
  primary:
    key_file: %[1]s
    failover_peers: [%[2]s]
    dhcpd_config_file: %[3]s/primary.conf
  secondary:
    key_file: %[1]s
    failover_peers: [%[2]s]
    dhcpd_config_file: %[3]s/secondary.conf
  dead:
    key_file: %[1]s
    failover_peers: [%[2]s]
    timeout: 500ms
`, p.KeyFile, p.PeerName, dir)
	f := newFixture(t, modules, Options{Dial: w.dial})
	return p, f, w
}

func TestProbeRealPair(t *testing.T) {
	p, f, w := realFixture(t)
	const pair = `pair="dhcp-failover@192.0.2.100"`
	for _, s := range p.Servers() {
		// Without dhcpd.conf: the live failover state, the role from OMAPI.
		body := f.probe(t, s.OMAPIAddr, "pair")
		mustContain(t, body, "dhcpd_up 1",
			`dhcpd_failover_state{peer="dhcp-failover",side="local",state="normal"} 1`,
			`dhcpd_failover_state{peer="dhcp-failover",side="partner",state="normal"} 1`,
			`role="`+s.Role+`"`,
			`dhcpd_scrape_collector_success{collector="failover"} 1`)
		lint(t, body)

		// With that server's dhcpd.conf: the pair name the pair alerts
		// join on, the declared addresses, and the live pool counters.
		body = f.probe(t, s.OMAPIAddr, s.Role)
		mustContain(t, body, "dhcpd_up 1", pair, `role="`+s.Role+`"`, `local_address="`+s.Addr+`"`,
			`dhcpd_scrape_collector_success{collector="failover"} 1`,
			`dhcpd_scrape_collector_success{collector="pools"} 1`,
			`dhcpd_pool_free_addresses{failover_peer="dhcp-failover"`)
		lint(t, body)
	}
	for _, s := range p.Servers() {
		if n := w.dialsTo(s.OMAPIAddr); n != 1 {
			t.Errorf("%s: %d OMAPI connections for four probes, want 1", s.Role, n)
		}
	}
}

// A dead target (nothing listens) and a hung one (the connection is never
// accepted) give dhcpd_up 0 within the module's 500ms timeout; the pair
// stays probed meanwhile.
func TestProbeRealDeadTargets(t *testing.T) {
	p, f, _ := realFixture(t)
	hung, err := p.NS.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer hung.Close()
	for _, target := range []string{"127.0.0.1:7999", hung.Addr().String()} {
		start := time.Now()
		body := f.probe(t, target, "dead")
		took := time.Since(start)
		if !strings.Contains(body, "dhcpd_up 0") || strings.Contains(body, "dhcpd_failover_state{") {
			t.Errorf("%s:\n%s", target, body)
		}
		if took > 700*time.Millisecond {
			t.Errorf("%s: dhcpd_up 0 after %v, over the module's 500ms", target, took)
		}
		t.Logf("%s: dhcpd_up 0 after %v", target, took.Round(time.Millisecond))
	}
	mustContain(t, f.probe(t, p.Primary.OMAPIAddr, "dead"), "dhcpd_up 1")
}

// 20 concurrent probes of the pair, all modules mixed: every one succeeds,
// on one connection per server, and dhcpd stays healthy.
func TestProbeRealConcurrent(t *testing.T) {
	p, f, w := realFixture(t)
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := p.Servers()[i%2]
			module := []string{"pair", s.Role}[i/2%2]
			code, body := f.get(t, probePath(s.OMAPIAddr, module))
			if code != http.StatusOK || !strings.Contains(body, "dhcpd_up 1") ||
				!strings.Contains(body, `dhcpd_scrape_collector_success{collector="failover"} 1`) ||
				!strings.Contains(body, `dhcpd_failover_state{peer="dhcp-failover",side="local",state="normal"} 1`) {
				t.Errorf("probe %d (%s, %s): HTTP %d:\n%s", i, s.Role, module, code, body)
			}
		}()
	}
	wg.Wait()
	for _, s := range p.Servers() {
		s.AssertHealthy(t)
		if l, pt, err := s.FailoverState(context.Background()); err != nil || l != 2 || pt != 2 {
			t.Errorf("%s after the probes (omshell): local %d partner %d %v", s.Role, l, pt, err)
		}
		if n := w.dialsTo(s.OMAPIAddr); n != 1 {
			t.Errorf("%s: %d OMAPI connections for 10 concurrent probes, want 1", s.Role, n)
		}
	}
}

// A module added to the file works after POST /-/reload.
func TestProbeRealReload(t *testing.T) {
	p, f, _ := realFixture(t)
	if code, _ := f.get(t, probePath(p.Secondary.OMAPIAddr, "added")); code != http.StatusBadRequest {
		t.Fatalf("module before it is added: HTTP %d", code)
	}
	old, _ := os.ReadFile(f.file)
	f.write(t, string(old)+fmt.Sprintf("  added:\n    key_file: %s\n    failover_peers: [%s]\n", p.KeyFile, p.PeerName))
	resp, err := http.Post(f.srv.URL+"/-/reload", "", nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /-/reload: %v %v", err, resp)
	}
	resp.Body.Close()
	mustContain(t, f.probe(t, p.Secondary.OMAPIAddr, "added"), "dhcpd_up 1", `role="secondary"`)
}

// Probing sends dhcpd only read-only messages: OPENs without create,
// update or exclusive, and REFRESHes. Every message every probe sent is
// decoded from the wire.
func TestProbeIsReadOnlyOnTheWire(t *testing.T) {
	p, f, w := realFixture(t)
	for i := 0; i < 3; i++ {
		for _, s := range p.Servers() {
			for _, module := range []string{"pair", s.Role} {
				mustContain(t, f.probe(t, s.OMAPIAddr, module), "dhcpd_up 1")
			}
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	ops := map[string]int{}
	for _, m := range w.sent {
		if !m.ReadOnly() {
			t.Errorf("probe sent %s", m)
		}
		ops[m.String()]++
	}
	if len(w.sent) < 12 {
		t.Fatalf("only %d messages seen", len(w.sent))
	}
	t.Logf("%d client messages by kind: %v", len(w.sent), ops)
	for _, s := range p.Servers() {
		s.AssertHealthy(t)
	}
}

// A dhcpd without failover, probed with a module holding a copy of its
// dhcpd.conf: free addresses are all this server's (owner="local", no
// partner series) and no failover series exist. A module with the wrong
// secret gets dhcpd_up 0 counted as an auth failure, not as dhcpd down,
// and the secret is nowhere in the answer.
func TestProbeRealWithoutFailoverAndRejectedKey(t *testing.T) {
	testlab.Require(t)
	p := testlab.StartPair(t, testlab.PairOptions{Start: "primary", NoFailover: true})
	dir := t.TempDir()
	b, err := os.ReadFile(p.Primary.ConfPath)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "standalone.conf"), b, 0o644)
	const wrongSecret = "AAAAAAAAAAAAAAAAAAAAAA=="
	wrongKey := filepath.Join(dir, "wrong.key")
	os.WriteFile(wrongKey, []byte("key "+p.KeyName+" {\n  algorithm "+p.KeyAlgorithm+";\n  secret \""+wrongSecret+"\";\n};\n"), 0o600)
	f := newFixture(t, fmt.Sprintf(`modules:
  standalone:
    key_file: %s
    dhcpd_config_file: %s/standalone.conf
  wrongkey:
    key_file: %s
    timeout: 2s
`, p.KeyFile, dir, wrongKey), Options{Dial: newWire(p.NS).dial})

	body := f.probe(t, p.Primary.OMAPIAddr, "standalone")
	mustContain(t, body, "dhcpd_up 1", `dhcpd_scrape_collector_success{collector="pools"} 1`,
		`dhcpd_pool_free_addresses{failover_peer="",owner="local",pool="192.0.2.100-192.0.2.149",shared_network="192.0.2.0/24"}`)
	for _, absent := range []string{`owner="partner"`, "dhcpd_failover_"} {
		if strings.Contains(body, absent) {
			t.Errorf("a server without failover: %q in\n%s", absent, body)
		}
	}
	lint(t, body)

	body = f.probe(t, p.Primary.OMAPIAddr, "wrongkey")
	mustContain(t, body, "dhcpd_up 0", `dhcpd_exporter_omapi_failures_total{reason="auth"} 1`, `dhcpd_exporter_omapi_failures_total{reason="connect"} 0`)
	for _, s := range []string{wrongSecret, p.KeySecret} {
		if strings.Contains(body, s) {
			t.Error("a secret appears in the probe's answer")
		}
	}
	p.Primary.AssertHealthy(t)
}
