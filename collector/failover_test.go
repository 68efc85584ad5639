package collector_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/expfmt"

	"github.com/dhcpd-exporter/dhcpd_exporter/collector"
	"github.com/dhcpd-exporter/dhcpd_exporter/dhcpdconf"
	"github.com/dhcpd-exporter/dhcpd_exporter/omapi"
	"github.com/dhcpd-exporter/dhcpd_exporter/omapi/omapitest"
	"github.com/dhcpd-exporter/dhcpd_exporter/omapiconf"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

var secret = []byte("2ecz5ILgSn7SVAV3hjqYGw")

func u32(v uint32) []byte { return []byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)} }

type fixture struct {
	srv *omapitest.Server
	cl  *omapi.Client
}

func newFixture(t *testing.T) *fixture {
	return newFixtureWith(t, omapitest.FailoverState("dhcp-failover", omapi.FailoverNormal, omapi.FailoverNormal, true, 2))
}

// newFixtureWith is a fake dhcpd with the given failover-state object.
func newFixtureWith(t *testing.T, failoverState omapi.Values) *fixture {
	key, err := omapi.NewKey("omapi_key", "hmac-md5", secret)
	if err != nil {
		t.Fatal(err)
	}
	srv := omapitest.NewServer(t, omapitest.Options{Keys: []*omapi.Key{key}, RequireKey: "omapi_key"})
	srv.Add("failover-state", failoverState)
	return &fixture{srv: srv, cl: omapi.NewClient(omapi.Config{Address: srv.Addr, Key: key})}
}

