package testlab

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var omapiIntro = []byte{0, 0, 0, 0x64, 0, 0, 0, 0x18} // version 100, header size 24

// readIntro reads the 8 bytes dhcpd sends first on every OMAPI connection.
func readIntro(t *testing.T, c net.Conn) {
	t.Helper()
	defer c.Close()
	buf := make([]byte, 8)
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadFull(c, buf); err != nil || !bytes.Equal(buf, omapiIntro) {
		t.Fatalf("OMAPI intro %x, %v; want %x", buf, err, omapiIntro)
	}
}

func ctx5s(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestPairNormalThenSecondaryDies(t *testing.T) {
	Require(t)
	t.Parallel()
	p := StartPair(t, PairOptions{})
	t.Logf("StartPair reached normal in %v", p.Startup)
	for _, s := range p.Servers() {
		if l, pt, err := s.FailoverState(ctx5s(t)); err != nil || l != StateNormal || pt != StateNormal {
			t.Fatalf("%s: failover state %d/%d, %v; want normal/normal", s.Role, l, pt, err)
		}
	}
	for _, s := range p.Servers() {
		c, err := p.NS.DialContext(ctx5s(t), "tcp", s.OMAPIAddr)
		if err != nil {
			t.Fatal(err)
		}
		readIntro(t, c)
	}

	if err := p.Secondary.Kill(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	p.Secondary.Wait()
	if p.Secondary.Alive() {
		t.Fatal("secondary still alive after Wait")
	}
	if err := p.Primary.WaitState(StateCommunicationsInterrupted, AnyState, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	t.Logf("primary communications-interrupted %v after SIGTERM to the secondary", time.Since(killed).Round(time.Millisecond))

	// The secondary keeps its leases file, so it comes back to normal at once.
	p.Secondary.Restart(t)
	if err := p.WaitState(StateNormal, StateNormal, 20*time.Second); err != nil {
		t.Fatalf("%v\n%s", err, p.logTails(20))
	}
	p.Primary.AssertHealthy(t)
	p.Secondary.AssertHealthy(t)
}

// Two full pairs run side by side (same addresses and ports, different
// namespaces), and once their tests end, namespaces and processes are gone.
func TestTwoPairsAtOnceAndTeardown(t *testing.T) {
	Require(t)
	t.Parallel()
	type lab struct {
		ns   string
		pids []int
	}
	var (
		mu   sync.Mutex
		labs []lab
	)
	t.Run("pairs", func(t *testing.T) {
		for range 2 {
			t.Run("", func(t *testing.T) {
				t.Parallel()
				p := StartPair(t, PairOptions{})
				mu.Lock()
				labs = append(labs, lab{p.NS.Name, []int{p.Primary.Pid(), p.Secondary.Pid()}})
				mu.Unlock()
				if l, _, err := p.Secondary.FailoverState(ctx5s(t)); err != nil || l != StateNormal {
					t.Fatalf("secondary %d, %v", l, err)
				}
			})
		}
	})
	if len(labs) != 2 || labs[0].ns == labs[1].ns {
		t.Fatalf("labs %v", labs)
	}
	for _, l := range labs {
		if _, err := os.Stat("/run/netns/" + l.ns); !os.IsNotExist(err) {
			t.Errorf("namespace %s still exists (%v)", l.ns, err)
		}
		for _, pid := range l.pids {
			if syscall.Kill(pid, 0) == nil {
				t.Errorf("dhcpd pid %d of %s still exists", pid, l.ns)
			}
		}
	}
}

func TestLonePrimaryAndForward(t *testing.T) {
	Require(t)
	t.Parallel()
	p := StartPair(t, PairOptions{Start: "primary", PrimaryLeases: []byte{}})
	if p.Secondary != nil {
		t.Fatal("lone primary has a secondary")
	}
	// A lone primary sits in startup for 15 s, with the partner unknown.
	if l, pt, err := p.Primary.FailoverState(ctx5s(t)); err != nil || l != StateStartup || pt != StateUnknown {
		t.Fatalf("failover state %d/%d, %v; want startup/unknown", l, pt, err)
	}
	c, err := net.DialTimeout("tcp", p.NS.Forward(t, p.Primary.OMAPIAddr), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	readIntro(t, c)
	// 192.0.2.1 exists only inside the namespace.
	c, err = p.NS.DialContext(ctx5s(t), "tcp", "192.0.2.1:7911")
	if err != nil {
		t.Fatal(err)
	}
	readIntro(t, c)
}

func TestListenAndHTTPClientInside(t *testing.T) {
	Require(t)
	t.Parallel()
	ns := NewNetns(t)
	ln, err := ns.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "inside") }))
	resp, err := ns.HTTPClient().Get("http://" + ln.Addr().String() + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "inside" {
		t.Fatalf("body %q", body)
	}
	// A process inside sees the listener too.
	out, err := ns.Command(ctx5s(t), "ss", "-Hltn").CombinedOutput()
	if err != nil || !strings.Contains(string(out), ln.Addr().String()) {
		t.Fatalf("ss inside the namespace: %v\n%s", err, out)
	}
}

// A namespace named after a dead process is an aborted run's leftover.
func TestStaleNamespaceRemoved(t *testing.T) {
	Require(t)
	t.Parallel()
	proc := exec.Command("true")
	if err := proc.Run(); err != nil {
		t.Fatal(err)
	}
	stale := &Netns{Name: "dxe" + strconv.Itoa(proc.Process.Pid) + "x1"}
	if out, err := exec.Command("ip", "netns", "add", stale.Name).CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	t.Cleanup(stale.remove)
	NewNetns(t)
	if _, err := os.Stat("/run/netns/" + stale.Name); !os.IsNotExist(err) {
		t.Fatalf("stale namespace %s survived (%v)", stale.Name, err)
	}
}

// A Session (what programs use) tears the lab down on Close.
func TestSessionClose(t *testing.T) {
	Require(t)
	t.Parallel()
	s := &Session{}
	p := StartPair(s, PairOptions{Start: "primary"})
	pid := p.Primary.Pid()
	s.Close()
	if _, err := os.Stat("/run/netns/" + p.NS.Name); !os.IsNotExist(err) {
		t.Errorf("namespace survived Close (%v)", err)
	}
	if syscall.Kill(pid, 0) == nil {
		t.Errorf("dhcpd %d survived Close", pid)
	}
	if _, err := os.Stat(p.Dir); !os.IsNotExist(err) {
		t.Errorf("dir %s survived Close (%v)", p.Dir, err)
	}
}

func TestDefaultLeases(t *testing.T) {
	now := time.Unix(1795355429, 0)
	seed := string(DefaultLeases(now))
	for state, want := range map[string]int{"active": 50, "free": 20, "backup": 16, "expired": 6, "abandoned": 4, "released": 4} {
		if got := strings.Count(seed, "  binding state "+state+";"); got != want {
			t.Errorf("%s: %d, want %d", state, got, want)
		}
	}
	// The first record, exactly as the lab's original shell generator
	// (gen-leases.sh) wrote it; see docs/lab.md §10.
	want := `lease 192.0.2.100 {
  starts 0 2026/11/22 13:45:29;
  ends 0 2026/11/22 14:50:29;
  tstp 0 2026/11/22 14:50:29;
  tsfp 0 2026/11/22 14:50:29;
  atsfp 0 2026/11/22 14:50:29;
  cltt 0 2026/11/22 13:45:29;
  binding state active;
  next binding state free;
  rewind binding state free;
  hardware ethernet 02:00:00:00:00:64;
  uid "\001\002\000\000\000\000\144";
  client-hostname "client-100";
}
`
	if !strings.Contains(seed, want) {
		t.Errorf("first lease differs from gen-leases.sh's:\n%s", seed[:600])
	}
}
