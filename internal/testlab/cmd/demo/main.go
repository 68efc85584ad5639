// Command demo runs the exporter's main job for real: it starts an ISC dhcpd
// failover pair in a private network namespace (internal/testlab), one
// dhcpd_exporter per server inside that namespace, and forwards their
// metrics to host loopback. It keeps running until interrupted, then tears
// everything down. Needs root and isc-dhcp-server; run it with `sudo make demo`.
package main

import (
	"context"
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

func main() {
	exporter := flag.String("exporter", "./dhcpd_exporter", "dhcpd_exporter binary to run")
	primaryPort := flag.Int("primary-port", 9367, "host loopback port for the primary's exporter")
	secondaryPort := flag.Int("secondary-port", 9368, "host loopback port for the secondary's exporter")
	apd := flag.Int("auto-partner-down", 10, "dhcpd auto-partner-down seconds (0 = off)")
	flag.Parse()

	if err := testlab.Available(); err != nil {
		fmt.Fprintf(os.Stderr, "demo: %v; run as root after: apt-get install isc-dhcp-server iproute2\n", err)
		os.Exit(1)
	}
	bin, err := filepath.Abs(*exporter)
	if err != nil || !fileExists(bin) {
		fmt.Fprintf(os.Stderr, "demo: exporter binary %s not found (make build)\n", *exporter)
		os.Exit(1)
	}
	s := &testlab.Session{OnFatal: func() { os.Exit(1) }}
	defer s.Close()

	p := testlab.StartPair(s, testlab.PairOptions{AutoPartnerDown: *apd})
	urls := map[string]string{}
	for i, srv := range p.Servers() {
		inside := fmt.Sprintf("127.0.0.1:%d", 9367+i)
		cmd := p.NS.Command(context.Background(), bin,
			"--web.listen-address="+inside,
			"--omapi.address="+srv.OMAPIAddr,
			"--omapi.key-file="+p.KeyFile,
			"--dhcpd.config-file="+srv.ConfPath,
			"--dhcpd.leases-file="+srv.LeasesPath)
		logPath := filepath.Join(p.Dir, srv.Role+"-exporter.log")
		logf, err := os.Create(logPath)
		if err != nil {
			s.Fatalf("%v", err)
		}
		cmd.Stdout, cmd.Stderr = logf, logf
		if err := cmd.Start(); err != nil {
			s.Fatalf("start exporter: %v", err)
		}
		s.Cleanup(func() { cmd.Process.Kill(); _ = cmd.Wait(); logf.Close() }) // killed: Wait reports it
		port := []int{*primaryPort, *secondaryPort}[i]
		host := p.NS.ForwardFrom(s, fmt.Sprintf("127.0.0.1:%d", port), inside)
		urls[srv.Role] = "http://" + host + "/metrics"
	}

	fmt.Printf(`
dhcpd failover pair running in network namespace %s (files in %s)
  primary   dhcpd: OMAPI %s, exporter %s
  secondary dhcpd: OMAPI %s, exporter %s
  OMAPI key file:  %s

Try:
  curl -s %s | grep -E '^dhcpd_(up|failover_state\{.*\} 1)'
  kill %d    # stop the secondary: the primary goes communications-interrupted, then partner-down after %ds
Ctrl-C stops everything.

`, p.NS.Name, p.Dir, p.Primary.OMAPIAddr, urls["primary"], p.Secondary.OMAPIAddr, urls["secondary"], p.KeyFile,
		urls["primary"], p.Secondary.Pid(), *apd)

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-sigs:
			fmt.Println("stopping")
			return
		case <-tick.C:
			for _, role := range []string{"primary", "secondary"} {
				fmt.Printf("%s %-9s %s\n", time.Now().Format("15:04:05"), role, summary(urls[role]))
			}
		}
	}
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
