package testlab

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// ClientOptions configure NewClient; zero values mean none.
type ClientOptions struct {
	// VendorClass is sent as option vendor-class-identifier. "omlab" makes
	// the client a member of the lab's omlab-class, hence served from the
	// second pool (192.0.2.150-199) instead of the first.
	VendorClass string
	// Hostname is sent as option host-name; dhcpd records it as the
	// lease's client-hostname.
	Hostname string
}

// Client is a real DHCP client (ISC dhclient) in a namespace of its own,
// wired to the pair's bridge. A Client is not safe for concurrent use;
// several Clients of one pair are.
type Client struct {
	NS    *Netns // the client's namespace; its interface is eth0
	MAC   string // eth0's hardware address
	Iface string // "eth0"
	// Peer is the other end of eth0: a br0 port in the pair's namespace.
	Peer string
	Dir  string // the client's files below
	// dhclient's files: the script (-sf), config (-cf), lease file (-lf),
	// pid file (-pf) and the output of every run (appended).
	ScriptPath, ConfPath, LeasesPath, PidPath, LogPath string
	Options                                            ClientOptions
}

// ClientLease is what dhclient recorded for the lease it bound.
type ClientLease struct {
	Addr                  netip.Addr    // fixed-address: the leased address
	Server                netip.Addr    // option dhcp-server-identifier: who answered
	LeaseTime             time.Duration // option dhcp-lease-time
	Renew, Rebind, Expire time.Time
}

// clientSeq numbers the br0 ports of clients (vc<n>); one counter per
// process keeps them unique within every pair namespace the process owns.
var clientSeq atomic.Int32

// dhclientScript replaces the stock dhclient-script, which would rewrite the
// host's /etc/resolv.conf: a namespace shares the filesystem (docs/lab.md §11).
// It only sets or flushes the address on the client's interface, which is
// inside the client namespace. TIMEOUT fails so that dhclient never binds a
// recorded lease that no server acknowledged.
const dhclientScript = `#!/bin/sh
# dhclient script written by testlab: only (de)configures the address of the
# interface in the client namespace. Never touches /etc/resolv.conf.
PATH=/usr/sbin:/usr/bin:/sbin:/bin
case "$reason" in
PREINIT)
  ip link set dev "$interface" up ;;
BOUND|RENEW|REBIND|REBOOT)
  # Flush unless renewing the same address, which must not vanish even
  # briefly; also drops what a Stop left behind.
  if [ "$old_ip_address" != "$new_ip_address" ]; then
    ip -4 addr flush dev "$interface" scope global
  fi
  exec ip -4 addr replace "$new_ip_address/${new_subnet_mask:-255.255.255.0}" dev "$interface" ;;
EXPIRE|FAIL|RELEASE|STOP)
  exec ip -4 addr flush dev "$interface" scope global ;;
TIMEOUT)
  exit 1 ;;
esac
exit 0
`

// NewClient creates a client namespace (named like NewNetns's, so a later
// run removes it if this one is aborted) with lo up and a veth eth0 with the
// given MAC, whose peer is a port of the pair's br0. An empty mac picks a
// unique 02:00:00:cc:xx:xx. opts is at most one ClientOptions. Env's cleanup
// kills dhclient (without releasing), deletes the veth and the namespace.
func (p *Pair) NewClient(env Env, mac string, opts ...ClientOptions) *Client {
	env.Helper()
	if len(opts) > 1 {
		env.Fatalf("NewClient: %d ClientOptions, want at most one", len(opts))
	}
	var o ClientOptions
	if len(opts) == 1 {
		o = opts[0]
	}
	for name, v := range map[string]string{"VendorClass": o.VendorClass, "Hostname": o.Hostname} {
		if strings.ContainsAny(v, "\"\\\n") {
			env.Fatalf("NewClient: ClientOptions.%s %q: quotes, backslashes and newlines would break dhclient.conf", name, v)
		}
	}
	n := clientSeq.Add(1)
	if mac == "" {
		mac = fmt.Sprintf("02:00:00:cc:%02x:%02x", n>>8&0xff, n&0xff)
	}
	if hw, err := net.ParseMAC(mac); err != nil || len(hw) != 6 {
		env.Fatalf("NewClient: MAC %q: want six octets such as 02:00:00:00:cc:01 (%v)", mac, err)
	}
	// The directory first, so that its removal runs after every process in
	// the namespace has been killed.
	dir := env.TempDir()
	c := &Client{
		NS:         NewNetns(env),
		MAC:        mac,
		Iface:      "eth0",
		Peer:       fmt.Sprintf("vc%d", n),
		Dir:        dir,
		ScriptPath: filepath.Join(dir, "dhclient-script"),
		ConfPath:   filepath.Join(dir, "dhclient.conf"),
		LeasesPath: filepath.Join(dir, "dhclient.leases"),
		PidPath:    filepath.Join(dir, "dhclient.pid"),
		LogPath:    filepath.Join(dir, "dhclient.log"),
		Options:    o,
	}
	// Created from the pair's side, so eth0 is born inside the client
	// namespace with its MAC, never appearing in the host namespace.
	if err := p.NS.ip(fmt.Sprintf("link add %s type veth peer name %s address %s netns %s\nlink set %s master br0\nlink set %s up\n",
		c.Peer, c.Iface, mac, c.NS.Name, c.Peer, c.Peer)); err != nil {
		env.Fatalf("client %s: %v", mac, err)
	}
	// Deleting one end deletes both. Errors are ignored: the pair's
	// namespace may be gone already, and the veth with it.
	env.Cleanup(func() { _ = p.NS.ip("link del " + c.Peer) }) // gone with the namespace already, or now
	if err := c.NS.ip("link set " + c.Iface + " up"); err != nil {
		env.Fatalf("client %s: %v", mac, err)
	}
	writeFile(env, c.ScriptPath, []byte(dhclientScript), 0o755)
	// Runs before the namespace's removal, which sends SIGTERM first: a
	// dhclient built with ENABLE_GENTLE_SHUTDOWN releases its lease on
	// SIGTERM (Debian's 4.4.3 does not), and a shared lab should not see
	// releases just because a test ended.
	env.Cleanup(c.Stop)
	return c
}