func (f *fixture) exporter(t *testing.T, opts collector.Options) *collector.Exporter {
	t.Helper()
	opts.OMAPI = omapiconf.NewFixed(f.cl)
	if opts.Config == nil {
		opts.Config = dhcpdconf.NewSource("../dhcpdconf/testdata/primary.conf", ".")
	}
	if opts.Enabled == nil {
		opts.Enabled = map[string]bool{}
	}
	for _, n := range collector.Names() {
		if _, set := opts.Enabled[n]; !set {
			opts.Enabled[n] = n == "failover"
		}
	}
	opts.Logger = log.NewNopLogger()
	e, err := collector.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func scrapeCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// compareGolden compares the named metrics with testdata/<name>.prom.
//
// `go test ./collector -run Golden -update` rewrites the golden files from
// the code under test, so they prove only what a person checked: after an
// update, read `git diff collector/testdata/` line by line (names, labels,
// help texts, values against the fixture) before committing it. The files
// are also checked by `promtool check metrics` (TestGoldenExpositionsPassPromtool).
func compareGolden(t *testing.T, c prometheus.Collector, golden string, metrics ...string) {
	t.Helper()
	path := filepath.Join("testdata", golden+".prom")
	if *update {
		got, err := testutil.CollectAndFormat(c, expfmt.TypeTextPlain, metrics...)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := testutil.CollectAndCompare(c, bytes.NewReader(want), metrics...); err != nil {
		t.Fatal(err)
	}
}

var failoverMetrics = []string{
	"dhcpd_up", "dhcpd_scrape_collector_success",
	"dhcpd_failover_state", "dhcpd_failover_state_change_timestamp_seconds", "dhcpd_failover_peer_info",
	"dhcpd_failover_mclt_seconds", "dhcpd_failover_unacked_updates",
	"dhcpd_failover_partner_max_unacked_updates", "dhcpd_failover_max_response_delay_seconds",
	"dhcpd_failover_load_balance_max_seconds", "dhcpd_failover_load_balance_split_ratio",
	"dhcpd_failover_last_packet_sent_timestamp_seconds", "dhcpd_failover_last_received_timestamp_seconds",
	"dhcpd_failover_max_lease_misbalance_ratio", "dhcpd_failover_max_lease_ownership_ratio",
	"dhcpd_failover_min_balance_seconds", "dhcpd_failover_max_balance_seconds", "dhcpd_failover_auto_partner_down_seconds",
}

func TestFailoverGolden(t *testing.T) {
	f := newFixture(t)
	e := f.exporter(t, collector.Options{})
	compareGolden(t, e.Collector(scrapeCtx(t)), "failover", failoverMetrics...)
}

func TestFailoverPartnerDown(t *testing.T) {
	f := newFixture(t)
	f.srv.Add("failover-state", omapitest.FailoverState("other-peer", omapi.FailoverPartnerDown, omapi.FailoverCommunicationsInterrupt, false, 2))
	e := f.exporter(t, collector.Options{FailoverPeers: []string{"other-peer"}})
	got := gather(t, e)
	for _, line := range []string{
		// Not in dhcpd.conf: role from OMAPI, no addresses, no pair.
		`dhcpd_failover_peer_info{local_address="",local_port="647",pair="",partner_address="",partner_port="847",peer="other-peer",role="secondary"} 1`,
		`dhcpd_failover_state{peer="other-peer",side="local",state="partner-down"} 1`,
		`dhcpd_failover_state{peer="other-peer",side="local",state="normal"} 0`,
		`dhcpd_failover_state{peer="other-peer",side="partner",state="communications-interrupted"} 1`,
	} {
		if !strings.Contains(got, line) {
			t.Errorf("missing %s", line)
		}
	}
	if strings.Contains(got, "load_balance_split_ratio") {
		t.Errorf("a peer without HBA must not export a split")
	}
}

// gather runs one scrape and returns the text exposition.
func gather(t *testing.T, e *collector.Exporter) string {
	t.Helper()
	return gatherCtx(t, e, scrapeCtx(t))
}

func gatherCtx(t testing.TB, e *collector.Exporter, ctx context.Context) string {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(e.Collector(ctx))
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	enc := expfmt.NewEncoder(&b, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

func TestOMAPIDownExportsOnlyUpAndFailures(t *testing.T) {
	f := newFixture(t)
	e := f.exporter(t, collector.Options{})
	f.srv.Close()
	got := gather(t, e)
	if !strings.Contains(got, "dhcpd_up 0") || !strings.Contains(got, `dhcpd_scrape_collector_success{collector="failover"} 0`) {
		t.Fatalf("got:\n%s", got)
	}
	if strings.Contains(got, "dhcpd_failover_") {
		t.Fatalf("OMAPI series exported while dhcpd is down:\n%s", got)
	}
}

func TestUnknownPeerFailsOnlyThatPeer(t *testing.T) {
	f := newFixture(t)
	e := f.exporter(t, collector.Options{FailoverPeers: []string{"nosuchpeer", "dhcp-failover"}})
	got := gather(t, e)
	if !strings.Contains(got, `dhcpd_scrape_collector_success{collector="failover"} 0`) {
		t.Errorf("an unknown peer must fail the collector:\n%s", got)
	}
	if !strings.Contains(got, `dhcpd_failover_state{peer="dhcp-failover",side="local",state="normal"} 1`) {
		t.Errorf("the known peer must still be exported:\n%s", got)
	}
}

func TestBrokenConfigWithoutPeerFlagFailsFailoverOnly(t *testing.T) {
	f := newFixture(t)
	e := f.exporter(t, collector.Options{Config: dhcpdconf.NewSource("testdata/does-not-exist.conf", ".")})
	got := gather(t, e)
	if !strings.Contains(got, "dhcpd_up 1") || !strings.Contains(got, `dhcpd_scrape_collector_success{collector="failover"} 0`) {
		t.Fatalf("got:\n%s", got)
	}
}

func TestLint(t *testing.T) {
	f := newFixture(t)
	e := f.exporter(t, collector.Options{})
	problems, err := testutil.CollectAndLint(e.Collector(scrapeCtx(t)))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
}

// A scrape only ever sends OPEN without create/update/exclusive, and REFRESH.
func TestScrapeIsReadOnly(t *testing.T) {
	f := newFixture(t)
	e := f.exporter(t, collector.Options{})
	gather(t, e)
	msgs := f.srv.Received()
	if len(msgs) == 0 {
		t.Fatal("no messages recorded")
	}
	for _, m := range msgs {
		if !m.ReadOnly() {
			t.Errorf("scrape sent %s", m)
		}
	}
}

func TestScrapeTimeout(t *testing.T) {
	cases := []struct {
		header string
		want   time.Duration
	}{
		{"", 5 * time.Second},
		{"10", 5 * time.Second},
		{"3", 2500 * time.Millisecond},
		{"0.5", 100 * time.Millisecond},
		{"junk", 5 * time.Second},
	}
	for _, c := range cases {
		r := httptest.NewRequest(http.MethodGet, "/metrics", nil)
		if c.header != "" {
			r.Header.Set("X-Prometheus-Scrape-Timeout-Seconds", c.header)
		}
		if got := collector.ScrapeTimeout(r, 5*time.Second, 500*time.Millisecond); got != c.want {
			t.Errorf("header %q: %v, want %v", c.header, got, c.want)
		}
	}
}

func TestHandlerHonoursScrapeTimeout(t *testing.T) {
	f := newFixture(t)
	e := f.exporter(t, collector.Options{})
	h := collector.NewHandler(e, collector.HandlerOpts{Timeout: 5 * time.Second, TimeoutOffset: 500 * time.Millisecond})
	f.srv.Hang(true)
	r := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	r.Header.Set("X-Prometheus-Scrape-Timeout-Seconds", "1")
	w := httptest.NewRecorder()
	start := time.Now()
	h.ServeHTTP(w, r)
	if d := time.Since(start); d > 900*time.Millisecond {
		t.Errorf("scrape took %v with a 1s scrape timeout", d)
	}
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "dhcpd_up 0") {
		t.Fatalf("status %d body:\n%s", w.Code, w.Body.String())
	}
}

func fmtSscan(s string, v *float64) (int, error) { return fmt.Sscan(s, v) }

func lintCollector(e *collector.Exporter) ([]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	problems, err := testutil.CollectAndLint(e.Collector(ctx))
	var out []string
	for _, p := range problems {
		out = append(out, p.Metric+": "+p.Text)
	}
	return out, err
}
