package omapi_test

// Integration tests against a real ISC dhcpd 4.4.3 failover pair, built by
// internal/testlab in a private network namespace. They skip without root or
// dhcpd; .ci/run installs what they need.

import (
	"context"
	"encoding/base64"
	"errors"
	"net"
	"net/netip"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dhcpd-exporter/dhcpd_exporter/binding"
	"github.com/dhcpd-exporter/dhcpd_exporter/internal/labclient"
	"github.com/dhcpd-exporter/dhcpd_exporter/internal/testlab"
	"github.com/dhcpd-exporter/dhcpd_exporter/omapi"
)

// pair is shared by the tests that leave it as they found it.
var (
	pairOnce sync.Once
	shared   *testlab.Pair
)

func sharedPair(t *testing.T) *testlab.Pair {
	testlab.Require(t)
	pairOnce.Do(func() {
		shared = testlab.StartPair(testlab.Global(), testlab.PairOptions{Extra: namedGroup})
	})
	if shared == nil {
		t.Fatal("shared pair failed to start (see the first test's log)")
	}
	return shared
}

// namedGroup adds a named group with a host to both servers' dhcpd.conf.
const namedGroup = `
group "lab-group" {
  host grouped1 { hardware ethernet 02:00:00:00:00:02; fixed-address 192.0.2.11; }
}
`

var labKey = labclient.Key

func labClient(t testing.TB, p *testlab.Pair, s *testlab.Server, key *omapi.Key) *omapi.Client {
	cl := omapi.NewClient(omapi.Config{Address: s.OMAPIAddr, Key: key, Dial: p.NS.DialContext})
	t.Cleanup(func() { cl.Close() })
	return cl
}

func TestRealAuthenticateAndReadEverything(t *testing.T) {
	p := sharedPair(t)
	key := labKey(t, p)
	for _, s := range []*testlab.Server{p.Primary, p.Secondary} {
		t.Run(s.Role, func(t *testing.T) {
			cl := labClient(t, p, s, key)
			if err := cl.Ping(ctx(t)); err != nil {
				t.Fatal(err)
			}
			f, err := cl.FailoverState(ctx(t), p.PeerName)
			if err != nil {
				t.Fatal(err)
			}
			wantHier := map[string]omapi.Hierarchy{"primary": omapi.Primary, "secondary": omapi.Secondary}[s.Role]
			if f.LocalState != omapi.FailoverNormal || f.PartnerState != omapi.FailoverNormal || f.Hierarchy != wantHier {
				t.Errorf("failover = %+v", f)
			}
			if f.MCLT != 10*time.Second || f.MaxResponseDelay != 5*time.Second || f.MaxOutstandingUpdates != 10 {
				t.Errorf("failover settings = %+v", f)
			}
			if split, ok := f.Split(); s.Role == "primary" && (!ok || split != 128) {
				t.Errorf("primary split = %d, %v", split, ok)
			}
			// Cross-check with dhcpd's own view through omshell.
			local, partner, err := s.FailoverState(ctx(t))
			if err != nil || local != int(f.LocalState) || partner != int(f.PartnerState) {
				t.Errorf("omshell says %d/%d (%v), client %d/%d", local, partner, err, f.LocalState, f.PartnerState)
			}

			lease, err := cl.LeaseByIP(ctx(t), netip.MustParseAddr("192.0.2.100"))
			if err != nil {
				t.Fatal(err)
			}
			if lease.State != binding.Active || lease.HardwareAddress.String() != "02:00:00:00:00:64" || lease.Pool == 0 {
				t.Errorf("lease = %+v", lease)
			}
			pool, err := cl.Pool(ctx(t), lease.Pool)
			if err != nil {
				t.Fatal(err)
			}
			if pool.LeaseCount != 50 || pool.FreeLeases+pool.BackupLeases == 0 {
				t.Errorf("pool = %+v", pool)
			}
			if _, err := cl.LeaseByIP(ctx(t), netip.MustParseAddr("192.0.2.50")); !errors.Is(err, omapi.ErrNotFound) {
				t.Errorf("address outside the ranges: %v", err)
			}
			if got, err := cl.LeaseByHardwareAddress(ctx(t), net.HardwareAddr{2, 0, 0, 0, 0, 0x65}, 0); err != nil || got.IP.String() != "192.0.2.101" {
				t.Errorf("lease by MAC: %v %v", got, err)
			}
			if got, err := cl.LeaseByClientID(ctx(t), []byte{1, 2, 0, 0, 0, 0, 0x65}); err != nil || got.IP.String() != "192.0.2.101" {
				t.Errorf("lease by client id: %v %v", got, err)
			}
			host, err := cl.HostByName(ctx(t), "fixed1")
			if err != nil || len(host.IPAddresses) != 1 || host.IPAddresses[0].String() != "192.0.2.10" || host.HardwareAddress.String() != "02:00:00:00:00:01" {
				t.Errorf("host by name: %+v %v", host, err)
			}
			if h, err := cl.HostByHardwareAddress(ctx(t), net.HardwareAddr{2, 0, 0, 0, 0, 1}, 1); err != nil || h.Name != "fixed1" {
				t.Errorf("host by MAC: %+v %v", h, err)
			}
			if _, err := cl.HostByName(ctx(t), "nosuchhost"); !errors.Is(err, omapi.ErrNotFound) {
				t.Errorf("absent host: %v", err)
			}
			if g, err := cl.GroupByName(ctx(t), "lab-group"); err != nil || g.Name != "lab-group" {
				t.Errorf("group: %+v %v", g, err)
			}
			if c, err := cl.Control(ctx(t)); err != nil || c.Handle == 0 {
				t.Errorf("control: %+v %v", c, err)
			}
		})
	}
}

