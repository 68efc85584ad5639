package testlab

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// requireClientLab skips unless a pair and dhclient can run, and in -short
// mode: each test starts a pair and waits for real DHCP exchanges.
func requireClientLab(t *testing.T) {
	t.Helper()
	Require(t)
	RequireCommand(t, "isc-dhcp-client", "dhclient")
	if testing.Short() {
		t.Skip("skipping real dhclient test in -short mode")
	}
}

func ctx30s(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// inRange says whether a is 192.0.2.lo-hi.
func inRange(a netip.Addr, lo, hi int) bool {
	return a.Compare(netip.AddrFrom4([4]byte{192, 0, 2, byte(lo)})) >= 0 &&
		a.Compare(netip.AddrFrom4([4]byte{192, 0, 2, byte(hi)})) <= 0
}

// eth0Addrs is what `ip -4 addr` shows on the client's interface.
func eth0Addrs(t *testing.T, c *Client) string {
	t.Helper()
	out, err := exec.Command("ip", "-n", c.NS.Name, "-4", "-o", "addr", "show", "dev", c.Iface).CombinedOutput()
	if err != nil {
		t.Fatalf("ip addr in %s: %v: %s", c.NS.Name, err, out)
	}
	return string(out)
}

// waitServerLog waits until some server of p has logged want.
func waitServerLog(t *testing.T, p *Pair, want string, limit time.Duration) {
	t.Helper()
	for deadline := time.Now().Add(limit); ; time.Sleep(50 * time.Millisecond) {
		for _, s := range p.Servers() {
			if strings.Contains(s.Log(), want) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no server logged %q in %v\n%s", want, limit, p.logTails(15))
		}
	}
}

// Two clients lease at once, one from each pool, the script sets the
// address (and nothing outside the namespace), and Release reaches dhcpd.
func TestClientLeaseAndRelease(t *testing.T) {
	requireClientLab(t)
	t.Parallel()
	resolv, _ := os.ReadFile("/etc/resolv.conf")
	p := StartPair(t, PairOptions{})
	// dhcpd's load balancing hashes 02:00:00:00:cc:04 to the primary and
	// cc:02 to the secondary, so both usually answer, and the unicast
	// release goes to the primary over br0.
	plain := p.NewClient(t, "02:00:00:00:cc:04", ClientOptions{Hostname: "plain"})
	member := p.NewClient(t, "02:00:00:00:cc:02", ClientOptions{VendorClass: "omlab"})

	leases := make([]ClientLease, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	begin := time.Now()
	for i, c := range []*Client{plain, member} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			leases[i], errs[i] = c.Lease(ctx30s(t))
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("%v\n%s", err, p.logTails(15))
		}
	}
	t.Logf("two leases in %v: %+v", time.Since(begin).Round(time.Millisecond), leases)

	for i, want := range []struct{ lo, hi int }{{100, 149}, {150, 199}} {
		l := leases[i]
		if !inRange(l.Addr, want.lo, want.hi) {
			t.Errorf("client %d leased %v, want 192.0.2.%d-%d", i, l.Addr, want.lo, want.hi)
		}
		if l.Server != netip.MustParseAddr("192.0.2.1") && l.Server != netip.MustParseAddr("192.0.2.2") {
			t.Errorf("client %d: server identifier %v, want 192.0.2.1 or .2", i, l.Server)
		}
		// The first lease of an address is MCLT long under failover.
		if l.LeaseTime <= 0 || l.LeaseTime > 600*time.Second || !l.Expire.After(begin) || l.Expire.After(time.Now().Add(601*time.Second)) {
			t.Errorf("client %d: lease time %v, expiry %v", i, l.LeaseTime, l.Expire)
		}
	}
	if got := eth0Addrs(t, plain); !strings.Contains(got, " "+leases[0].Addr.String()+"/24 ") {
		t.Errorf("eth0 of the first client: %q, want %v/24", got, leases[0].Addr)
	}
	if after, _ := os.ReadFile("/etc/resolv.conf"); string(after) != string(resolv) {
		t.Errorf("/etc/resolv.conf changed:\n%s", after)
	}
	waitServerLog(t, p, fmt.Sprintf("DHCPACK on %v to %s (plain)", leases[0].Addr, plain.MAC), 5*time.Second)

	begin = time.Now()
	if err := plain.Release(ctx30s(t)); err != nil {
		t.Fatal(err)
	}
	t.Logf("released in %v", time.Since(begin).Round(time.Millisecond))
	waitServerLog(t, p, fmt.Sprintf("DHCPRELEASE of %v from %s", leases[0].Addr, plain.MAC), 5*time.Second)
	if got := eth0Addrs(t, plain); got != "" {
		t.Errorf("eth0 after release: %q, want no address", got)
	}
	if pids := plain.NS.Pids(); len(pids) > 0 {
		t.Errorf("processes left in the client namespace after release: %v", pids)
	}

	// Stop leaves the address and sends nothing.
	if member.Pid() == 0 {
		t.Fatal("no background dhclient for the second client")
	}
	member.Stop()
	if member.Pid() != 0 || len(member.NS.Pids()) > 0 {
		t.Errorf("dhclient still running after Stop: pid file %d, namespace %v", member.Pid(), member.NS.Pids())
	}
	if got := eth0Addrs(t, member); !strings.Contains(got, " "+leases[1].Addr.String()+"/24 ") {
		t.Errorf("eth0 after Stop: %q, want %v/24 kept", got, leases[1].Addr)
	}
	for _, s := range p.Servers() {
		if strings.Contains(s.Log(), "DHCPRELEASE of "+leases[1].Addr.String()) {
			t.Errorf("Stop released the lease: %s log:\n%s", s.Role, s.LogTail(10))
		}
	}
}

