package main

// Load proofs against the real binary and a real dhcpd: the exporter never
// harms dhcpd and stays healthy. TestConcurrentScrapesAgainstRealPair runs
// in the normal suite; BenchmarkSoak (DHCPD_EXPORTER_SOAK=10m) and
// BenchmarkDHCPThroughputUnderScrapes (needs perfdhcp) record the figures
// of BENCHMARKS.md, "The exporter never harms dhcpd, and stays healthy".

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dhcpd-exporter/dhcpd_exporter/internal/testlab"
)

// keepAliveClient scrapes like Prometheus: connections made inside ns and
// kept open between scrapes, up to conns of them. Cleanup closes them.
func keepAliveClient(tb testing.TB, ns *testlab.Netns, conns int) *http.Client {
	tr := &http.Transport{DialContext: ns.DialContext, MaxIdleConns: conns, MaxIdleConnsPerHost: conns}
	tb.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 15 * time.Second}
}

// fetchMetrics GETs /metrics; anything but HTTP 200 is an error.
func fetchMetrics(c *http.Client, addr string) (string, error) {
	resp, err := c.Get("http://" + addr + "/metrics")
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("HTTP %d: %.300s", resp.StatusCode, b)
	}
	return string(b), err
}

// scrapeProblem says what is wrong with a scrape that should have found a
// healthy dhcpd, or returns "". collectors must all report success.
func scrapeProblem(body string, err error, collectors ...string) string {
	if err != nil {
		return err.Error()
	}
	if v := value(body, "dhcpd_up"); v != 1 {
		return fmt.Sprintf("dhcpd_up %v", v)
	}
	for _, c := range collectors {
		if v := value(body, `dhcpd_scrape_collector_success{collector="`+c+`"}`); v != 1 {
			return fmt.Sprintf("collector %s success %v", c, v)
		}
	}
	return ""
}

// procStatus reads a process's resident memory (VmRSS, MB) and open file
// descriptors.
func procStatus(pid int) (rssMB float64, fds int, err error) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	m := regexp.MustCompile(`(?m)^VmRSS:\s+(\d+) kB$`).FindSubmatch(status)
	if m == nil {
		return 0, 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
	}
	kb, _ := strconv.ParseFloat(string(m[1]), 64)
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return 0, 0, err
	}
	return kb / 1024, len(ents), nil
}

// cpuSeconds is the user+system CPU time a process has used so far.
func cpuSeconds(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The fields after the command name, which is in parentheses; utime and
	// stime are fields 14 and 15, in clock ticks (USER_HZ, 100 on Linux).
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseFloat(f[11], 64)
	k, _ := strconv.ParseFloat(f[12], 64)
	return (u + k) / 100
}

