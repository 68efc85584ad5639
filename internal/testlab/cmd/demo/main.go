// Command demo runs the exporter's main job for real: it starts an ISC dhcpd
// failover pair in a private network namespace (internal/testlab), one
// dhcpd_exporter per server inside that namespace, and forwards their
// metrics to host loopback. It runs until Ctrl-C (SIGINT), SIGTERM or
// SIGHUP, then stops the exporters and dhcpd, deletes the namespace and
// exits 0. The exporters' and dhcpd's logs are kept in a directory it names.
// Needs root and isc-dhcp-server; `make demo` builds and runs it.
package main

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/dhcpd-exporter/dhcpd_exporter/internal/testlab"
)

func main() { os.Exit(run()) }

func run() int {
	exporterBin := flag.String("exporter", "./dhcpd_exporter", "dhcpd_exporter binary to run")
	primaryPort := flag.Int("primary-port", 9367, "host loopback port for the primary's exporter")
	secondaryPort := flag.Int("secondary-port", 9368, "host loopback port for the secondary's exporter")
	apd := flag.Int("auto-partner-down", 10, "dhcpd auto-partner-down seconds (0 = off)")
	flag.Parse()

	if err := testlab.Available(); err != nil {
		fmt.Fprintf(os.Stderr, "demo: %v; run as root after: apt-get install isc-dhcp-server iproute2\n", err)
		return 1
	}
	bin, err := filepath.Abs(*exporterBin)
	if err != nil || !fileExists(bin) {
		fmt.Fprintf(os.Stderr, "demo: exporter binary %s not found (make build)\n", *exporterBin)
		return 1
	}

	// Before anything is started: a Ctrl-C from now on ends in an orderly
	// teardown.
	restore := takeTerminal()
	defer restore()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)

	logDir, err := os.MkdirTemp("", "dhcpd_exporter-demo-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "demo: %v\n", err)
		return 1
	}
	s := &testlab.Session{OnFatal: func() {
		restore()
		fmt.Fprintf(os.Stderr, "demo: failed; logs kept in %s\n", logDir)
		os.Exit(1)
	}}
	defer s.Close()

	p := testlab.StartPair(s, testlab.PairOptions{AutoPartnerDown: *apd})
	var exporters []*exporter
	urls := map[string]string{}
	for i, srv := range p.Servers() {
		inside := fmt.Sprintf("127.0.0.1:%d", 9367+i)
		exporters = append(exporters, startExporter(s, p, srv, bin, inside, logDir))
		host := p.NS.ForwardFrom(s, fmt.Sprintf("127.0.0.1:%d", []int{*primaryPort, *secondaryPort}[i]), inside)
		urls[srv.Role] = "http://" + host + "/metrics"
	}
	for i, e := range exporters {
		if err := waitAnswering(urls[e.role], 15*time.Second); err != nil {
			s.Fatalf("the %s exporter does not answer (log: %s): %v", e.role, exporters[i].logPath, err)
		}
	}

	fmt.Printf(`
dhcpd failover pair running in network namespace %s (files in %s)
  primary   dhcpd: OMAPI %s, exporter %s
  secondary dhcpd: OMAPI %s, exporter %s
  OMAPI key file:  %s
  logs (kept after the demo): %s
    %s
    %s

Try:
  curl -s %s | grep -E '^dhcpd_(up|failover_state\{.*\} 1)'
  kill %d    # stop the secondary: the primary goes communications-interrupted, then partner-down after %ds
Ctrl-C stops everything.

`, p.NS.Name, p.Dir, p.Primary.OMAPIAddr, urls["primary"], p.Secondary.OMAPIAddr, urls["secondary"], p.KeyFile,
		logDir, exporters[0].logPath, exporters[1].logPath, urls["primary"], p.Secondary.Pid(), *apd)

	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	for running := true; running; {
		select {
		case sig := <-sigs:
			fmt.Printf("%s: stopping the exporters and dhcpd, deleting namespace %s\n", sig, p.NS.Name)
			running = false
		case <-tick.C:
			for _, role := range []string{"primary", "secondary"} {
				fmt.Printf("%s %-9s %s\n", time.Now().Format("15:04:05"), role, summary(urls[role]))
			}
		}
	}

	// In order, so that each log ends with its program's own last words:
	// the exporters first (they would log dhcpd going away), then dhcpd,
	// whose logs are copied out before the lab directory goes.
	for _, e := range exporters {
		e.stop()
	}
	for _, srv := range p.Servers() {
		stopDhcpd(srv)
		if err := copyFile(srv.LogPath, filepath.Join(logDir, srv.Role+"-dhcpd.log")); err != nil {
			fmt.Fprintf(os.Stderr, "demo: keeping the %s dhcpd log: %v\n", srv.Role, err)
		}
	}
	s.Close()
	fmt.Printf("stopped; logs kept in %s\n", logDir)
	return 0
}

// waitAnswering polls url until it answers HTTP 200.
func waitAnswering(url string, timeout time.Duration) error {
	c := &http.Client{Timeout: 5 * time.Second}
	for deadline := time.Now().Add(timeout); ; time.Sleep(100 * time.Millisecond) {
		resp, err := c.Get(url)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("HTTP %s", resp.Status)
		}
		if time.Now().After(deadline) {
			return err
		}
	}
}

// stopDhcpd sends SIGTERM and waits; SIGKILL after 3 s.
func stopDhcpd(srv *testlab.Server) {
	if srv.Kill(syscall.SIGTERM) != nil {
		return
	}
	done := make(chan struct{})
	go func() { srv.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		_ = srv.Kill(syscall.SIGKILL)
		<-done
	}
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o644)
}

// summary is the scrape's up and current failover states, one line.
func summary(url string) string {
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var parts []string
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "dhcpd_up ") || (strings.HasPrefix(line, "dhcpd_failover_state{") && strings.HasSuffix(line, "} 1")) {
			parts = append(parts, strings.TrimPrefix(line, "dhcpd_"))
		}
	}
	return strings.Join(parts, "  ")
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }
