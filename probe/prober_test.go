package probe

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/client_golang/prometheus/testutil/promlint"

	"github.com/dhcpd-exporter/dhcpd_exporter/omapi"
	"github.com/dhcpd-exporter/dhcpd_exporter/omapi/omapitest"
)

func u32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

func testKey(t testing.TB) *omapi.Key {
	t.Helper()
	secret, _ := base64.StdEncoding.DecodeString(testSecret)
	k, err := omapi.NewKey("omapi_key", "hmac-md5", secret)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// fakeDhcpd is an omapitest server that looks like one server of a
// failover pair serving the fixtures' dhcpd.conf (pool 192.0.2.100-199).
func fakeDhcpd(t testing.TB, primary bool) *omapitest.Server {
	t.Helper()
	srv := omapitest.NewServer(t, omapitest.Options{Keys: []*omapi.Key{testKey(t)}, RequireKey: "omapi_key"})
	srv.Add("failover-state", omapitest.FailoverState("dhcp-failover", omapi.FailoverNormal, omapi.FailoverNormal, primary, 0))
	pool := srv.Add("pool", omapi.Values{{Name: "lease-count", Data: u32(100)}, {Name: "free-leases", Data: u32(60)}, {Name: "backup-leases", Data: u32(30)}})
	srv.Add("lease", omapi.Values{{Name: "ip-address", Data: []byte{192, 0, 2, 100}}, {Name: "state", Data: u32(1)}, {Name: "pool", Data: u32(uint32(pool))}})
	return srv
}

const testModules = `modules:
  fo:
    key_file: omapi.key
    failover_peers: [dhcp-failover]
    timeout: 2s
  pools:
    key_file: omapi.key
    dhcpd_config_file: dhcpd.conf
    sentinel_addresses: [192.0.2.100]
  fast:
    key_file: omapi.key
    failover_peers: [dhcp-failover]
    timeout: 300ms
`

type fixture struct {
	dir, file string
	p         *Prober
	srv       *httptest.Server
}

func newFixture(t testing.TB, modules string, o Options) *fixture {
	t.Helper()
	f := &fixture{dir: writeFixtures(t)}
	f.file = filepath.Join(f.dir, "probe.yml")
	f.write(t, modules)
	o.ConfigFile = f.file
	if o.MaxTargets == 0 {
		o.MaxTargets = 10
	}
	if o.IdleTimeout == 0 {
		o.IdleTimeout = time.Minute
	}
	if o.ScrapeTimeout == 0 {
		o.ScrapeTimeout = 5 * time.Second
	}
	p, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	f.p = p
	mux := http.NewServeMux()
	mux.Handle("/probe", p)
	mux.Handle("/-/reload", p.ReloadHandler())
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fixture) write(t testing.TB, modules string) {
	t.Helper()
	if err := os.WriteFile(f.file, []byte(modules), 0o644); err != nil {
		t.Fatal(err)
	}
}

// get requests path (with query) and returns the status and body.
func (f *fixture) get(t testing.TB, path string, header ...string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, f.srv.URL+path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func probePath(target, module string) string {
	return "/probe?" + url.Values{"target": {target}, "module": {module}}.Encode()
}

func (f *fixture) probe(t testing.TB, target, module string) string {
	t.Helper()
	code, body := f.get(t, probePath(target, module))
	if code != http.StatusOK {
		t.Fatalf("probe %s %s: HTTP %d: %s", target, module, code, body)
	}
	return body
}

func mustContain(t testing.TB, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("missing %q in:\n%s", w, body)
		}
	}
}

func lint(t testing.TB, body string) {
	t.Helper()
	problems, err := promlint.New(strings.NewReader(body)).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
}

func TestProbeServesTheLocalModesMetrics(t *testing.T) {
	primary, secondary := fakeDhcpd(t, true), fakeDhcpd(t, false)
	f := newFixture(t, testModules, Options{})

	body := f.probe(t, primary.Addr, "fo")
	mustContain(t, body, "dhcpd_up 1",
		`dhcpd_failover_state{peer="dhcp-failover",side="local",state="normal"} 1`,
		`role="primary"`,
		`dhcpd_scrape_collector_success{collector="failover"} 1`,
		`dhcpd_exporter_omapi_connects_total 1`)
	for _, absent := range []string{"dhcpd_pool_", "leases_file", `collector="leases"`, `collector="pools"`, "go_goroutines", "dhcpd_exporter_probe_"} {
		if strings.Contains(body, absent) {
			t.Errorf("probe exports %q:\n%s", absent, body)
		}
	}
	lint(t, body)
	mustContain(t, f.probe(t, secondary.Addr, "fo"), "dhcpd_up 1", `role="secondary"`)

	// With a dhcpd.conf: the live pool series, and the sentinel.
	body = f.probe(t, primary.Addr, "pools")
	mustContain(t, body, "dhcpd_up 1",
		`dhcpd_pool_loaded_addresses{failover_peer="",pool="192.0.2.100-192.0.2.199",shared_network="192.0.2.0/24"} 100`,
		`dhcpd_scrape_collector_success{collector="pools"} 1`,
		`dhcpd_sentinel_lease_state{address="192.0.2.100",state="free"} 1`,
		"dhcpd_config_last_reload_successful 1")
	if strings.Contains(body, `collector="failover"`) {
		t.Errorf("module without failover_peers polls failover:\n%s", body)
	}
	lint(t, body)
	if n := primary.Accepts(); n != 1 {
		t.Errorf("primary accepted %d connections for two modules with one key, want 1", n)
	}
}

func TestProbeBadRequests(t *testing.T) {
	f := newFixture(t, testModules, Options{})
	for path, want := range map[string]string{
		"/probe":                       "missing target",
		"/probe?module=fo":             "missing target",
		"/probe?target=127.0.0.1:7911": "missing module parameter",
		"/probe?target=127.0.0.1:7911&module=nope": `unknown module "nope" (modules: fast, fo, pools)`,
		"/probe?target=127.0.0.1:99999&module=fo":  "port",
		"/probe?target=:7911&module=fo":            "host",
	} {
		code, body := f.get(t, path)
		if code != http.StatusBadRequest || !strings.Contains(body, want) || strings.Count(body, "\n") != 1 {
			t.Errorf("%s: HTTP %d %q, want 400 with %q on one line", path, code, body, want)
		}
	}
	if got := testutil.ToFloat64(f.p.requests.WithLabelValues("bad_request")); got != 6 {
		t.Errorf("bad_request counter %v, want 6", got)
	}
}

// A dead or hung target gives dhcpd_up 0 within the module's timeout, and
// within Prometheus' scrape timeout when that is shorter.
func TestDeadTargetsWithinTheTimeout(t *testing.T) {
	f := newFixture(t, testModules, Options{TimeoutOffset: 100 * time.Millisecond})
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := ln.Addr().String()
	ln.Close()
	hung := fakeDhcpd(t, true)
	hung.Hang(true)

	for _, tc := range []struct {
		target, module, header string
		limit                  time.Duration
	}{
		{closed, "fo", "", 300 * time.Millisecond},
		{hung.Addr, "fast", "", 300 * time.Millisecond},
		{hung.Addr, "fo", "0.6", 500 * time.Millisecond}, // the header (minus the offset) beats the module's 2s
	} {
		start := time.Now()
		var h []string
		if tc.header != "" {
			h = []string{"X-Prometheus-Scrape-Timeout-Seconds", tc.header}
		}
		code, body := f.get(t, probePath(tc.target, tc.module), h...)
		took := time.Since(start)
		if code != http.StatusOK || !strings.Contains(body, "dhcpd_up 0") || strings.Contains(body, "dhcpd_failover_state{") {
			t.Errorf("%s %s: HTTP %d:\n%s", tc.target, tc.module, code, body)
		}
		if took > tc.limit+200*time.Millisecond {
			t.Errorf("%s %s: took %v, over %v", tc.target, tc.module, took, tc.limit)
		}
	}
}