func TestRealLeaseByMACMultiple(t *testing.T) {
	testlab.Require(t)
	// A client that moved from .101 to .102 leaves its MAC on both leases.
	seed := testlab.DefaultLeases(time.Now())
	seed = append(seed, []byte(`lease 192.0.2.102 {
  starts 0 2026/01/01 00:00:00;
  ends never;
  binding state active;
  hardware ethernet 02:00:00:00:00:65;
}
`)...)
	p := testlab.StartPair(t, testlab.PairOptions{PrimaryLeases: seed, Start: "primary"})
	cl := labClient(t, p, p.Primary, labKey(t, p))
	if _, err := cl.LeaseByHardwareAddress(ctx(t), net.HardwareAddr{2, 0, 0, 0, 0, 0x65}, 0); !errors.Is(err, omapi.ErrMultiple) {
		t.Fatalf("err = %v, want ErrMultiple", err)
	}
}

func TestRealAuthenticationFailures(t *testing.T) {
	p := sharedPair(t)
	good := labKey(t, p)
	secret, _ := base64.StdEncoding.DecodeString(p.KeySecret)
	wrong := append([]byte(nil), secret...)
	wrong[0] ^= 0xff
	cases := []struct {
		name string
		key  *omapi.Key
		want error
	}{
		{"wrong secret", mustKey(t, p.KeyName, p.KeyAlgorithm, wrong), omapi.ErrInvalidKey},
		{"wrong key name", mustKey(t, "not_"+p.KeyName, p.KeyAlgorithm, secret), omapi.ErrKeyUnknown},
		{"wrong algorithm", mustKey(t, p.KeyName, "hmac-sha512", secret), omapi.ErrKeyUnknown},
		{"no key", nil, omapi.ErrNoKeys},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cl := labClient(t, p, p.Primary, c.key)
			err := cl.Ping(ctx(t))
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			if strings.Contains(err.Error(), p.KeySecret) {
				t.Fatalf("error leaks the secret")
			}
			if r := omapi.Reason(err); r != omapi.ReasonAuth {
				t.Errorf("Reason = %q, want auth", r)
			}
			if st := cl.Stats(); st.FailuresByReason[omapi.ReasonAuth] != 1 || st.Failures() != 1 {
				t.Errorf("failures %v, want one auth", st.FailuresByReason)
			}
		})
	}
	// The server is fine and the good key still works.
	if err := labClient(t, p, p.Primary, good).Ping(ctx(t)); err != nil {
		t.Fatal(err)
	}
	p.Primary.AssertHealthy(t)
}

// dhcpd answers every badly signed request with INVALIDKEY and keeps the
// connection (docs/omapi.md §6.4): the client stops at the first rejected
// window and keeps its one connection.
func TestRealInvalidKeyKeepsConnection(t *testing.T) {
	p := sharedPair(t)
	secret, _ := base64.StdEncoding.DecodeString(p.KeySecret)
	wrong := append([]byte(nil), secret...)
	wrong[len(wrong)-1] ^= 0xff
	cl := labClient(t, p, p.Primary, mustKey(t, p.KeyName, p.KeyAlgorithm, wrong))
	ips := make([]netip.Addr, 40)
	for i := range ips {
		ips[i] = netip.AddrFrom4([4]byte{192, 0, 2, byte(100 + i)})
	}
	for i := 0; i < 2; i++ {
		if _, _, err := cl.LeasesByIP(ctx(t), ips); !errors.Is(err, omapi.ErrInvalidKey) {
			t.Fatalf("err = %v, want ErrInvalidKey", err)
		}
	}
	if st := cl.Stats(); st.Connects != 1 || st.Windows != 2 {
		t.Errorf("stats %+v, want one window per call on one connection", st)
	}
	p.Primary.AssertHealthy(t)
}

func TestRealSHA256Key(t *testing.T) {
	testlab.Require(t)
	p := testlab.StartPair(t, testlab.PairOptions{KeyAlgorithm: "hmac-sha256", Start: "primary"})
	cl := labClient(t, p, p.Primary, labKey(t, p))
	if _, err := cl.LeaseByIP(ctx(t), netip.MustParseAddr("192.0.2.120")); err != nil {
		t.Fatal(err)
	}
	if f, err := cl.FailoverState(ctx(t), p.PeerName); err != nil || f.Name != p.PeerName {
		t.Fatalf("failover: %+v %v", f, err)
	}
}