// 1,000 scrapes, 50 at a time, of an exporter of a real pair's primary:
// every one answered with dhcpd up and every OMAPI collector succeeding;
// dhcpd healthy and answering omshell afterwards; the exporter back to its
// goroutines and file descriptors once the load is gone. The exporter runs
// with --web.max-requests=0: at the default (40) the scrapes beyond it get
// HTTP 503 by design (TestMaxRequests), and this test measures every scrape
// going through to dhcpd.
func TestConcurrentScrapesAgainstRealPair(t *testing.T) {
	if testing.Short() {
		t.Skip("real dhcpd load test: not with -short")
	}
	testlab.Require(t)
	p := testlab.StartPair(t, testlab.PairOptions{})
	e := exporterFor(t, p, p.Primary, "--web.max-requests=0")
	pid := e.cmd.Process.Pid
	idle := func() (goroutines float64, fds int) {
		body := e.mustScrape(t)
		_, fds, err := procStatus(pid)
		if err != nil {
			t.Fatal(err)
		}
		return value(body, "go_goroutines"), fds
	}
	g0, fd0 := idle()
	if g0 <= 0 {
		t.Fatalf("the exporter exports no go_goroutines")
	}

	const total, concurrency = 1000, 50
	jobs := make(chan int, total)
	for i := range total {
		jobs <- i
	}
	close(jobs)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		bad      int
		took     []time.Duration
		problems []string
	)
	start := time.Now()
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range jobs {
				begin := time.Now()
				body, err := e.scrape(t, "") // a new connection each time; non-200 is an error
				d := time.Since(begin)
				problem := scrapeProblem(body, err, "pools", "failover", "leases")
				mu.Lock()
				took = append(took, d)
				if problem != "" {
					bad++
					if len(problems) < 5 {
						problems = append(problems, problem)
					}
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	wall := time.Since(start)
	slices.Sort(took)
	pct := func(q float64) time.Duration { return took[int(q*float64(len(took)-1))].Round(100 * time.Microsecond) }
	t.Logf("%d scrapes at concurrency %d in %v: %.0f scrapes/s; latency p50 %v, p99 %v, max %v",
		total, concurrency, wall.Round(time.Millisecond), total/wall.Seconds(), pct(0.5), pct(0.99), took[len(took)-1].Round(100*time.Microsecond))
	if bad > 0 {
		t.Errorf("%d of %d scrapes failed or found dhcpd unhealthy; first: %q", bad, total, problems)
	}

	for _, s := range p.Servers() {
		s.AssertHealthy(t)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if l, pt, err := p.Primary.FailoverState(ctx); err != nil || l != testlab.StateNormal || pt != testlab.StateNormal {
		t.Errorf("omshell after the load: local %d partner %d, %v; want both normal (%d)", l, pt, err, testlab.StateNormal)
	}
	// Server-side connection goroutines end once the clients are gone.
	var g1 float64
	var fd1 int
	for deadline := time.Now().Add(3 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if g1, fd1 = idle(); (g1 <= g0+5 && fd1 <= fd0+5) || time.Now().After(deadline) {
			break
		}
	}
	t.Logf("exporter idle before/after: %v/%v goroutines, %d/%d open fds", g0, g1, fd0, fd1)
	if g1 > g0+5 || fd1 > fd0+5 {
		t.Errorf("the exporter kept resources after the load: goroutines %v -> %v, fds %d -> %d", g0, g1, fd0, fd1)
	}
}

// soakSample is one sample of one exporter process (and its dhcpd).
type soakSample struct {
	at          time.Duration
	rssMB       float64
	fds         int
	goroutines  float64
	dhcpdFds    int
	leasesBytes int64
}

// soakSubnet is the lab's subnet with 10 s leases: dhcpd's default of 600 s
// (and a client renewing at half of it) applies as soon as the failover
// partner has acknowledged the first, MCLT-short, lease, and would leave the
// lease files almost still.
var soakSubnet = strings.Replace(testlab.DefaultSubnet, "  option routers 192.0.2.1;\n",
	"  option routers 192.0.2.1;\n  default-lease-time 10;\n  max-lease-time 10;\n", 1)

// BenchmarkSoak runs a real pair with an exporter per server for
// DHCPD_EXPORTER_SOAK (a duration such as 10m; the benchmark skips without
// it): two dhclients, one per pool, renewing 10 s leases every ~5 s so both
// lease files grow, each exporter scraped once a second (keep-alive, like
// Prometheus) plus a burst of 20 concurrent scrapes every 30 s. Every 10 s
// it samples each exporter's VmRSS, open fds and go_goroutines (and its
// dhcpd's open fds), and fails if the maxima of the last third exceed those
// of the first third by more than 20 MB, 10 fds or 20 goroutines, or if any
// scrape fails. It runs once whatever b.N; run it with -benchtime 1x and a
// -timeout above the duration (go test's default is 10m).
func BenchmarkSoak(b *testing.B) {
	d, err := time.ParseDuration(os.Getenv("DHCPD_EXPORTER_SOAK"))
	if err != nil || d <= 0 {
		b.Skip("soak: set DHCPD_EXPORTER_SOAK to a duration such as 10m")
	}
	testlab.Require(b)
	const (
		sampleEvery     = 10 * time.Second
		burstEverySmpl  = 3 // samples
		burstSize       = 20
		rssMarginMB     = 20
		fdsMargin       = 10
		goroutineMargin = 20
	)
	if soakSubnet == testlab.DefaultSubnet {
		b.Fatal("soakSubnet: testlab.DefaultSubnet has no \"option routers\" line to add lease times after")
	}
	p := testlab.StartPair(b, testlab.PairOptions{Subnet: soakSubnet})
	exps := []*exporter{exporterFor(b, p, p.Primary), exporterFor(b, p, p.Secondary)}
	servers := p.Servers()
	var clients []*testlab.Client
	for _, o := range []testlab.ClientOptions{{}, {VendorClass: "omlab"}} {
		c := p.NewClient(b, "", o)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		lease, err := c.Lease(ctx)
		cancel()
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("dhclient %s bound %v from %v for %v", c.MAC, lease.Addr, lease.Server, lease.LeaseTime)
		clients = append(clients, c)
	}
	b.Logf("soaking for %v", d)

	var scrapes, failures atomic.Int64
	var mu sync.Mutex
	var problems []string
	check := func(role, body string, err error) {
		scrapes.Add(1)
		if pr := scrapeProblem(body, err, "pools", "failover", "leases"); pr != "" {
			failures.Add(1)
			mu.Lock()
			if len(problems) < 10 {
				problems = append(problems, role+": "+pr)
			}
			mu.Unlock()
		}
	}

	b.ResetTimer()
	start := time.Now()
	end := start.Add(d)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i, e := range exps {
		c := keepAliveClient(b, p.NS, 1)
		wg.Add(1)
		go func() { // Prometheus: one scrape a second
			defer wg.Done()
			tick := time.NewTicker(time.Second)
			defer tick.Stop()
			for {
				select {
				case <-stop:
					return
				case <-tick.C:
					body, err := fetchMetrics(c, e.addr)
					check(servers[i].Role, body, err)
				}
			}
		}()
	}

	fresh := p.NS.HTTPClient() // a new connection per request, closed after it
	fresh.Timeout = 15 * time.Second
	samples := make([][]soakSample, len(exps))
	sample := func() {
		for i, e := range exps {
			body, err := fetchMetrics(fresh, e.addr)
			check(servers[i].Role, body, err)
			rss, fds, perr := procStatus(e.cmd.Process.Pid)
			_, dfds, derr := procStatus(servers[i].Pid())
			fi, ferr := os.Stat(servers[i].LeasesPath)
			if perr != nil || derr != nil || ferr != nil {
				b.Errorf("sample %s: %v %v %v", servers[i].Role, perr, derr, ferr)
				continue
			}
			s := soakSample{time.Since(start), rss, fds, value(body, "go_goroutines"), dfds, fi.Size()}
			samples[i] = append(samples[i], s)
			b.Logf("%6s %-9s exporter RSS %5.1f MB, %2d fds, %3.0f goroutines; dhcpd %2d fds; lease file %d bytes",
				s.at.Round(time.Second), servers[i].Role, s.rssMB, s.fds, s.goroutines, s.dhcpdFds, s.leasesBytes)
		}
	}
	burst := func() {
		var bw sync.WaitGroup
		for i, e := range exps {
			for range burstSize {
				bw.Add(1)
				go func() {
					defer bw.Done()
					body, err := fetchMetrics(fresh, e.addr)
					check(servers[i].Role, body, err)
				}()
			}
		}
		bw.Wait()
	}
	// Samples and bursts take turns, so no sample counts a burst's goroutines.
	for n := 0; ; n++ {
		sample()
		if !time.Now().Add(sampleEvery).Before(end.Add(time.Second)) {
			break
		}
		if n%burstEverySmpl == burstEverySmpl-1 {
			burst()
		}
		time.Sleep(time.Until(start.Add(time.Duration(n+1) * sampleEvery)))
	}
	close(stop)
	wg.Wait()
	b.StopTimer()
	elapsed := time.Since(start)

	b.Logf("%v: %d scrapes (%d failed)", elapsed.Round(time.Second), scrapes.Load(), failures.Load())
	if failures.Load() > 0 {
		b.Errorf("%d of %d scrapes failed; first: %q", failures.Load(), scrapes.Load(), problems)
	}
	for _, c := range clients {
		if c.Pid() == 0 {
			b.Errorf("dhclient %s is gone; log:\n%s", c.MAC, c.Log())
		}
	}
	for _, s := range servers {
		s.AssertHealthy(b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if l, pt, err := p.Primary.FailoverState(ctx); err != nil || l != testlab.StateNormal || pt != testlab.StateNormal {
		b.Errorf("omshell after the soak: local %d partner %d, %v; want both normal", l, pt, err)
	}
	for i, e := range exps {
		if e.cmd.ProcessState != nil {
			b.Errorf("%s exporter exited", servers[i].Role)
		}
	}

	b.ReportMetric(float64(scrapes.Load()), "scrapes")
	b.ReportMetric(float64(failures.Load()), "failed-scrapes")
	for i, ss := range samples {
		role := servers[i].Role
		if len(ss) < 3 {
			b.Errorf("%s: only %d samples; soak longer than %v", role, len(ss), 3*sampleEvery)
			continue
		}
		first, last := ss[:len(ss)/3], ss[len(ss)-len(ss)/3:]
		type quantity struct {
			unit   string
			get    func(soakSample) float64
			margin float64
		}
		for _, q := range []quantity{
			{"RSS-MB", func(s soakSample) float64 { return s.rssMB }, rssMarginMB},
			{"fds", func(s soakSample) float64 { return float64(s.fds) }, fdsMargin},
			{"goroutines", func(s soakSample) float64 { return s.goroutines }, goroutineMargin},
			{"dhcpd-fds", func(s soakSample) float64 { return float64(s.dhcpdFds) }, fdsMargin},
		} {
			maxOf := func(ss []soakSample) float64 {
				m := math.Inf(-1)
				for _, s := range ss {
					m = max(m, q.get(s))
				}
				return m
			}
			b.ReportMetric(q.get(ss[0]), role+"-"+q.unit+"-first")
			b.ReportMetric(q.get(ss[len(ss)-1]), role+"-"+q.unit+"-last")
			b.ReportMetric(maxOf(ss), role+"-"+q.unit+"-max")
			if early, late := maxOf(first), maxOf(last); late > early+q.margin {
				b.Errorf("%s: %s grew: max %.1f in the first third, %.1f in the last (margin %v)", role, q.unit, early, late, q.margin)
			}
		}
		b.Logf("%s lease file: %d -> %d bytes", role, ss[0].leasesBytes, ss[len(ss)-1].leasesBytes)
		if ss[len(ss)-1].leasesBytes <= ss[0].leasesBytes {
			b.Errorf("%s lease file did not grow", role)
		}
	}
}

// throughputSubnet is a lone server's 192.0.2.0/24 with one pool of 240
// addresses for perfdhcp's 200 simulated clients, without ping-check (which
// would delay every first offer by a ping timeout).
const throughputSubnet = `ping-check false;

subnet 192.0.2.0 netmask 255.255.255.0 {
  option routers 192.0.2.1;
  pool {
    range 192.0.2.10 192.0.2.249;
  }
}
`

// perfdhcpResult is what one perfdhcp run reported, and where the
// machine's CPU went meanwhile (seconds).
type perfdhcpResult struct {
	rate          float64 // completed 4-way exchanges (DORA) per second
	acks          int     // REQUEST-ACK received packets
	drops         [2]int  // DISCOVER-OFFER, REQUEST-ACK
	avgDelayMs    [2]float64
	secs, offered int
	// CPU seconds during the run: dhcpd, the exporter, perfdhcp, this test
	// process (the scrapers), and everything else the machine ran,
	// hypervisor steal included: other sessions' work is noise.
	dhcpdCPU, exporterCPU, perfdhcpCPU, selfCPU, otherCPU float64
}

var (
	perfdhcpRate  = regexp.MustCompile(`(?m)^Rate: ([0-9.]+) 4-way exchanges/second`)
	perfdhcpStats = regexp.MustCompile(`(?s)\*\*\*Statistics for: (DISCOVER-OFFER|REQUEST-ACK)\*\*\*\n(.*?)collected packets`)
)

// machineBusy is the CPU seconds all CPUs spent in user, nice, system and
// steal time (/proc/stat; irq and softirq, where packet forwarding goes, left out).
func machineBusy() float64 {
	b, _ := os.ReadFile("/proc/stat")
	f := strings.Fields(strings.SplitN(string(b), "\n", 2)[0])
	if len(f) < 9 || f[0] != "cpu" {
		return 0
	}
	t := 0.0
	for _, i := range []int{1, 2, 3, 8} { // user nice system steal
		v, _ := strconv.ParseFloat(f[i], 64)
		t += v
	}
	return t / 100
}

// runPerfdhcp runs perfdhcp in the client's namespace: rate DORA exchanges
// a second offered for secs seconds by 200 simulated clients, through eth0
// (perfdhcp acts as a relay from 192.0.2.250). -g single: on 2 cores its
// receiver thread competes with dhcpd (single-threaded did 7,000-8,700
// exchanges/s at saturation, multi-threaded 3,000-5,600). dhcpdPid and
// exporterPid (0: none) are for the CPU accounting.
func runPerfdhcp(tb testing.TB, c *testlab.Client, rate, secs, dhcpdPid, exporterPid int) perfdhcpResult {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(secs+30)*time.Second)
	defer cancel()
	cmd := c.NS.Command(ctx, "perfdhcp", "-4", "-l", c.Iface, "-g", "single", "-r", strconv.Itoa(rate),
		"-p", strconv.Itoa(secs), "-R", "200")
	cpu := func(pid int) float64 {
		if pid == 0 {
			return 0
		}
		return cpuSeconds(pid)
	}
	d0, e0, s0, m0 := cpu(dhcpdPid), cpu(exporterPid), cpuSeconds(os.Getpid()), machineBusy()
	out, err := cmd.CombinedOutput()
	r := perfdhcpResult{secs: secs, offered: rate,
		dhcpdCPU: cpu(dhcpdPid) - d0, exporterCPU: cpu(exporterPid) - e0, selfCPU: cpuSeconds(os.Getpid()) - s0}
	if cmd.ProcessState != nil { // `ip netns exec` execs perfdhcp in place
		r.perfdhcpCPU = (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds()
	}
	r.otherCPU = max(0, machineBusy()-m0-r.dhcpdCPU-r.exporterCPU-r.selfCPU-r.perfdhcpCPU)
	// Exit status 3: some exchanges did not complete, which is a result here.
	var ee *exec.ExitError
	if err != nil && (!errors.As(err, &ee) || ee.ExitCode() != 3) {
		tb.Fatalf("perfdhcp: %v\n%s", err, out)
	}
	m := perfdhcpRate.FindSubmatch(out)
	if m == nil {
		tb.Fatalf("perfdhcp printed no rate:\n%s", out)
	}
	r.rate, _ = strconv.ParseFloat(string(m[1]), 64)
	for _, sm := range perfdhcpStats.FindAllSubmatch(out, -1) {
		i := 0
		if string(sm[1]) == "REQUEST-ACK" {
			i = 1
		}
		body := string(sm[2])
		if v := regexp.MustCompile(`(?m)^drops: (\d+)`).FindStringSubmatch(body); v != nil {
			r.drops[i], _ = strconv.Atoi(v[1])
		}
		if v := regexp.MustCompile(`(?m)^avg delay: ([0-9.]+) ms`).FindStringSubmatch(body); v != nil {
			r.avgDelayMs[i], _ = strconv.ParseFloat(v[1], 64)
		}
		if v := regexp.MustCompile(`(?m)^received packets: (\d+)`).FindStringSubmatch(body); v != nil && i == 1 {
			r.acks, _ = strconv.Atoi(v[1])
		}
	}
	return r
}

// pct is CPU seconds over the run as a percentage of one core.
func (r perfdhcpResult) pct(cpu float64) float64 { return 100 * cpu / float64(r.secs) }

func (r perfdhcpResult) String() string {
	return fmt.Sprintf("%.0f exchanges/s (offered %d/s for %d s; %d ACKs; drops DO %d RA %d; avg delay DO %.2f ms RA %.2f ms; "+
		"%% of a core: dhcpd %.0f, exporter %.0f, perfdhcp %.0f, scrapers %.0f, other work %.0f)",
		r.rate, r.offered, r.secs, r.acks, r.drops[0], r.drops[1], r.avgDelayMs[0], r.avgDelayMs[1],
		r.pct(r.dhcpdCPU), r.pct(r.exporterCPU), r.pct(r.perfdhcpCPU), r.pct(r.selfCPU), r.pct(r.otherCPU))
}

func meanOf(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// scrapeLoad is scrapers goroutines scraping an exporter over keep-alive
// connections, back to back or (every > 0) each once per every, every answer
// checked, until Stop.
type scrapeLoad struct {
	n, failed atomic.Int64
	problem   atomic.Value
	stop      chan struct{}
	wg        sync.WaitGroup
}

func startScrapeLoad(tb testing.TB, ns *testlab.Netns, addr string, scrapers int, every time.Duration, collectors ...string) *scrapeLoad {
	l := &scrapeLoad{stop: make(chan struct{})}
	hc := keepAliveClient(tb, ns, scrapers)
	for range scrapers {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			var tick <-chan time.Time
			if every > 0 {
				t := time.NewTicker(every)
				defer t.Stop()
				tick = t.C
			}
			for {
				if tick != nil {
					select {
					case <-l.stop:
						return
					case <-tick:
					}
				} else {
					select {
					case <-l.stop:
						return
					default:
					}
				}
				body, err := fetchMetrics(hc, addr)
				if pr := scrapeProblem(body, err, collectors...); pr != "" {
					l.failed.Add(1)
					l.problem.CompareAndSwap(nil, pr)
				}
				l.n.Add(1)
			}
		}()
	}
	return l
}

// Stop ends the scrapes and says how many failed, and how.
func (l *scrapeLoad) Stop(tb testing.TB, phase string) {
	tb.Helper()
	close(l.stop)
	l.wg.Wait()
	if l.failed.Load() > 0 {
		tb.Errorf("%s: %d of %d scrapes failed; first: %v", phase, l.failed.Load(), l.n.Load(), l.problem.Load())
	}
}

// BenchmarkDHCPThroughputUnderScrapes measures dhcpd's DHCP service rate
// with perfdhcp (Debian kea-admin) in a client namespace on br0, against a
// lone dhcpd without failover. Four perfdhcp runs of
// DHCPD_EXPORTER_PERFDHCP_SECONDS (default 10) each: a baseline; the same
// while DHCPD_EXPORTER_SCRAPERS goroutines (default 4) scrape the exporter
// as fast as they can ("flat-out"); the same while one goroutine scrapes it
// DHCPD_EXPORTER_PACED_SCRAPES times a second (default 10, what 150
// Prometheus servers at a 15 s interval would do: "paced"); a baseline
// again. Two offered rates, as sub-benchmarks:
//
//   - rate=DHCPD_EXPORTER_PERFDHCP_RATE (default 2,000 exchanges/s, about
//     40 % of a core for dhcpd here, so there is CPU to spare): fails if
//     the flat-out or the paced rate is more than 10 % below the mean
//     baseline.
//   - rate=DHCPD_EXPORTER_PERFDHCP_MAX_RATE (default 10,000, more than dhcpd
//     can do on the 2-core machine): dhcpd's capacity. Reported, not
//     asserted. perfdhcp itself then takes one core and dhcpd the other, so
//     the exporter's and the scrapers' CPU can only come out of dhcpd's
//     share; and the two baselines of one quiet run differed by up to 17 %
//     (an overloaded perfdhcp's drops and retries), more than the margin.
//
// The rates are compared only when the machine had no other work: when
// other processes (or the hypervisor's steal) took more than 15 % of a core
// during any run, the comparison is logged, not asserted, since it then
// measures them. Always asserted: every scrape succeeds, dhcpd stays
// healthy, and a scrape costs dhcpd less than 1 ms of CPU (its CPU per
// scrape while scraped flat-out without DHCP traffic, from /proc/PID/stat;
// reported against what a DHCP exchange costs it).
func BenchmarkDHCPThroughputUnderScrapes(b *testing.B) {
	testlab.Require(b)
	testlab.RequireCommand(b, "kea-admin", "perfdhcp")
	o := throughputOptions{
		secs:     envInt("DHCPD_EXPORTER_PERFDHCP_SECONDS", 10),
		scrapers: envInt("DHCPD_EXPORTER_SCRAPERS", 4),
		paced:    envInt("DHCPD_EXPORTER_PACED_SCRAPES", 10),
	}
	p := testlab.StartPair(b, testlab.PairOptions{Start: "primary", NoFailover: true, Subnet: throughputSubnet, PrimaryLeases: []byte{}})
	o.p = p
	o.e = exporterFor(b, p, p.Primary)
	o.c = p.NewClient(b, "")
	// perfdhcp needs an address on eth0 (outside the pool): it acts as a
	// relay agent from it, and dhcpd answers it there.
	if out, err := exec.Command("ip", "-n", o.c.NS.Name, "addr", "add", "192.0.2.250/24", "dev", o.c.Iface).CombinedOutput(); err != nil {
		b.Fatalf("ip addr add: %v: %s", err, out)
	}
	// Every simulated client gets its first lease before the measurements.
	b.Logf("warm-up: %v", runPerfdhcp(b, o.c, 500, 2, 0, 0))
	for _, r := range []struct {
		rate       int
		saturating bool
	}{
		{envInt("DHCPD_EXPORTER_PERFDHCP_RATE", 2000), false},
		{envInt("DHCPD_EXPORTER_PERFDHCP_MAX_RATE", 10000), true},
	} {
		b.Run(fmt.Sprintf("rate=%d", r.rate), func(b *testing.B) {
			o := o
			o.rate, o.saturating = r.rate, r.saturating
			throughputPhases(b, o)
		})
	}
	p.Primary.AssertHealthy(b)
}

type throughputOptions struct {
	p                           *testlab.Pair
	e                           *exporter
	c                           *testlab.Client
	rate, secs, scrapers, paced int
	saturating                  bool
}

func throughputPhases(b *testing.B, o throughputOptions) {
	dhcpdPid, exporterPid := o.p.Primary.Pid(), o.e.cmd.Process.Pid
	var base, flat, paced []perfdhcpResult
	var flatRates, idleRates, pacedRates, dhcpdPerScrape []float64
	run := func() perfdhcpResult { return runPerfdhcp(b, o.c, o.rate, o.secs, dhcpdPid, exporterPid) }
	b.ResetTimer()
	for range b.N {
		r := run()
		b.Logf("baseline: %v", r)
		base = append(base, r)

		l := startScrapeLoad(b, o.p.NS, o.e.addr, o.scrapers, 0, "pools", "leases")
		// First the scrapes alone: their rate, and dhcpd's CPU for them.
		time.Sleep(500 * time.Millisecond)
		n0, t0, d0 := l.n.Load(), time.Now(), cpuSeconds(dhcpdPid)
		time.Sleep(2 * time.Second)
		n1, t1, d1 := l.n.Load(), time.Now(), cpuSeconds(dhcpdPid)
		idle := float64(n1-n0) / t1.Sub(t0).Seconds()
		perScrape := (d1 - d0) / float64(n1-n0)
		r = run()
		sr := float64(l.n.Load()-n1) / time.Since(t1).Seconds()
		l.Stop(b, "flat-out")
		b.Logf("flat-out: %v; %d scrapers: %.0f scrapes/s (%.0f/s before perfdhcp started, costing dhcpd %.0f µs CPU each)",
			r, o.scrapers, sr, idle, 1e6*perScrape)
		flat = append(flat, r)
		flatRates, idleRates, dhcpdPerScrape = append(flatRates, sr), append(idleRates, idle), append(dhcpdPerScrape, perScrape)

		l = startScrapeLoad(b, o.p.NS, o.e.addr, 1, time.Second/time.Duration(o.paced), "pools", "leases")
		t0 = time.Now()
		r = run()
		sr = float64(l.n.Load()) / time.Since(t0).Seconds()
		l.Stop(b, "paced")
		b.Logf("paced:    %v; %.1f scrapes/s", r, sr)
		paced, pacedRates = append(paced, r), append(pacedRates, sr)

		r = run()
		b.Logf("baseline: %v", r)
		base = append(base, r)
	}
	b.StopTimer()

	mean := func(rs []perfdhcpResult, f func(perfdhcpResult) float64) float64 {
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = f(r)
		}
		return meanOf(v)
	}
	exch := func(r perfdhcpResult) float64 { return r.rate }
	delay := func(r perfdhcpResult) float64 { return r.avgDelayMs[1] }
	cpuShare := func(r perfdhcpResult) float64 { return 100 * r.dhcpdCPU / float64(r.secs) }
	perExchange := func(r perfdhcpResult) float64 { return 1e6 * r.dhcpdCPU / float64(r.acks) }
	baseRate, flatRate, pacedRate := mean(base, exch), mean(flat, exch), mean(paced, exch)
	b.ReportMetric(base[0].rate, "baseline1-exchanges/s")
	b.ReportMetric(flatRate, "flat-out-exchanges/s")
	b.ReportMetric(pacedRate, "paced-exchanges/s")
	b.ReportMetric(base[len(base)-1].rate, "baseline2-exchanges/s")
	b.ReportMetric(100*(flatRate/baseRate-1), "flat-out-vs-baseline-%")
	b.ReportMetric(100*(pacedRate/baseRate-1), "paced-vs-baseline-%")
	b.ReportMetric(meanOf(flatRates), "flat-out-scrapes/s")
	b.ReportMetric(meanOf(idleRates), "flat-out-scrapes/s-without-dhcp")
	b.ReportMetric(meanOf(pacedRates), "paced-scrapes/s")
	b.ReportMetric(mean(base, delay), "baseline-RA-delay-ms")
	b.ReportMetric(mean(flat, delay), "flat-out-RA-delay-ms")
	b.ReportMetric(mean(base, cpuShare), "baseline-dhcpd-CPU-%")
	b.ReportMetric(mean(flat, cpuShare), "flat-out-dhcpd-CPU-%")
	b.ReportMetric(mean(base, perExchange), "dhcpd-us-CPU/exchange")
	b.ReportMetric(1e6*meanOf(dhcpdPerScrape), "dhcpd-us-CPU/scrape")
	b.ReportMetric(maxOther(base, flat, paced), "max-other-work-CPU-%")
	if ms := 1e3 * meanOf(dhcpdPerScrape); ms >= 1 {
		b.Errorf("a scrape costs dhcpd %.2f ms of CPU, want < 1 ms", ms)
	}
	spread := 0.0
	for _, r := range base {
		spread = max(spread, 100*math.Abs(r.rate-baseRate)/baseRate)
	}
	b.ReportMetric(spread, "baseline-spread-%")
	quiet := maxOther(base, flat, paced) <= 15
	below := func(phase string, rate float64) {
		switch {
		case rate >= 0.9*baseRate:
		case o.saturating:
		case quiet:
			b.Errorf("%s: dhcpd served %.0f exchanges/s while scraped, %.1f %% below the baseline %.0f", phase, rate, 100*(1-rate/baseRate), baseRate)
		default:
			b.Logf("%s: dhcpd served %.0f exchanges/s while scraped, %.1f %% below the baseline %.0f; not asserted: other work took up to %.0f %% of a core",
				phase, rate, 100*(1-rate/baseRate), baseRate, maxOther(base, flat, paced))
		}
	}
	below("flat-out", flatRate)
	below("paced", pacedRate)
	if o.saturating {
		b.Logf("offered %d/s, dhcpd's capacity, not asserted (baselines within ±%.0f %% of their mean): paced %+.1f %%, flat-out %+.1f %%. "+
			"Scraped flat-out, dhcpd got %.0f %% of a core instead of %.0f %% (the exporter took %.0f %%, the scrapers %.0f %%, perfdhcp %.0f %%)",
			o.rate, spread, 100*(pacedRate/baseRate-1), 100*(flatRate/baseRate-1), mean(flat, cpuShare), mean(base, cpuShare),
			mean(flat, func(r perfdhcpResult) float64 { return r.pct(r.exporterCPU) }),
			mean(flat, func(r perfdhcpResult) float64 { return r.pct(r.selfCPU) }), mean(flat, func(r perfdhcpResult) float64 { return r.pct(r.perfdhcpCPU) }))
	}
}

// maxOther is the most CPU, in % of a core, that other work took during
// any of the runs.
func maxOther(runs ...[]perfdhcpResult) float64 {
	m := 0.0
	for _, rs := range runs {
		for _, r := range rs {
			m = max(m, r.pct(r.otherCPU))
		}
	}
	return m
}