// Concurrent probes of a target share its one connection.
func TestConcurrentProbesShareOneConnection(t *testing.T) {
	srv := fakeDhcpd(t, true)
	f := newFixture(t, testModules, Options{})
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			module := []string{"fo", "pools"}[i%2]
			code, body := f.get(t, probePath(srv.Addr, module))
			if code != http.StatusOK || !strings.Contains(body, "dhcpd_up 1") {
				t.Errorf("probe %d: HTTP %d:\n%s", i, code, body)
			}
		}()
	}
	wg.Wait()
	if n := srv.Accepts(); n != 1 {
		t.Errorf("%d connections for 20 concurrent probes, want 1", n)
	}
	for _, m := range srv.Received() {
		if !m.ReadOnly() {
			t.Errorf("probe sent %s", m)
		}
	}
}

func TestIdleTargetsAreClosed(t *testing.T) {
	srv := fakeDhcpd(t, true)
	f := newFixture(t, testModules, Options{IdleTimeout: 100 * time.Millisecond})
	f.probe(t, srv.Addr, "fo")
	if st := f.p.pool.Stats(); st.Open != 1 {
		t.Fatalf("after a probe: %+v", st)
	}
	deadline := time.Now().Add(2 * time.Second)
	for f.p.pool.Stats().Open != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("idle target not closed: %+v", f.p.pool.Stats())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if st := f.p.pool.Stats(); st.Closed["idle"] != 1 {
		t.Errorf("stats %+v", st)
	}
	mustContain(t, f.probe(t, srv.Addr, "fo"), "dhcpd_up 1", "dhcpd_exporter_omapi_connects_total 1")
	if n := srv.Accepts(); n != 2 {
		t.Errorf("%d connections, want 2 (one closed when idle)", n)
	}
}

func TestTheTargetBound(t *testing.T) {
	a, b, c := fakeDhcpd(t, true), fakeDhcpd(t, true), fakeDhcpd(t, true)
	f := newFixture(t, testModules, Options{MaxTargets: 2})
	for _, s := range []*omapitest.Server{a, b, c} {
		mustContain(t, f.probe(t, s.Addr, "fo"), "dhcpd_up 1")
	}
	if st := f.p.pool.Stats(); st.Open != 2 || st.Closed["limit"] != 1 {
		t.Errorf("after three targets under a bound of two: %+v", st)
	}

	// Both open targets busy (hung): a third target is refused, not queued.
	a.Hang(true)
	b.Hang(true)
	var wg sync.WaitGroup
	for _, s := range []*omapitest.Server{a, b} {
		wg.Add(1)
		go func() { defer wg.Done(); f.get(t, probePath(s.Addr, "fast")) }()
	}
	deadline := time.Now().Add(2 * time.Second)
	for !f.busy(2) {
		if time.Now().After(deadline) {
			t.Fatal("probes of the hung targets did not start")
		}
		time.Sleep(5 * time.Millisecond)
	}
	code, body := f.get(t, probePath(c.Addr, "fo"))
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "too many targets") {
		t.Errorf("third target while two are busy: HTTP %d %q", code, body)
	}
	wg.Wait()
	if got := testutil.ToFloat64(f.p.requests.WithLabelValues("too_many_targets")); got != 1 {
		t.Errorf("too_many_targets counter %v", got)
	}
	if problems, err := testutil.CollectAndLint(f.p); err != nil || len(problems) > 0 {
		t.Errorf("lint: %v %v", err, problems)
	}
	if err := testutil.CollectAndCompare(f.p, strings.NewReader(`
# HELP dhcpd_exporter_probe_targets_max Most targets open at once (--probe.max-targets); a probe of another target then closes the least recently probed idle one, or is refused with HTTP 503.
# TYPE dhcpd_exporter_probe_targets_max gauge
dhcpd_exporter_probe_targets_max 2
# HELP dhcpd_exporter_probe_targets_open Targets (OMAPI address and key) the exporter holds a client for: at most one OMAPI connection each, shared by the target's probes.
# TYPE dhcpd_exporter_probe_targets_open gauge
dhcpd_exporter_probe_targets_open 2
`), "dhcpd_exporter_probe_targets_max", "dhcpd_exporter_probe_targets_open"); err != nil {
		t.Error(err)
	}
}

