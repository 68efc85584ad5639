// Command dhcpd-lab starts the test lab's ISC dhcpd failover pair (package
// internal/testlab) in a private network namespace, prints where everything
// is, and keeps it running until SIGINT or SIGTERM, then tears it down.
// Needs root and isc-dhcp-server.
//
//	sudo go run ./internal/testlab/cmd/dhcpd-lab
//	sudo go run ./internal/testlab/cmd/dhcpd-lab -start primary -key-algorithm hmac-sha256 -key-secret "$(head -c32 /dev/urandom | base64)"
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/dhcpd-exporter/dhcpd_exporter/internal/testlab"
)

func main() {
	var o testlab.PairOptions
	flag.IntVar(&o.MCLT, "mclt", 10, "failover mclt, seconds")
	flag.IntVar(&o.MaxResponseDelay, "max-response-delay", 5, "failover max-response-delay, seconds")
	flag.IntVar(&o.AutoPartnerDown, "auto-partner-down", 0, "failover auto-partner-down, seconds (0 = off)")
	flag.StringVar(&o.KeyName, "key-name", "omapi_key", "OMAPI key name")
	flag.StringVar(&o.KeyAlgorithm, "key-algorithm", "hmac-md5", "OMAPI key algorithm (hmac-md5, hmac-sha256, ...)")
	flag.StringVar(&o.KeySecret, "key-secret", testlab.DefaultKeySecret, "OMAPI key secret, base64")
	flag.StringVar(&o.Start, "start", "both", `"both", or "primary" for a lone primary`)
	flag.DurationVar(&o.WaitNormal, "wait", 30*time.Second, "how long to wait for failover state normal")
	subnetFile := flag.String("subnet-file", "", "file with the dhcpd.conf text for 192.0.2.0/24 and its pools (default: the lab's two pools)")
	extraFile := flag.String("extra-file", "", "file with extra global dhcpd.conf text for both servers")
	leasesFile := flag.String("leases-file", "", `seed lease file for the primary (default: the lab's 100 leases; "/dev/null": none)`)
	fwdPrimary := flag.String("forward-primary", "127.0.0.1:0", "host address forwarded to the primary's OMAPI port")
	fwdSecondary := flag.String("forward-secondary", "127.0.0.1:0", "host address forwarded to the secondary's OMAPI port")
	flag.Parse()

	fail := func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, "dhcpd-lab: "+format+"\n", args...)
		os.Exit(1)
	}
	if err := testlab.Available(); err != nil {
		fail("%v; run as root after: apt-get install isc-dhcp-server iproute2", err)
	}
	read := func(path string) []byte {
		b, err := os.ReadFile(path)
		if err != nil {
			fail("%v", err)
		}
		return b
	}
	if *subnetFile != "" {
		o.Subnet = string(read(*subnetFile))
	}
	if *extraFile != "" {
		o.Extra = string(read(*extraFile))
	}
	if *leasesFile != "" {
		o.PrimaryLeases = read(*leasesFile) // /dev/null gives the empty, non-nil slice
	}

	// Listen for signals before starting, so an early Ctrl-C still tears
	// down; dhcpd runs in its own process group and does not see it.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	lab := &testlab.Session{OnFatal: func() { os.Exit(1) }}
	defer lab.Close()

	p := testlab.StartPair(lab, o)
	fmt.Printf("dhcpd lab is up (%v): %s, failover peer %q (mclt %d, max-response-delay %d, auto-partner-down %d)\n",
		p.Startup.Round(time.Millisecond), map[string]string{"both": "failover pair, state normal", "primary": "lone primary"}[o.Start],
		p.PeerName, o.MCLT, o.MaxResponseDelay, o.AutoPartnerDown)
	fmt.Printf("  netns:      %s   (run things inside with: ip netns exec %s <cmd>)\n", p.NS.Name, p.NS.Name)
	fwd := map[string]string{"primary": *fwdPrimary, "secondary": *fwdSecondary}
	for _, s := range p.Servers() {
		host := p.NS.ForwardFrom(lab, fwd[s.Role], s.OMAPIAddr)
		fmt.Printf("  %-10s  OMAPI %s in the netns, forwarded from host %s; pid %d, serving %s %s\n",
			s.Role+":", s.OMAPIAddr, host, s.Pid(), s.Iface, s.Addr)
		fmt.Printf("              conf %s\n              leases %s\n              log %s\n", s.ConfPath, s.LeasesPath, s.LogPath)
	}
	fmt.Printf("  key:        %s %s %s\n  key file:   %s\n", p.KeyName, p.KeyAlgorithm, p.KeySecret, p.KeyFile)
	fmt.Printf("  try:        ip netns exec %s omshell   (server 127.0.0.1, port %d, key %s %s, connect)\n",
		p.NS.Name, p.Primary.OMAPIPort, p.KeyName, p.KeySecret)
	fmt.Println("Ctrl-C stops it and removes everything.")

	// Say so if a server dies: a lab that silently lost a server confuses.
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	dead := map[string]bool{}
	for {
		select {
		case sig := <-sigs:
			fmt.Printf("%v: tearing down %s\n", sig, p.NS.Name)
			return
		case <-tick.C:
			for _, s := range p.Servers() {
				if alive := s.Alive(); !alive && !dead[s.Role] {
					fmt.Printf("%s dhcpd (pid %d) exited; log tail:\n%s\n", s.Role, s.Pid(), s.LogTail(10))
					dead[s.Role] = true
				} else if alive {
					dead[s.Role] = false
				}
			}
		}
	}
}