// Lease runs dhclient once (-1) from a fresh lease file, so it starts with a
// DHCPDISCOVER, and returns the lease it bound. dhclient then stays in the
// background and renews (every ~5 s while the lease is MCLT-short) until
// Stop, Release or cleanup. A dhclient of this client still running is
// stopped first. dhclient gives up shortly before ctx's deadline (60 s
// without one); the error includes its output.
func (c *Client) Lease(ctx context.Context) (ClientLease, error) {
	c.Stop() // one dhclient per interface
	// No recorded lease: dhclient would first try to reuse it (INIT-REBOOT).
	os.Remove(c.LeasesPath)
	if err := os.WriteFile(c.ConfPath, []byte(c.conf(ctx)), 0o644); err != nil {
		return ClientLease{}, fmt.Errorf("client %s: %v", c.MAC, err)
	}
	out, err := c.run(ctx, "-1")
	if err != nil {
		// dhclient forks at startup and its parent only relays the child's
		// exit status: when ctx killed the parent, the child still runs.
		c.Stop()
		return ClientLease{}, fmt.Errorf("client %s got no lease: %v; %s", c.MAC, err, out)
	}
	l, err := readClientLease(c.LeasesPath)
	if err != nil {
		return ClientLease{}, fmt.Errorf("client %s: %v; %s", c.MAC, err, out)
	}
	// The child writes its pid file only after it has told the parent to
	// exit; wait, so that Pid and Stop work as soon as Lease returns.
	for deadline := time.Now().Add(2 * time.Second); c.Pid() == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			c.Stop()
			return ClientLease{}, fmt.Errorf("client %s: dhclient bound %v but wrote no pid file %s; %s", c.MAC, l.Addr, c.PidPath, out)
		}
	}
	return l, nil
}

// Release stops the background dhclient, then runs `dhclient -r`, which
// sends a DHCPRELEASE for the lease in the lease file to the server that
// granted it and flushes the address. It fails if no DHCPRELEASE was sent.
func (c *Client) Release(ctx context.Context) error {
	// Stopped first: `dhclient -r` would SIGTERM it and then sleep 1 s,
	// and a dhclient built with ENABLE_GENTLE_SHUTDOWN would send a
	// release of its own on that SIGTERM.
	c.Stop()
	out, err := c.run(ctx, "-r")
	if err != nil {
		return fmt.Errorf("client %s: release failed: %v; %s", c.MAC, err, out)
	}
	if !strings.Contains(out, "DHCPRELEASE of ") {
		return fmt.Errorf("client %s: dhclient -r sent no DHCPRELEASE (no lease in %s?); %s", c.MAC, c.LeasesPath, out)
	}
	return nil
}

// Stop kills the background dhclient with SIGKILL, so it sends nothing: the
// server keeps the lease as if the client had crashed, and eth0 keeps its
// address. Anything else left in the client namespace (a dhclient whose
// pid file is not written yet, a script) is killed too.
func (c *Client) Stop() {
	if pid := c.Pid(); pid > 0 {
		syscall.Kill(pid, syscall.SIGKILL)
	}
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); {
		pids := c.NS.Pids()
		if len(pids) == 0 {
			break
		}
		for _, p := range pids {
			syscall.Kill(p, syscall.SIGKILL)
		}
		time.Sleep(10 * time.Millisecond)
	}
	os.Remove(c.PidPath)
}

// Pid is the background dhclient's pid from its pid file, or 0 if it is not
// running.
func (c *Client) Pid() int {
	b, err := os.ReadFile(c.PidPath)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0
	}
	// A dead dhclient's pid may belong to another process by now, or to a
	// zombie: the daemon is an orphan, reaped by init whenever init gets to it.
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil || !strings.HasPrefix(string(stat), fmt.Sprintf("%d (dhclient) ", pid)) ||
		strings.HasPrefix(string(stat), fmt.Sprintf("%d (dhclient) Z", pid)) {
		return 0
	}
	return pid
}

