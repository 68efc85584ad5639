package main

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dhcpd-exporter/dhcpd_exporter/internal/labclient"
	"github.com/dhcpd-exporter/dhcpd_exporter/internal/testlab"
	"github.com/dhcpd-exporter/dhcpd_exporter/omapi"
	"github.com/dhcpd-exporter/dhcpd_exporter/omapi/omapitest"
)

// fakePools is the dhcpd.conf of the fake targets: 10 pools of 100
// addresses, which each fake serves.
func fakePools() string {
	var b strings.Builder
	for i := 0; i < 10; i++ {
		fmt.Fprintf(&b, "subnet 10.%d.0.0 netmask 255.255.255.0 {\n  pool { range 10.%d.0.10 10.%d.0.109; }\n}\n", i, i, i)
	}
	return b.String()
}

func newFakeTarget(b *testing.B, key *omapi.Key, keyName string, primary bool) *omapitest.Server {
	u32 := func(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
	srv := omapitest.NewServer(b, omapitest.Options{Keys: []*omapi.Key{key}, RequireKey: keyName})
	srv.Add("failover-state", omapitest.FailoverState(testlab.PeerName, omapi.FailoverNormal, omapi.FailoverNormal, primary, 0))
	for i := 0; i < 10; i++ {
		pool := srv.Add("pool", omapi.Values{{Name: "lease-count", Data: u32(100)}, {Name: "free-leases", Data: u32(40)}, {Name: "backup-leases", Data: u32(40)}})
		srv.Add("lease", omapi.Values{{Name: "ip-address", Data: []byte{10, byte(i), 0, 10}}, {Name: "state", Data: u32(1)}, {Name: "pool", Data: u32(uint32(pool))}})
	}
	return srv
}

// procTimes returns the CPU seconds (user+system) and the resident and peak
// resident memory in MB of a process.
func procTimes(pid int) (cpu, rssMB, hwmMB float64) {
	stat, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	// Fields after the command (which may hold spaces), from field 3 on.
	if i := strings.LastIndexByte(string(stat), ')'); i > 0 {
		f := strings.Fields(string(stat)[i+2:])
		if len(f) > 12 {
			ut, _ := strconv.ParseFloat(f[11], 64)
			st, _ := strconv.ParseFloat(f[12], 64)
			cpu = (ut + st) / 100 // USER_HZ
		}
	}
	status, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, line := range strings.Split(string(status), "\n") {
		for name, dst := range map[string]*float64{"VmRSS:": &rssMB, "VmHWM:": &hwmMB} {
			if strings.HasPrefix(line, name) {
				kb, _ := strconv.ParseFloat(strings.Fields(strings.TrimPrefix(line, name))[0], 64)
				*dst = kb / 1024
			}
		}
	}
	return cpu, rssMB, hwmMB
}

// BenchmarkProbe50Targets runs one exporter process that Prometheus-style
// schedules probe: 50 targets (the real pair plus 48 omapitest servers,
// each with a failover peer and 10 pools) every 15 s, spread over the
// interval, for DHCPD_EXPORTER_BENCH_DURATION (default 3m), and reports the
// exporter's CPU (after the first interval), resident memory and the probe
// latencies. The pair is reached through testlab's forwarder, whose CPU
// is the test process's, not the exporter's.
//
//	sudo go test -run XXX -bench Probe50Targets -benchtime 1x -timeout 30m .
func BenchmarkProbe50Targets(b *testing.B) {
	testlab.Require(b)
	duration := 3 * time.Minute
	if d, err := time.ParseDuration(os.Getenv("DHCPD_EXPORTER_BENCH_DURATION")); err == nil && d > 0 {
		duration = d
	}
	const interval, targets = 15 * time.Second, 50
	p := testlab.StartPair(b, testlab.PairOptions{})
	key := labclient.Key(b, p)
	dir := b.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	for _, s := range p.Servers() {
		conf, err := os.ReadFile(s.ConfPath)
		if err != nil {
			b.Fatal(err)
		}
		write(s.Role+".conf", string(conf))
	}
	write("fake.conf", fakePools())
	var mods strings.Builder
	mods.WriteString("modules:\n")
	for _, m := range []string{"primary", "secondary", "fake"} {
		fmt.Fprintf(&mods, "  %s:\n    key_file: %s\n    failover_peers: [%s]\n    timeout: 10s\n    dhcpd_config_file: %s.conf\n", m, p.KeyFile, p.PeerName, m)
	}
	write("dhcpd_exporter.yml", mods.String())

	type job struct{ target, module string }
	jobs := []job{{p.NS.Forward(b, p.Primary.OMAPIAddr), "primary"}, {p.NS.Forward(b, p.Secondary.OMAPIAddr), "secondary"}}
	for i := len(jobs); i < targets; i++ {
		jobs = append(jobs, job{newFakeTarget(b, key, p.KeyName, i%2 == 0).Addr, "fake"})
	}

	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(exporterBinary(b), append([]string{"--web.listen-address=" + addr,
		"--config.file=" + filepath.Join(dir, "dhcpd_exporter.yml")}, noLocalCollectors...)...)
	logs := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	client := &http.Client{Timeout: 15 * time.Second}
	get := func(path string) (int, string, error) {
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr+path, nil)
		req.Header.Set("X-Prometheus-Scrape-Timeout-Seconds", "10")
		resp, err := client.Do(req)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body), err
	}
	for i := 0; ; i++ {
		if _, _, err := get("/metrics"); err == nil {
			break
		}
		if i > 200 {
			b.Fatalf("exporter did not start:\n%s", logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}

	var mu sync.Mutex
	var latencies []time.Duration
	failures := 0
	var cpu0 float64
	start := time.Now()
	b.ResetTimer()
	go func() {
		time.Sleep(interval)
		c, _, _ := procTimes(cmd.Process.Pid)
		mu.Lock()
		cpu0 = c
		mu.Unlock()
	}()
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Duration(i) * interval / targets) // Prometheus spreads targets over the interval
			path := "/probe?" + url.Values{"target": {j.target}, "module": {j.module}}.Encode()
			for next := time.Now(); time.Since(start) < duration; next = next.Add(interval) {
				time.Sleep(time.Until(next))
				t0 := time.Now()
				code, body, err := get(path)
				took := time.Since(t0)
				mu.Lock()
				latencies = append(latencies, took)
				if err != nil || code != http.StatusOK || !strings.Contains(body, "dhcpd_up 1") || !strings.Contains(body, `dhcpd_scrape_collector_success{collector="pools"} 1`) {
					failures++
					if failures <= 3 {
						b.Errorf("probe %s %s: HTTP %d %v\n%.1500s", j.target, j.module, code, err, body)
					}
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	cpu1, rss, hwm := procTimes(cmd.Process.Pid)
	_, own, _ := get("/metrics")

	sort.Slice(latencies, func(i, k int) bool { return latencies[i] < latencies[k] })
	q := func(f float64) float64 {
		return float64(latencies[min(len(latencies)-1, int(f*float64(len(latencies))))].Microseconds()) / 1000
	}
	b.ReportMetric(float64(len(latencies)), "probes")
	b.ReportMetric(float64(failures), "failed")
	b.ReportMetric(100*(cpu1-cpu0)/(elapsed-interval).Seconds(), "cpu-%")
	b.ReportMetric(rss, "RSS-MB")
	b.ReportMetric(hwm, "peak-RSS-MB")
	b.ReportMetric(q(0.5), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(q(1), "max-ms")
	for _, line := range strings.Split(own, "\n") {
		if strings.HasPrefix(line, "dhcpd_exporter_probe_targets_open ") || strings.HasPrefix(line, "go_goroutines ") {
			b.Log(line)
		}
	}
	for _, s := range p.Servers() {
		s.AssertHealthy(b)
	}
}