// With the primary dead, the secondary alone serves new clients once it is
// in communications-interrupted.
func TestClientSecondaryAloneAnswers(t *testing.T) {
	requireClientLab(t)
	t.Parallel()
	p := StartPair(t, PairOptions{})
	if err := p.Primary.Kill(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	p.Primary.Wait()
	if err := p.Secondary.WaitState(StateCommunicationsInterrupted, AnyState, 15*time.Second); err != nil {
		t.Fatal(err)
	}
	c := p.NewClient(t, "")
	l, err := c.Lease(ctx30s(t))
	if err != nil {
		t.Fatalf("%v\n%s", err, p.logTails(15))
	}
	t.Logf("lease %+v", l)
	if l.Server != netip.MustParseAddr("192.0.2.2") || !inRange(l.Addr, 100, 149) {
		t.Fatalf("leased %v from %v, want 192.0.2.100-149 from 192.0.2.2", l.Addr, l.Server)
	}
}

// Cleanup leaves no namespace, veth, or dhclient behind, and releases
// nothing.
func TestClientTeardown(t *testing.T) {
	requireClientLab(t)
	t.Parallel()
	p := StartPair(t, PairOptions{})
	var c *Client
	var l ClientLease
	var pid int
	t.Run("lease", func(t *testing.T) {
		c = p.NewClient(t, "")
		var err error
		if l, err = c.Lease(ctx30s(t)); err != nil {
			t.Fatal(err)
		}
		if pid = c.Pid(); pid == 0 {
			t.Fatal("no background dhclient")
		}
	})
	if c == nil || pid == 0 {
		t.FailNow()
	}
	if _, err := os.Stat("/run/netns/" + c.NS.Name); !os.IsNotExist(err) {
		t.Errorf("client namespace %s still exists (%v)", c.NS.Name, err)
	}
	if syscall.Kill(pid, 0) == nil {
		if stat, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); !strings.Contains(string(stat), ") Z ") {
			t.Errorf("dhclient %d still running", pid)
		}
	}
	if out, _ := exec.Command("ip", "-n", p.NS.Name, "link", "show", c.Peer).CombinedOutput(); !strings.Contains(string(out), "does not exist") {
		t.Errorf("veth %s still in the pair namespace: %s", c.Peer, out)
	}
	for _, s := range p.Servers() {
		if strings.Contains(s.Log(), "DHCPRELEASE of "+l.Addr.String()) {
			t.Errorf("teardown released the lease: %s log:\n%s", s.Role, s.LogTail(10))
		}
	}
}

func TestReadClientLease(t *testing.T) {
	path := t.TempDir() + "/leases"
	os.WriteFile(path, []byte(`lease {
  interface "eth0";
  fixed-address 192.0.2.120;
  option dhcp-server-identifier 192.0.2.1;
  renew 0 2026/11/22 13:45:29;
  rebind 0 2026/11/22 13:45:33;
  expire 0 2026/11/22 13:45:34;
}
lease {
  interface "eth0";
  fixed-address 192.0.2.139;
  option subnet-mask 255.255.255.0;
  option routers 192.0.2.1;
  option dhcp-lease-time 600;
  option dhcp-message-type 5;
  option dhcp-server-identifier 192.0.2.2;
  renew 0 2026/11/22 13:50:29;
  rebind epoch 1795355729; # Sun Nov 22 13:55:29 2026
  expire 0 2026/11/22 13:55:29;
}
`), 0o644)
	l, err := readClientLease(path)
	if err != nil {
		t.Fatal(err)
	}
	exp := time.Date(2026, 11, 22, 13, 55, 29, 0, time.UTC)
	want := ClientLease{Addr: netip.MustParseAddr("192.0.2.139"), Server: netip.MustParseAddr("192.0.2.2"),
		LeaseTime: 600 * time.Second, Renew: exp.Add(-5 * time.Minute), Rebind: exp, Expire: exp}
	if !l.Rebind.Equal(want.Rebind) {
		t.Errorf("rebind %v, want %v", l.Rebind, want.Rebind)
	}
	l.Rebind = want.Rebind
	if l != want {
		t.Errorf("got  %+v\nwant %+v", l, want)
	}
}