// busy reports whether n targets have probes in flight.
func (f *fixture) busy(n int) bool {
	f.p.pool.mu.Lock()
	defer f.p.pool.mu.Unlock()
	busy := 0
	for _, t := range f.p.pool.targets {
		if t.users > 0 {
			busy++
		}
	}
	return busy >= n
}

func TestReload(t *testing.T) {
	srv := fakeDhcpd(t, false)
	f := newFixture(t, "modules:\n  a:\n    key_file: omapi.key\n    failover_peers: [dhcp-failover]\n", Options{})
	if code, _ := f.get(t, probePath(srv.Addr, "b")); code != http.StatusBadRequest {
		t.Fatalf("module b before it exists: HTTP %d", code)
	}
	reload := func(method string) (int, string) {
		req, _ := http.NewRequest(method, f.srv.URL+"/-/reload", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	reloaded := func(want float64) {
		t.Helper()
		if got := testutil.ToFloat64(metric(f.p, "dhcpd_exporter_config_last_reload_successful")); got != want {
			t.Errorf("last_reload_successful %v, want %v", got, want)
		}
	}
	reloaded(1)
	if code, _ := reload(http.MethodGet); code != http.StatusMethodNotAllowed {
		t.Errorf("GET /-/reload: HTTP %d", code)
	}

	f.write(t, "modules:\n  a:\n    key_file: omapi.key\n    failover_peers: [dhcp-failover]\n  b:\n    key_file: omapi.key\n")
	if code, body := reload(http.MethodPost); code != http.StatusOK {
		t.Fatalf("POST /-/reload: HTTP %d %s", code, body)
	}
	mustContain(t, f.probe(t, srv.Addr, "b"), "dhcpd_up 1")
	reloaded(1)

	// A bad file: the modules in force stay, and the metric says so.
	f.write(t, "modules:\n  a:\n    key_file: omapi.key\n    failover_peer: [dhcp-failover]\n")
	code, body := reload(http.MethodPost)
	if code != http.StatusInternalServerError || !strings.Contains(body, `module "a": line 4: unknown field "failover_peer"`) {
		t.Errorf("bad file: HTTP %d %q", code, body)
	}
	reloaded(0)
	mustContain(t, f.probe(t, srv.Addr, "a"), "dhcpd_up 1", `role="secondary"`)
	mustContain(t, f.probe(t, srv.Addr, "b"), "dhcpd_up 1")
	if n := srv.Accepts(); n != 1 {
		t.Errorf("%d connections across reloads with the same key, want 1", n)
	}

	// Another key: the idle target of the old key is closed at once.
	f.write(t, "modules:\n  a:\n    key_file: other.key\n")
	if code, body := reload(http.MethodPost); code != http.StatusOK {
		t.Fatalf("POST /-/reload: HTTP %d %s", code, body)
	}
	if st := f.p.pool.Stats(); st.Open != 0 || st.Closed["reload"] != 1 {
		t.Errorf("after a key change: %+v", st)
	}
}

// metric returns the collector's metric of that name as a one-metric
// collector, for testutil.ToFloat64.
func metric(p *Prober, name string) *onlyMetric { return &onlyMetric{p, name} }

type onlyMetric struct {
	p    *Prober
	name string
}

func (o *onlyMetric) Describe(ch chan<- *prometheus.Desc) { prometheus.DescribeByCollect(o, ch) }

func (o *onlyMetric) Collect(ch chan<- prometheus.Metric) {
	all := make(chan prometheus.Metric)
	go func() { o.p.Collect(all); close(all) }()
	for m := range all {
		if strings.Contains(m.Desc().String(), fmt.Sprintf("fqName: %q", o.name)) {
			ch <- m
		}
	}
}
