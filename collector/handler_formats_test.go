package collector_test

import (
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/dhcpd-exporter/dhcpd_exporter/collector"
	"github.com/dhcpd-exporter/dhcpd_exporter/dhcpdconf"
)

// flatten turns families into "name{labels} value" lines, sorted, with
// help and type, leaving out the values that change from one scrape to
// the next (durations and the exporter's OMAPI counters).
func flatten(mfs []*dto.MetricFamily) []string {
	var out []string
	for _, mf := range mfs {
		out = append(out, fmt.Sprintf("# %s %s %q", mf.GetName(), mf.GetType(), mf.GetHelp()))
		changes := strings.HasPrefix(mf.GetName(), "dhcpd_exporter_omapi_") || strings.HasSuffix(mf.GetName(), "duration_seconds")
		for _, m := range mf.Metric {
			var labels []string
			for _, l := range m.Label {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			v := m.GetGauge().GetValue() + m.GetCounter().GetValue()
			if changes {
				v = -1
			}
			out = append(out, fmt.Sprintf("%s{%s} %g", mf.GetName(), strings.Join(labels, ","), v))
		}
	}
	sort.Strings(out)
	return out
}

func decodeResponse(t *testing.T, resp *http.Response) []*dto.MetricFamily {
	t.Helper()
	body := io.Reader(resp.Body)
	if resp.Header.Get("Content-Encoding") == "gzip" {
		gz, err := gzip.NewReader(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		body = gz
	}
	dec := expfmt.NewDecoder(body, expfmt.ResponseFormat(resp.Header))
	var mfs []*dto.MetricFamily
	for {
		mf := &dto.MetricFamily{}
		if err := dec.Decode(mf); err == io.EOF {
			return mfs
		} else if err != nil {
			t.Fatal(err)
		}
		mfs = append(mfs, mf)
	}
}

// everyCollector is an exporter of the fake dhcpd with pools and of the
// seed lease file, with every collector but the sentinel on.
func everyCollector(t *testing.T) *collector.Exporter {
	f := newFixture(t)
	f.addPools(t)
	return f.exporter(t, collector.Options{
		LeasesFile: "../leasefile/testdata/primary.leases.seed",
		Now:        func() time.Time { return seedNow },
		Enabled:    map[string]bool{"failover": true, "leases": true, "pools": true},
	})
}

// The handler builds its answer without the registry (see family.go): in
// every format and compression it must serve exactly the families, help
// texts, types, label sets and values the registry path (Collector, which
// the golden files and CollectAndLint check) gathers.
func TestHandlerServesWhatTheRegistryGathers(t *testing.T) {
	e := everyCollector(t)
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(e.Collector(scrapeCtx(t)))
	registry, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	want := flatten(registry)

	srv := httptest.NewServer(collector.NewHandler(e, collector.HandlerOpts{Timeout: 5 * time.Second}))
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	for _, format := range scrapeFormats {
		t.Run(format.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
			req.Header.Set("Accept", format.accept)
			if format.encoding != "" {
				req.Header.Set("Accept-Encoding", format.encoding)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if compressed := resp.Header.Get("Content-Encoding") == "gzip"; compressed != (format.encoding != "") {
				t.Errorf("Content-Encoding %q for Accept-Encoding %q", resp.Header.Get("Content-Encoding"), format.encoding)
			}
			got := flatten(decodeResponse(t, resp))
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("handler (%s):\n%s\n\nregistry:\n%s", resp.Header.Get("Content-Type"), strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

// Scrapes share their buffers only one after the other: concurrent
// scrapes each get their own (go test -race checks).
func TestConcurrentHandlerScrapes(t *testing.T) {
	e := everyCollector(t)
	h := collector.NewHandler(e, collector.HandlerOpts{Timeout: 5 * time.Second})
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 5; j++ {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/metrics", nil))
				body := w.Body.String()
				if !strings.Contains(body, `dhcpd_pool_leases{failover_peer="dhcp-failover",pool="192.0.2.100-192.0.2.149",shared_network="192.0.2.0/24",state="active"} 25`) ||
					!strings.Contains(body, `dhcpd_pool_free_addresses{failover_peer="dhcp-failover",owner="local",pool="192.0.2.150-192.0.2.199",shared_network="192.0.2.0/24"} 12`) {
					t.Errorf("scrape:\n%s", body)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestAcceptsGzip(t *testing.T) {
	cases := []struct {
		header string
		want   bool
	}{
		{"", false},
		{"gzip", true},
		{"GZIP", true},
		{"x-gzip", true},
		{"identity", false},
		{"deflate, gzip;q=0.5", true},
		{"gzip;q=0", false},
		{"gzip; q=0.0", false},
		{"*", true},
		{"*;q=0", false},
		{"gzip;q=0, *", false},
		{"br, *;q=0.1", true},
		{"zstd", false},
	}
	for _, c := range cases {
		if got := collector.AcceptsGzip(c.header); got != c.want {
			t.Errorf("Accept-Encoding %q: %v, want %v", c.header, got, c.want)
		}
	}
}

// --collector.leases.states keeps only the named states of
// dhcpd_pool_leases; a name that is not a state is refused, by name.
func TestLeaseStates(t *testing.T) {
	f := newFixture(t)
	f.addPools(t)
	cases := []struct {
		states []string
		want   []string // the states exported
		err    string
	}{
		{nil, []string{"free", "active", "expired", "released", "abandoned", "reset", "backup", "reserved"}, ""},
		{[]string{"active", "free"}, []string{"free", "active"}, ""},
		{[]string{"reserved"}, []string{"reserved"}, ""},
		{[]string{"active", "leased"}, nil, `lease state "leased" is not one of free, active, expired, released, abandoned, reset, backup, reserved`},
		{[]string{"Active"}, nil, `lease state "Active"`},
		{[]string{""}, nil, `lease state ""`},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.states, ","), func(t *testing.T) {
			e, err := collector.New(collector.Options{
				Config:      dhcpdconf.NewSource("../dhcpdconf/testdata/primary.conf", "."),
				LeasesFile:  "../leasefile/testdata/primary.leases.seed",
				LeaseStates: c.states,
				Now:         func() time.Time { return seedNow },
				Enabled:     map[string]bool{"failover": false, "leases": true, "pools": false, "sentinel": false},
			})
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			w := httptest.NewRecorder()
			collector.NewHandler(e, collector.HandlerOpts{Timeout: 5 * time.Second}).ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/metrics", nil))
			var got []string
			for _, line := range strings.Split(w.Body.String(), "\n") {
				if strings.HasPrefix(line, `dhcpd_pool_leases{failover_peer="dhcp-failover",pool="192.0.2.100-192.0.2.149"`) {
					_, state, _ := strings.Cut(line, `state="`)
					state, _, _ = strings.Cut(state, `"`)
					got = append(got, state)
				}
			}
			if strings.Join(got, ",") != strings.Join(c.want, ",") {
				t.Errorf("states %v, want %v", got, c.want)
			}
			if problems, err := lintCollector(e); err != nil || len(problems) > 0 {
				t.Errorf("lint: %v %v", problems, err)
			}
		})
	}
}