// Log is the output of every dhclient run of this client so far. The
// background dhclient logs nothing: it detaches from stderr once bound.
func (c *Client) Log() string {
	b, _ := os.ReadFile(c.LogPath)
	return string(b)
}

// conf is dhclient.conf. The timeout ends dhclient's own attempt shortly
// before ctx's deadline, so that the error is its "No DHCPOFFERS received"
// rather than a kill.
func (c *Client) conf(ctx context.Context) string {
	timeout := 60
	if dl, ok := ctx.Deadline(); ok {
		timeout = max(1, int(time.Until(dl)/time.Second)-1)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# dhclient config of testlab client %s\ntimeout %d;\nrequest subnet-mask, routers;\n", c.MAC, timeout)
	if c.Options.VendorClass != "" {
		fmt.Fprintf(&b, "send vendor-class-identifier \"%s\";\n", c.Options.VendorClass)
	}
	if c.Options.Hostname != "" {
		fmt.Fprintf(&b, "send host-name \"%s\";\n", c.Options.Hostname)
	}
	return b.String()
}

// run runs dhclient with mode (-1 or -r) in the client namespace and
// returns the command line and its output. Output goes to a file, not a
// pipe: dhclient's forked child holds stderr until it detaches, and after a
// kill of the parent it may never do so.
func (c *Client) run(ctx context.Context, mode string) (string, error) {
	args := []string{"-4", mode, "-v", "-sf", c.ScriptPath, "-cf", c.ConfPath, "-lf", c.LeasesPath, "-pf", c.PidPath, c.Iface}
	logf, err := os.OpenFile(c.LogPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return "", err
	}
	fi, err := logf.Stat()
	if err != nil {
		logf.Close()
		return "", err
	}
	cmd := c.NS.Command(ctx, "dhclient", args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	begin := time.Now()
	err = cmd.Run()
	logf.Close()
	if err != nil && ctx.Err() != nil {
		err = fmt.Errorf("%v after %v: %w", err, time.Since(begin).Round(time.Millisecond), context.Cause(ctx))
	}
	var out string
	if b, rerr := os.ReadFile(c.LogPath); rerr == nil && int64(len(b)) >= fi.Size() {
		out = string(b[fi.Size():])
	}
	return fmt.Sprintf("`ip netns exec %s dhclient %s` said:\n%s", c.NS.Name, strings.Join(args, " "), out), err
}

// readClientLease parses the last lease of dhclient's lease file, the one
// dhclient just bound (it appends, and rewrites the file only from time to
// time). Dates are "W YYYY/MM/DD HH:MM:SS" in UTC, or "epoch N" with
// db-time-format local.
func readClientLease(path string) (ClientLease, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return ClientLease{}, fmt.Errorf("dhclient lease file: %v", err)
	}
	i := strings.LastIndex(string(b), "lease {")
	if i < 0 {
		return ClientLease{}, fmt.Errorf("no lease in dhclient lease file %s:\n%s", path, b)
	}
	block := string(b[i:])
	var l ClientLease
	bad := func(line string, err error) (ClientLease, error) {
		return ClientLease{}, fmt.Errorf("dhclient lease file %s: %q: %v", path, line, err)
	}
	for _, line := range strings.Split(block, "\n") {
		line = strings.TrimSuffix(strings.TrimSpace(line), ";")
		key, val, _ := strings.Cut(line, " ")
		if key == "option" {
			key, val, _ = strings.Cut(val, " ")
		}
		switch key {
		case "fixed-address":
			l.Addr, err = netip.ParseAddr(val)
		case "dhcp-server-identifier":
			l.Server, err = netip.ParseAddr(val)
		case "dhcp-lease-time":
			var s int
			s, err = strconv.Atoi(val)
			l.LeaseTime = time.Duration(s) * time.Second
		case "renew":
			l.Renew, err = parseClientTime(val)
		case "rebind":
			l.Rebind, err = parseClientTime(val)
		case "expire":
			l.Expire, err = parseClientTime(val)
		}
		if err != nil {
			return bad(line, err)
		}
		if line == "}" {
			break
		}
	}
	if !l.Addr.IsValid() || !l.Server.IsValid() || l.Expire.IsZero() {
		return ClientLease{}, fmt.Errorf("dhclient lease file %s: last lease lacks fixed-address, dhcp-server-identifier or expire:\n%s", path, block)
	}
	return l, nil
}

func parseClientTime(v string) (time.Time, error) {
	if s, ok := strings.CutPrefix(v, "epoch "); ok {
		s, _, _ = strings.Cut(s, ";")
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		return time.Unix(n, 0), err
	}
	if v == "never" {
		return time.Time{}, nil
	}
	_, date, ok := strings.Cut(v, " ") // the weekday first
	if !ok {
		return time.Time{}, fmt.Errorf("date %q: want W YYYY/MM/DD HH:MM:SS", v)
	}
	return time.ParseInLocation("2006/01/02 15:04:05", date, time.UTC)
}
