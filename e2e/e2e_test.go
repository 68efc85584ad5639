// Package e2e runs the whole monitoring path for real: a dhcpd failover
// pair, one dhcpd_exporter per server, Prometheus (Debian package
// prometheus) scraping both with the shipped rules loaded, and Alertmanager
// (prometheus-alertmanager), all inside the lab's network namespace.
//
// Rule `for:` durations are shortened for this test by one documented
// substitution (shortenFor: every `for:` becomes 5s); promtool unit tests
// (alerts/) cover the real durations.
package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dhcpd-exporter/dhcpd_exporter/alerts"
	"github.com/dhcpd-exporter/dhcpd_exporter/dashboards"
	"github.com/dhcpd-exporter/dhcpd_exporter/internal/testlab"
)

func TestMain(m *testing.M) { testlab.Main(m) }

const (
	promAddr    = "127.0.0.1:9090"
	amAddr      = "127.0.0.1:9093"
	primaryExp  = "127.0.0.1:9367"
	secondaryEx = "127.0.0.1:9368"
)

// shortenFor is the documented substitution for this test: every rule's
// `for:` becomes 5 seconds.
var forDuration = regexp.MustCompile(`(?m)^(\s+)for: \S+$`)

func shortenFor(rules []byte) []byte { return forDuration.ReplaceAll(rules, []byte("${1}for: 5s")) }

// Panels that may be empty in this lab, and why: the conditions they show
// are not present.
var mayBeEmpty = map[string]string{
	"Hours until exhausted (trend)": "no pool's free addresses are decreasing in the lab",
}

// process starts a long-running program inside the namespace.
func process(t *testing.T, ns *testlab.Netns, dir, name string, args ...string) {
	t.Helper()
	logf, err := os.Create(filepath.Join(dir, filepath.Base(name)+".log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := ns.Command(context.Background(), name, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		logf.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logf.Name())
			t.Logf("%s log (tail):\n%s", name, tail(string(b), 30))
		}
	})
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

type lab struct {
	t    *testing.T
	pair *testlab.Pair
	http *http.Client
	dir  string
}

// get fetches a URL inside the namespace and decodes its JSON.
func (l *lab) get(u string, v any) error {
	resp, err := l.http.Get(u)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: HTTP %d: %s", u, resp.StatusCode, b)
	}
	return json.Unmarshal(b, v)
}

type promResult struct {
	Status string `json:"status"`
	Data   struct {
		ResultType string `json:"resultType"`
		Result     []struct {
			Metric map[string]string `json:"metric"`
			Value  [2]any            `json:"value"`
			Values [][2]any          `json:"values"`
		} `json:"result"`
	} `json:"data"`
	Error string `json:"error"`
}

func (l *lab) query(expr string) (*promResult, error) {
	var r promResult
	err := l.get("http://"+promAddr+"/api/v1/query?query="+url.QueryEscape(expr), &r)
	if err == nil && r.Status != "success" {
		err = fmt.Errorf("query %q: %s", expr, r.Error)
	}
	return &r, err
}

func (l *lab) queryAt(expr string, at time.Time) (*promResult, error) {
	var r promResult
	err := l.get(fmt.Sprintf("http://%s/api/v1/query?query=%s&time=%d", promAddr, url.QueryEscape(expr), at.Unix()), &r)
	if err == nil && r.Status != "success" {
		err = fmt.Errorf("query %q: %s", expr, r.Error)
	}
	return &r, err
}

func (l *lab) queryRange(expr string, start, end time.Time, step time.Duration) (*promResult, error) {
	var r promResult
	u := fmt.Sprintf("http://%s/api/v1/query_range?query=%s&start=%d&end=%d&step=%s", promAddr, url.QueryEscape(expr), start.Unix(), end.Unix(), step)
	err := l.get(u, &r)
	if err == nil && r.Status != "success" {
		err = fmt.Errorf("query_range %q: %s", expr, r.Error)
	}
	return &r, err
}

// waitFor polls until cond reports true.
func (l *lab) waitFor(what string, limit time.Duration, cond func() (bool, string)) {
	l.t.Helper()
	deadline := time.Now().Add(limit)
	last := ""
	for {
		ok, detail := cond()
		if ok {
			return
		}
		if detail != "" {
			last = detail
		}
		if time.Now().After(deadline) {
			l.t.Fatalf("%s: not after %v (last: %s)", what, limit, last)
		}
		time.Sleep(time.Second)
	}
}