// 1,000 requests through the windowed pipeline, answered in order, and dhcpd
// alive with a clean log afterwards; then many concurrent callers.
func TestRealWindowedPipeline(t *testing.T) {
	p := sharedPair(t)
	cl := labClient(t, p, p.Primary, labKey(t, p))
	var ips []netip.Addr
	for i := 0; i < 1000; i++ {
		ips = append(ips, netip.AddrFrom4([4]byte{192, 0, 2, byte(95 + i%110)})) // .95-.99 and .200-.204 are outside the ranges
	}
	start := time.Now()
	leases, errs, err := cl.LeasesByIP(ctx(t), ips)
	if err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	for i, ip := range ips {
		inRange := ip.As4()[3] >= 100 && ip.As4()[3] <= 199
		switch {
		case inRange && (errs[i] != nil || leases[i].IP != ip):
			t.Fatalf("reply %d: %v %v, want %s", i, leases[i], errs[i], ip)
		case !inRange && !errors.Is(errs[i], omapi.ErrNotFound):
			t.Fatalf("reply %d for %s: %v, want not found", i, ip, errs[i])
		}
	}
	st := cl.Stats()
	t.Logf("1000 lease OPENs in %v, %d windows, %d connection(s)", elapsed, st.Windows, st.Connects)
	if st.Connects != 1 || st.Windows >= 1000 {
		t.Errorf("stats %+v", st)
	}

	// Concurrent callers on one client: one connection, windows never overlap.
	pool := leases[5].Pool // ips[5] is 192.0.2.100
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			handles := make([]omapi.Handle, 200)
			for i := range handles {
				handles[i] = pool
			}
			if _, errs, err := cl.Pools(ctx(t), handles); err != nil || errs[0] != nil {
				t.Errorf("pools: %v %v", err, errs[0])
			}
		}()
	}
	wg.Wait()
	p.Primary.AssertHealthy(t)
	p.Secondary.AssertHealthy(t)
}

// A dhcpd that dies while a request is outstanding: the client reports the
// closed connection at once (no timeout), and reconnects when dhcpd is back.
func TestRealServerKilledMidRequest(t *testing.T) {
	testlab.Require(t)
	p := testlab.StartPair(t, testlab.PairOptions{Start: "primary"})
	cl := labClient(t, p, p.Primary, labKey(t, p))
	if err := cl.Ping(ctx(t)); err != nil {
		t.Fatal(err)
	}
	// Freeze dhcpd so the request is in flight, then kill it.
	if err := p.Primary.Kill(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cl.Ping(ctx(t)) }()
	time.Sleep(300 * time.Millisecond)
	start := time.Now()
	if err := p.Primary.Kill(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("request succeeded against a killed server")
		}
		if !errors.Is(err, omapi.ErrClosed) {
			t.Errorf("err = %v", err)
		}
		t.Logf("failed %v after the kill: %v", time.Since(start).Round(time.Millisecond), err)
	case <-time.After(5 * time.Second):
		t.Fatal("request still blocked 5s after dhcpd was killed")
	}
	p.Primary.Restart(t)
	deadline := time.Now().Add(20 * time.Second)
	for {
		err := cl.Ping(ctx(t))
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no reconnect after restart: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// A stopped dhcpd: a caller waiting for the connection another caller
// holds gives up at its own deadline, and both count as timeouts.
func TestRealStoppedServerConcurrentCallers(t *testing.T) {
	testlab.Require(t)
	p := testlab.StartPair(t, testlab.PairOptions{Start: "primary"})
	cl := labClient(t, p, p.Primary, labKey(t, p))
	if err := cl.Ping(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if err := p.Primary.Kill(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	holderCtx, cancelHolder := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancelHolder()
	holder := make(chan error, 1)
	go func() { holder <- cl.Ping(holderCtx) }()
	time.Sleep(100 * time.Millisecond)
	c, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	err := cl.Ping(c)
	elapsed := time.Since(start)
	t.Logf("waiter: %v after %v", err, elapsed.Round(time.Millisecond))
	if elapsed > 1300*time.Millisecond || !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "held by another caller") {
		t.Errorf("waiter: %v after %v, want to give up waiting at its 1s deadline", err, elapsed)
	}
	cancelHolder()
	if err := <-holder; omapi.Reason(err) != omapi.ReasonTimeout {
		t.Errorf("holder: %v", err)
	}
	if st := cl.Stats(); st.FailuresByReason[omapi.ReasonTimeout] != 2 || st.Failures() != 2 {
		t.Errorf("failures %v, want 2 timeouts", st.FailuresByReason)
	}
	if err := p.Primary.Kill(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	if err := cl.Ping(ctx(t)); err != nil {
		t.Fatalf("after SIGCONT: %v", err)
	}
	p.Primary.AssertHealthy(t)
}

func TestMain(m *testing.M) {
	testlab.Main(m)
}