func setup(t *testing.T) *lab {
	testlab.Require(t)
	testlab.RequireCommand(t, "prometheus", "prometheus")
	testlab.RequireCommand(t, "prometheus-alertmanager", "prometheus-alertmanager")
	p := testlab.StartPair(t, testlab.PairOptions{AutoPartnerDown: 3})
	l := &lab{t: t, pair: p, http: p.NS.HTTPClient(), dir: t.TempDir()}
	l.http.Timeout = 10 * time.Second

	bin := testlab.ExporterBinary(t)
	for _, e := range []struct {
		s    *testlab.Server
		addr string
	}{{p.Primary, primaryExp}, {p.Secondary, secondaryEx}} {
		process(t, p.NS, l.dir, bin, "--web.listen-address="+e.addr, "--omapi.address="+e.s.OMAPIAddr,
			"--omapi.key-file="+p.KeyFile, "--dhcpd.config-file="+e.s.ConfPath, "--dhcpd.leases-file="+e.s.LeasesPath)
	}

	amConf := filepath.Join(l.dir, "alertmanager.yml")
	os.WriteFile(amConf, []byte(`route:
  receiver: "null"
  group_wait: 1s
  group_interval: 1s
receivers:
  - name: "null"
`), 0o644)
	process(t, p.NS, l.dir, "prometheus-alertmanager", "--config.file="+amConf, "--storage.path="+filepath.Join(l.dir, "am"),
		"--web.listen-address="+amAddr, "--cluster.listen-address=")

	rules := filepath.Join(l.dir, "dhcpd.rules.yml")
	os.WriteFile(rules, shortenFor(alerts.Raw()), 0o644)
	promConf := filepath.Join(l.dir, "prometheus.yml")
	os.WriteFile(promConf, []byte(fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 900ms
  evaluation_interval: 1s
rule_files: [%q]
alerting:
  alertmanagers:
    - static_configs:
        - targets: [%q]
scrape_configs:
  - job_name: dhcpd
    static_configs:
      - targets: [%q, %q]
`, rules, amAddr, primaryExp, secondaryEx)), 0o644)
	process(t, p.NS, l.dir, "prometheus", "--config.file="+promConf, "--storage.tsdb.path="+filepath.Join(l.dir, "tsdb"),
		"--web.listen-address="+promAddr)

	l.waitFor("Prometheus scrapes both exporters, dhcpd up on both", 60*time.Second, func() (bool, string) {
		r, err := l.query(`count(dhcpd_up{job="dhcpd"} == 1)`)
		if err != nil {
			return false, err.Error()
		}
		return len(r.Data.Result) == 1 && r.Data.Result[0].Value[1] == "2", fmt.Sprint(r.Data.Result)
	})
	return l
}

// TestPrometheusAlertmanagerEndToEnd: every dashboard panel query returns
// data from a real Prometheus scraping the exporters; killing the
// secondary brings the failover alerts to a real Alertmanager; the key
// dashboard series, read back over the whole test, tell what happened.
func TestPrometheusAlertmanagerEndToEnd(t *testing.T) {
	l := setup(t)
	start := time.Now()
	// Subqueries in the panels step at whole minutes: wait for two of them.
	time.Sleep(time.Until(start.Truncate(time.Minute).Add(2*time.Minute + 5*time.Second)))

	queries, err := dashboards.Queries()
	if err != nil {
		t.Fatal(err)
	}
	empty := map[string]bool{}
	for _, q := range queries {
		r, err := l.query(dashboards.Expand(q.Expr))
		if err != nil {
			t.Errorf("%s: %v", q, err)
			continue
		}
		if len(r.Data.Result) == 0 {
			empty[q.Panel] = true
			if _, ok := mayBeEmpty[q.Panel]; !ok {
				t.Errorf("%s returns no data: %s", q, dashboards.Expand(q.Expr))
			}
		}
	}
	t.Logf("%d dashboard queries run, %d panels empty as listed: %v", len(queries), len(empty), empty)

	// No alert fires while everything is fine.
	var active []map[string]any
	if err := l.get("http://"+amAddr+"/api/v2/alerts?active=true", &active); err != nil {
		t.Fatal(err)
	}
	for _, a := range active {
		t.Errorf("alert active in a healthy lab: %v", a["labels"])
	}

	// Kill the secondary: the primary goes communications-interrupted, then
	// partner-down after auto-partner-down (3 s); the alerts reach Alertmanager.
	killed := time.Now()
	if err := l.pair.Secondary.Kill(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	seen := map[string]time.Duration{}
	l.waitFor("failover alerts in Alertmanager", 90*time.Second, func() (bool, string) {
		var got []struct {
			Labels      map[string]string      `json:"labels"`
			Annotations map[string]string      `json:"annotations"`
			Status      struct{ State string } `json:"status"`
		}
		if err := l.get("http://"+amAddr+"/api/v2/alerts?active=true", &got); err != nil {
			return false, err.Error()
		}
		var names []string
		for _, a := range got {
			names = append(names, a.Labels["alertname"])
			name := a.Labels["alertname"]
			if a.Labels["instance"] != primaryExp || a.Labels["peer"] != testlab.PeerName || a.Annotations["runbook"] == "" {
				continue
			}
			if _, ok := seen[name]; !ok && (name == "DhcpdFailoverPartnerDown" || name == "DhcpdFailoverCommunicationsInterrupted") {
				seen[name] = time.Since(killed).Round(100 * time.Millisecond)
			}
		}
		_, pd := seen["DhcpdFailoverPartnerDown"]
		return pd, strings.Join(names, ",")
	})
	t.Logf("after killing the secondary, in Alertmanager: %v", seen)
	time.Sleep(5 * time.Second) // a few scrapes of the partner-down phase

	l.checkDashboardStory(start, killed)
}

// checkDashboardStory reads the dashboards' key series back from
// Prometheus over the whole test and checks that they tell what happened:
// both servers up until the secondary was killed, the primary normal then
// partner-down, and each server's free addresses by owner the mirror image
// of its partner's (owner="local" follows the role).
func (l *lab) checkDashboardStory(start, killed time.Time) {
	t := l.t
	end := time.Now()
	series := func(expr string) map[string][]float64 {
		r, err := l.queryRange(expr, start, end, time.Second)
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		out := map[string][]float64{}
		for _, res := range r.Data.Result {
			var vals []float64
			for _, v := range res.Values {
				var f float64
				fmt.Sscan(fmt.Sprint(v[1]), &f)
				vals = append(vals, f)
			}
			out[res.Metric["instance"]] = vals
		}
		return out
	}
	first := func(v []float64) float64 { return v[0] }
	last := func(v []float64) float64 { return v[len(v)-1] }

	up := series(`dhcpd_up`)
	if p := up[primaryExp]; len(p) == 0 || first(p) != 1 || last(p) != 1 {
		t.Errorf("primary dhcpd_up over the test: %v", p)
	}
	if s := up[secondaryEx]; len(s) == 0 || first(s) != 1 || last(s) != 0 {
		t.Errorf("secondary dhcpd_up: 1 before the kill, 0 after; got %v", s)
	}
	// The overview's state timeline: 1 normal, 2 partner-down.
	state := series(`sum by (instance) (dhcpd_failover_state{side="local",state="normal"}) + 2 * sum by (instance) (dhcpd_failover_state{side="local",state="partner-down"})`)
	if p := state[primaryExp]; len(p) == 0 || first(p) != 1 || last(p) != 2 {
		t.Errorf("primary's local state: normal at the start, partner-down at the end; got %v", p)
	}
	// Before the kill, the primary's own free addresses are the secondary's
	// partner ones and the other way round, pool by pool.
	at := killed.Add(-3 * time.Second)
	for _, pair := range [][2]string{{"local", "partner"}, {"partner", "local"}} {
		expr := fmt.Sprintf(`dhcpd_pool_free_addresses{instance=%q,owner=%q} - on(pool) dhcpd_pool_free_addresses{instance=%q,owner=%q}`,
			primaryExp, pair[0], secondaryEx, pair[1])
		r, err := l.queryAt(expr, at)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Data.Result) != 2 {
			t.Errorf("%s: %d pools, want 2", expr, len(r.Data.Result))
		}
		for _, res := range r.Data.Result {
			if res.Value[1] != "0" {
				t.Errorf("pool %s: primary owner=%s minus secondary owner=%s is %v, want 0", res.Metric["pool"], pair[0], pair[1], res.Value[1])
			}
		}
	}
	// The lease-file utilisation panel stays a ratio.
	util := series(`1 - sum without (state) (dhcpd_pool_leases{state=~"free|backup"}) / on(job, instance, shared_network, pool, failover_peer) dhcpd_pool_addresses`)
	for inst, v := range util {
		for _, f := range v {
			if f < 0 || f > 1 {
				t.Errorf("%s: lease-file utilisation %v outside [0, 1]", inst, f)
				break
			}
		}
	}
	t.Logf("dashboard story checked over %v of Prometheus data", end.Sub(start).Round(time.Second))
}
