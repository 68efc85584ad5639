package omapi_test

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dhcpd-exporter/dhcpd_exporter/binding"
	"github.com/dhcpd-exporter/dhcpd_exporter/omapi"
	"github.com/dhcpd-exporter/dhcpd_exporter/omapi/omapitest"
)

var secret = []byte("0123456789abcdef")

func mustKey(t testing.TB, name, alg string, secret []byte) *omapi.Key {
	t.Helper()
	k, err := omapi.NewKey(name, alg, secret)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func u32(v uint32) []byte { return []byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)} }

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

// lab builds a fake server with a key required, a pool and leases in it.
type lab struct {
	srv  *omapitest.Server
	key  *omapi.Key
	pool omapi.Handle
}

func newLab(t testing.TB, alg string) *lab {
	key := mustKey(t, "omapi_key", alg, secret)
	srv := omapitest.NewServer(t, omapitest.Options{Keys: []*omapi.Key{key}, RequireKey: "omapi_key"})
	l := &lab{srv: srv, key: key}
	l.pool = srv.Add("pool", omapi.Values{{Name: "lease-count", Data: u32(50)}, {Name: "free-leases", Data: u32(11)}, {Name: "backup-leases", Data: u32(12)}})
	for i := 100; i < 110; i++ {
		mac := byte(i)
		if i == 105 {
			mac = 100 // a client that moved from .100 to .105 leaves its MAC on both
		}
		srv.Add("lease", omapi.Values{
			{Name: "ip-address", Data: []byte{192, 0, 2, byte(i)}},
			{Name: "state", Data: u32(2)},
			{Name: "pool", Data: u32(uint32(l.pool))},
			{Name: "hardware-address", Data: []byte{2, 0, 0, 0, 0, mac}},
			{Name: "ends", Data: u32(0x7fffffff)},
			{Name: "flags", Data: []byte{0}},
			{Name: "ddns-fwd-name", Data: []byte("host.example")},
		})
	}
	srv.Add("failover-state", omapitest.FailoverState("dhcp-failover", omapi.FailoverNormal, omapi.FailoverCommunicationsInterrupt, true, 1))
	return l
}

func (l *lab) client(opts ...func(*omapi.Config)) *omapi.Client {
	cfg := omapi.Config{Address: l.srv.Addr, Key: l.key}
	for _, o := range opts {
		o(&cfg)
	}
	return omapi.NewClient(cfg)
}

func TestAuthenticatesWithEveryAlgorithm(t *testing.T) {
	for _, alg := range []string{"hmac-md5", "hmac-sha1", "hmac-sha224", "hmac-sha256", "hmac-sha384", "hmac-sha512"} {
		t.Run(alg, func(t *testing.T) {
			l := newLab(t, alg)
			cl := l.client()
			if err := cl.Ping(ctx(t)); err != nil {
				t.Fatal(err)
			}
			f, err := cl.FailoverState(ctx(t), "dhcp-failover")
			if err != nil {
				t.Fatal(err)
			}
			if f.LocalState != omapi.FailoverNormal {
				t.Errorf("local state %v", f.LocalState)
			}
		})
	}
}

func TestAuthenticationFailures(t *testing.T) {
	l := newLab(t, "hmac-md5")
	other := mustKey(t, "other_key", "hmac-md5", secret)
	srv2 := omapitest.NewServer(t, omapitest.Options{Keys: []*omapi.Key{l.key, other}, RequireKey: "omapi_key"})
	cases := []struct {
		name string
		addr string
		key  *omapi.Key
		want error
	}{
		{"wrong secret", l.srv.Addr, mustKey(t, "omapi_key", "hmac-md5", []byte("wrong-secret")), omapi.ErrInvalidKey},
		{"unknown key name", l.srv.Addr, mustKey(t, "nosuchkey", "hmac-md5", secret), omapi.ErrKeyUnknown},
		{"wrong algorithm", l.srv.Addr, mustKey(t, "omapi_key", "hmac-sha256", secret), omapi.ErrKeyUnknown},
		{"no key", l.srv.Addr, nil, omapi.ErrNoKeys},
		{"not the omapi-key", srv2.Addr, other, omapi.ErrInvalidKey},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cl := omapi.NewClient(omapi.Config{Address: c.addr, Key: c.key})
			err := cl.Ping(ctx(t))
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			if strings.Contains(err.Error(), string(secret)) || strings.Contains(err.Error(), "wrong-secret") {
				t.Fatalf("error leaks a secret: %v", err)
			}
		})
	}
}

func TestLookups(t *testing.T) {
	l := newLab(t, "hmac-md5")
	cl := l.client()
	lease, err := cl.LeaseByIP(ctx(t), netip.MustParseAddr("192.0.2.101"))
	if err != nil {
		t.Fatal(err)
	}
	if lease.State != binding.Active || lease.Pool != l.pool || !lease.Ends.Equal(omapi.Never) {
		t.Errorf("lease = %+v", lease)
	}
	if v, _ := lease.Variables.Get("ddns-fwd-name"); string(v) != "host.example" {
		t.Errorf("variables = %v", lease.Variables)
	}
	if _, err := cl.LeaseByIP(ctx(t), netip.MustParseAddr("192.0.2.50")); !errors.Is(err, omapi.ErrNotFound) {
		t.Errorf("absent lease: %v", err)
	}
	if _, err := cl.LeaseByHardwareAddress(ctx(t), net.HardwareAddr{2, 0, 0, 0, 0, 100}, 0); !errors.Is(err, omapi.ErrMultiple) {
		t.Errorf("shared MAC: %v", err)
	}
	if got, err := cl.LeaseByHardwareAddress(ctx(t), net.HardwareAddr{2, 0, 0, 0, 0, 101}, 1); err != nil || got.IP.String() != "192.0.2.101" {
		t.Errorf("unique MAC: %v %v", got, err)
	}
	pool, err := cl.Pool(ctx(t), lease.Pool)
	if err != nil || pool.LeaseCount != 50 || pool.FreeLeases != 11 || pool.BackupLeases != 12 {
		t.Errorf("pool = %+v, %v", pool, err)
	}
	f, err := cl.FailoverState(ctx(t), "dhcp-failover")
	if err != nil {
		t.Fatal(err)
	}
	split, ok := f.Split()
	if f.PartnerState != omapi.FailoverCommunicationsInterrupt || f.MCLT != 10*time.Second || !ok || split != 128 || f.PartnerPort != 847 {
		t.Errorf("failover = %+v split %d", f, split)
	}
	if _, err := cl.FailoverState(ctx(t), "nosuchpeer"); !errors.Is(err, omapi.ErrNotFound) {
		t.Errorf("unknown peer: %v", err)
	}
	if _, err := cl.Pool(ctx(t), 9999); !errors.Is(err, omapi.ErrNotFound) {
		t.Errorf("bad handle: %v", err)
	}
	// A handle of another object type: decoding names the object and field.
	if _, err := cl.Pool(ctx(t), lease.Handle); err == nil || !strings.Contains(err.Error(), `field "lease-count": missing`) {
		t.Errorf("pool decode of a lease: %v", err)
	}
}

func TestPipelineAnswersInOrderWithoutCrashingTheServer(t *testing.T) {
	l := newLab(t, "hmac-sha512")
	cl := l.client()
	var ips []netip.Addr
	for i := 0; i < 1000; i++ {
		ips = append(ips, netip.AddrFrom4([4]byte{192, 0, 2, byte(100 + i%12)})) // .110/.111 are absent
	}
	leases, errs, err := cl.LeasesByIP(ctx(t), ips)
	if err != nil {
		t.Fatal(err)
	}
	for i, ip := range ips {
		if i%12 >= 10 {
			if !errors.Is(errs[i], omapi.ErrNotFound) {
				t.Fatalf("%s: %v", ip, errs[i])
			}
			continue
		}
		if errs[i] != nil || leases[i].IP != ip {
			t.Fatalf("reply %d is for %v (%v), want %s", i, leases[i], errs[i], ip)
		}
	}
	handles := make([]omapi.Handle, 1000)
	for i := range handles {
		handles[i] = l.pool
	}
	if _, errs, err := cl.Pools(ctx(t), handles); err != nil || errs[999] != nil {
		t.Fatal(err, errs[999])
	}
	st := cl.Stats()
	if l.srv.Crashed() {
		t.Fatal("the windowed pipeline made the server's output cross a buffer boundary")
	}
	if st.Connects != 1 {
		t.Errorf("connects = %d, want 1", st.Connects)
	}
	if st.Windows >= 2000 {
		t.Errorf("no pipelining: %d windows for 2000 requests", st.Windows)
	}
	t.Logf("2000 requests in %d windows", st.Windows)
}

// leaseOfSize is a lease with every attribute dhcpd always sends, padded by
// a variable so that its UPDATE reply, signed with sigSize bytes, is exactly
// size bytes on the wire.
func leaseOfSize(t testing.TB, ip netip.Addr, size, sigSize int) omapi.Values {
	t.Helper()
	b := ip.As4()
	vs := omapi.Values{
		{Name: "state", Data: u32(2)}, {Name: "ip-address", Data: b[:]},
		{Name: "subnet", Data: u32(0)}, {Name: "pool", Data: u32(0)},
		{Name: "ends", Data: u32(0x7fffffff)}, {Name: "starts", Data: u32(1)},
		{Name: "tstp", Data: u32(0)}, {Name: "tsfp", Data: u32(0)},
		{Name: "atsfp", Data: u32(0)}, {Name: "cltt", Data: u32(1)},
		{Name: "flags", Data: []byte{0}},
	}
	wire, err := omapi.AppendMessage(nil, &omapi.Message{Op: omapi.OpUpdate, Object: vs}, nil)
	if err != nil {
		t.Fatal(err)
	}
	pad := size - len(wire) - sigSize - (2 + len("pad") + 4)
	if pad < 1 {
		t.Fatalf("a lease reply cannot be %d bytes", size)
	}
	return append(vs, omapi.Value{Name: "pad", Data: make([]byte, pad)})
}

// 1,010-byte replies put the 5th reply's authlen at bytes 4,044-4,047 of
// dhcpd's output, across its 4,047-byte buffer: the abort of docs/omapi.md §16.
const crashingReplySize = 1010

// The fake models dhcpd 4.4.3's abort; an unbounded batch triggers it, which
// shows the model (and the need for windows) is real.
func TestUnboundedPipelineWouldCrashDhcpd(t *testing.T) {
	l := newLab(t, "hmac-sha256")
	ip := netip.MustParseAddr("192.0.2.200")
	l.srv.Add("lease", leaseOfSize(t, ip, crashingReplySize, 32))
	cl := l.client(func(c *omapi.Config) { c.WindowBytes = 1 << 30; c.WindowRequests = 1 << 30 })
	ips := make([]netip.Addr, 200)
	for i := range ips {
		ips[i] = ip
	}
	cl.LeasesByIP(ctx(t), ips)
	if !l.srv.Crashed() {
		t.Fatal("expected the server model to abort on an unbounded pipeline")
	}
}

// Each window is planned after the previous window's replies raised the
// size estimates. Here the first five leases are large but harmless in one
// window; five leases of 1,010 bytes in the second window would crash dhcpd,
// and do when all windows are planned up front from the defaults.
func TestWindowsArePlannedFromObservedReplySizes(t *testing.T) {
	for _, alg := range []struct {
		name string
		sig  int
	}{{"hmac-md5", 16}, {"hmac-sha512", 64}} {
		t.Run(alg.name, func(t *testing.T) {
			l := newLab(t, alg.name)
			var ips []netip.Addr
			for i := 0; i < 10; i++ {
				ip := netip.AddrFrom4([4]byte{198, 51, 100, byte(i)})
				size := 1100 // 5 of them: authlens at 4, 1104, 2204, 3304, 4404
				if i >= 5 {
					size = crashingReplySize
				}
				l.srv.Add("lease", leaseOfSize(t, ip, size, alg.sig))
				ips = append(ips, ip)
			}
			cl := l.client()
			leases, errs, err := cl.LeasesByIP(ctx(t), ips)
			if l.srv.Crashed() {
				t.Fatal("a window's replies crossed dhcpd's output buffer inside a signature")
			}
			if err != nil {
				t.Fatal(err)
			}
			for i := range ips {
				if errs[i] != nil || leases[i].IP != ips[i] {
					t.Fatalf("reply %d: %v %v", i, leases[i], errs[i])
				}
			}
		})
	}
}

// A fresh client knows no reply sizes: the first request of each kind ends
// its window, so five 1,010-byte leases, which the default estimate would
// put in one window (and crash dhcpd), go one first and then by what it
// showed.
func TestFirstReplyOfAKindGoesAlone(t *testing.T) {
	l := newLab(t, "hmac-sha256")
	var ips []netip.Addr
	for i := 0; i < 5; i++ {
		ip := netip.AddrFrom4([4]byte{198, 51, 100, byte(i)})
		l.srv.Add("lease", leaseOfSize(t, ip, crashingReplySize, 32))
		ips = append(ips, ip)
	}
	cl := l.client()
	if _, _, err := cl.LeasesByIP(ctx(t), ips); err != nil {
		t.Fatal(err)
	}
	if l.srv.Crashed() {
		t.Fatal("the first window queued replies behind a reply of unknown size")
	}
	// 1 alone, then 2, 2 (3 x 1,042 bytes exceed the budget).
	if w := cl.Stats().Windows; w != 3 {
		t.Errorf("%d windows, want 3", w)
	}
}

func TestReadOnlyClientRefusesWritesBeforeSending(t *testing.T) {
	l := newLab(t, "hmac-md5")
	cl := l.client()
	lease, err := cl.LeaseByIP(ctx(t), netip.MustParseAddr("192.0.2.100"))
	if err != nil {
		t.Fatal(err)
	}
	before := len(l.srv.Received())
	writes := map[string]func() error{
		"update lease": func() error { return cl.UpdateLease(ctx(t), lease.Handle, omapi.Values{{Name: "ends", Data: u32(0)}}) },
		"create host": func() error {
			_, err := cl.CreateHost(ctx(t), omapi.HostSpec{Name: "h", HardwareAddress: net.HardwareAddr{2, 0, 0, 0, 0, 9}})
			return err
		},
		"delete host": func() error { return cl.DeleteHost(ctx(t), 5) },
		"create group": func() error {
			_, err := cl.CreateGroup(ctx(t), "g", "default-lease-time 60;")
			return err
		},
		"partner-down": func() error { return cl.SetFailoverLocalState(ctx(t), 3, omapi.FailoverPartnerDown) },
		"raw update": func() error {
			_, err := cl.Do(ctx(t), &omapi.Request{Op: omapi.OpOpen, Type: "lease", Flags: omapi.FlagUpdate})
			return err
		},
	}
	for name, w := range writes {
		if err := w(); !errors.Is(err, omapi.ErrReadOnly) {
			t.Errorf("%s: err = %v, want ErrReadOnly", name, err)
		}
	}
	if n := len(l.srv.Received()); n != before {
		t.Fatalf("read-only client sent %d messages for refused writes", n-before)
	}
}

func TestWritesWhenAllowed(t *testing.T) {
	l := newLab(t, "hmac-md5")
	cl := l.client(func(c *omapi.Config) { c.AllowWrites = true })
	h, err := cl.CreateHost(ctx(t), omapi.HostSpec{Name: "h1", HardwareAddress: net.HardwareAddr{2, 0, 0, 0, 0, 9}, IPAddresses: []netip.Addr{netip.MustParseAddr("192.0.2.20")}})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := cl.HostByName(ctx(t), "h1"); err != nil || got.Handle != h.Handle || got.IPAddresses[0].String() != "192.0.2.20" {
		t.Fatalf("host = %+v, %v", got, err)
	}
	if err := cl.DeleteHost(ctx(t), h.Handle); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.HostByName(ctx(t), "h1"); !errors.Is(err, omapi.ErrNotFound) {
		t.Fatalf("deleted host: %v", err)
	}
	lease, _ := cl.LeaseByIP(ctx(t), netip.MustParseAddr("192.0.2.100"))
	if err := cl.UpdateLease(ctx(t), lease.Handle, omapi.Values{{Name: "state", Data: u32(1)}}); err != nil {
		t.Fatal(err)
	}
	if err := cl.DeleteHost(ctx(t), lease.Handle); !errors.Is(err, omapi.ErrNotImplemented) {
		t.Fatalf("delete lease: %v", err)
	}
}

func TestReconnectsAfterServerDropsConnection(t *testing.T) {
	l := newLab(t, "hmac-md5")
	cl := l.client()
	if err := cl.Ping(ctx(t)); err != nil {
		t.Fatal(err)
	}
	l.srv.DropConnections()
	time.Sleep(20 * time.Millisecond)
	if err := cl.Ping(ctx(t)); err != nil {
		t.Fatalf("after restart: %v", err)
	}
	if got := l.srv.Accepts(); got != 2 {
		t.Fatalf("accepts = %d, want 2 (one reconnect)", got)
	}
}

func TestDeadlineOnHungServer(t *testing.T) {
	l := newLab(t, "hmac-md5")
	cl := l.client()
	if err := cl.Ping(ctx(t)); err != nil {
		t.Fatal(err)
	}
	l.srv.Hang(true)
	c, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := cl.Ping(c)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("took %v", d)
	}
	l.srv.Hang(false)
	if err := cl.Ping(ctx(t)); err != nil {
		t.Fatalf("after hang: %v", err)
	}
}

func TestConnectionRefused(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	cl := omapi.NewClient(omapi.Config{Address: addr})
	if err := cl.Ping(ctx(t)); err == nil || !strings.Contains(err.Error(), "connect "+addr) {
		t.Fatalf("err = %v", err)
	}
}

func TestConcurrentCallersShareOneConnection(t *testing.T) {
	l := newLab(t, "hmac-sha256")
	cl := l.client()
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				ip := netip.AddrFrom4([4]byte{192, 0, 2, byte(100 + (g+i)%10)})
				lease, err := cl.LeaseByIP(ctx(t), ip)
				if err != nil || lease.IP != ip {
					t.Errorf("%s: %v %v", ip, lease, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if l.srv.Accepts() != 1 || l.srv.Crashed() {
		t.Fatalf("accepts = %d crashed = %v", l.srv.Accepts(), l.srv.Crashed())
	}
}

func TestMessageSizeCap(t *testing.T) {
	l := newLab(t, "hmac-md5")
	l.srv.Add("group", omapi.Values{{Name: "name", Data: []byte("big")}, {Name: "blob", Data: make([]byte, 5000)}})
	cl := l.client(func(c *omapi.Config) { c.MaxMessageSize = 4096 })
	if _, err := cl.GroupByName(ctx(t), "big"); !errors.Is(err, omapi.ErrMessageTooLarge) {
		t.Fatalf("err = %v", err)
	}
	// The client recovers on a new connection.
	if err := cl.Ping(ctx(t)); err != nil {
		t.Fatal(err)
	}
}

// Lookups dhcpd would turn into a create are refused before sending: an
// empty key is null to dhcpd, which then finds no key and creates.
func TestEmptyLookupKeysAreRefused(t *testing.T) {
	l := newLab(t, "hmac-md5")
	l.srv.Add("host", omapi.Values{{Name: "name", Data: []byte("h")}})
	l.srv.Add("group", omapi.Values{{Name: "name", Data: []byte("g")}})
	for _, allowWrites := range []bool{false, true} {
		cl := l.client(func(c *omapi.Config) { c.AllowWrites = allowWrites })
		cases := map[string]func() error{
			"host by empty name":     func() error { _, err := cl.HostByName(ctx(t), ""); return err },
			"group by empty name":    func() error { _, err := cl.GroupByName(ctx(t), ""); return err },
			"failover by empty name": func() error { _, err := cl.FailoverState(ctx(t), ""); return err },
			"failover states": func() error {
				_, _, err := cl.FailoverStatesByName(ctx(t), []string{"dhcp-failover", ""})
				return err
			},
			"host by nil MAC":         func() error { _, err := cl.HostByHardwareAddress(ctx(t), nil, 0); return err },
			"host by empty client id": func() error { _, err := cl.HostByClientID(ctx(t), []byte{}); return err },
			"lease by nil MAC":        func() error { _, err := cl.LeaseByHardwareAddress(ctx(t), nil, 1); return err },
			"lease by nil client id":  func() error { _, err := cl.LeaseByClientID(ctx(t), nil); return err },
			"raw host OPEN without keys": func() error {
				_, err := cl.Do(ctx(t), &omapi.Request{Op: omapi.OpOpen, Type: "host"})
				return err
			},
			"raw group OPEN with an empty key among others": func() error {
				_, err := cl.Do(ctx(t), &omapi.Request{Op: omapi.OpOpen, Type: "group", Object: omapi.Values{{Name: "name", Data: []byte("g")}, {Name: "handle", Data: nil}}})
				return err
			},
		}
		for name, call := range cases {
			before := len(l.srv.Received())
			if err := call(); !errors.Is(err, omapi.ErrInvalidRequest) {
				t.Errorf("%s (AllowWrites %v): err = %v, want ErrInvalidRequest", name, allowWrites, err)
			}
			if n := len(l.srv.Received()); n != before {
				t.Errorf("%s: %d messages sent", name, n-before)
			}
		}
		// The control object is found without keys.
		if err := cl.Ping(ctx(t)); err != nil {
			t.Fatal(err)
		}
	}
}

func TestNonIPv4AddressesAreRefused(t *testing.T) {
	l := newLab(t, "hmac-md5")
	cl := l.client()
	bad := []netip.Addr{{}, netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("::ffff:192.0.2.100")}
	for _, ip := range bad {
		if _, err := omapi.OpenLeaseByIP(ip); !errors.Is(err, omapi.ErrInvalidRequest) {
			t.Errorf("OpenLeaseByIP(%v): %v", ip, err)
		}
		if _, err := cl.LeaseByIP(ctx(t), ip); !errors.Is(err, omapi.ErrInvalidRequest) {
			t.Errorf("LeaseByIP(%v): %v", ip, err)
		}
		if _, err := cl.HostByIP(ctx(t), ip); !errors.Is(err, omapi.ErrInvalidRequest) {
			t.Errorf("HostByIP(%v): %v", ip, err)
		}
	}
	good := netip.MustParseAddr("192.0.2.101")
	ips := append([]netip.Addr{good}, bad...)
	leases, errs, err := cl.LeasesByIP(ctx(t), ips)
	if err != nil {
		t.Fatal(err)
	}
	if errs[0] != nil || leases[0].IP != good {
		t.Errorf("good address: %v %v", leases[0], errs[0])
	}
	for i := 1; i < len(ips); i++ {
		if !errors.Is(errs[i], omapi.ErrInvalidRequest) || leases[i] != nil {
			t.Errorf("%v: %v %v", ips[i], leases[i], errs[i])
		}
	}
	// Only invalid addresses: nothing to send, no connection needed.
	before := len(l.srv.Received())
	if _, errs, err := cl.LeasesByIP(ctx(t), bad); err != nil || !errors.Is(errs[1], omapi.ErrInvalidRequest) {
		t.Errorf("all invalid: %v %v", errs, err)
	}
	if n := len(l.srv.Received()); n != before {
		t.Errorf("%d messages sent for invalid addresses", n-before)
	}
}

func TestMalformedValueNamesAreRefused(t *testing.T) {
	l := newLab(t, "hmac-md5")
	cl := l.client(func(c *omapi.Config) { c.AllowWrites = true })
	long := strings.Repeat("n", 65536)
	cases := map[string]*omapi.Request{
		"empty name in an UPDATE": {Op: omapi.OpUpdate, Handle: l.pool, Object: omapi.Values{{Name: "", Data: []byte("x")}}},
		"empty name in a lookup":  {Op: omapi.OpOpen, Type: "lease", Object: omapi.Values{{Name: "", Data: []byte{1, 2, 3, 4}}}},
		"65536-byte name":         {Op: omapi.OpRefresh, Handle: l.pool, Object: omapi.Values{{Name: long, Data: []byte("x")}}},
	}
	for name, r := range cases {
		before := len(l.srv.Received())
		// A valid request first: nothing at all may be sent.
		ok := omapi.RefreshPool(l.pool)
		if _, err := cl.Do(ctx(t), ok, r); !errors.Is(err, omapi.ErrInvalidRequest) {
			t.Errorf("%s: err = %v", name, err)
		}
		if n := len(l.srv.Received()); n != before {
			t.Errorf("%s: %d messages sent", name, n-before)
		}
	}
}

// A window naming objects by handle is not resent on a new connection: the
// handles may belong to a dhcpd that has since restarted.
func TestHandleWindowsAreNotRetriedAfterReconnect(t *testing.T) {
	l := newLab(t, "hmac-md5")
	cl := l.client()
	if _, err := cl.Pool(ctx(t), l.pool); err != nil {
		t.Fatal(err)
	}
	gen := cl.Generation()
	l.srv.DropConnections()
	time.Sleep(20 * time.Millisecond)
	_, errs, err := cl.Pools(ctx(t), []omapi.Handle{l.pool, l.pool})
	if !errors.Is(err, omapi.ErrReconnected) || !errors.Is(err, omapi.ErrClosed) || errs != nil {
		t.Fatalf("err = %v, want ErrReconnected wrapping ErrClosed", err)
	}
	if cl.Generation() == gen {
		t.Errorf("generation unchanged after reconnecting")
	}
	refreshes := 0
	for _, m := range l.srv.Received() {
		if m.Op == omapi.OpRefresh {
			refreshes++
		}
	}
	// Only the first Pool call's: the window that met the closed connection
	// went to a dead socket, and was not resent on the new one.
	if refreshes != 1 {
		t.Errorf("server got %d REFRESHes, want 1 (none resent)", refreshes)
	}
	// The caller re-learns and goes on, on the connection made above.
	if _, err := cl.Pool(ctx(t), l.pool); err != nil {
		t.Fatal(err)
	}
	if l.srv.Accepts() != 2 {
		t.Errorf("accepts = %d, want 2", l.srv.Accepts())
	}

	// Lookups by key are still retried transparently.
	l.srv.DropConnections()
	time.Sleep(20 * time.Millisecond)
	if _, err := cl.LeaseByIP(ctx(t), netip.MustParseAddr("192.0.2.100")); err != nil {
		t.Fatalf("lookup by key after a drop: %v", err)
	}
}

// dhcpd answers a bad signature with INVALIDKEY and keeps the connection
// (docs/omapi.md §6.4): the client stops at the first rejected window and
// does not reconnect.
func TestInvalidKeyStopsWithoutReconnecting(t *testing.T) {
	l := newLab(t, "hmac-md5")
	wrong := mustKey(t, "omapi_key", "hmac-md5", []byte("wrong-secret"))
	cl := omapi.NewClient(omapi.Config{Address: l.srv.Addr, Key: wrong})
	ips := make([]netip.Addr, 60) // several windows
	for i := range ips {
		ips[i] = netip.AddrFrom4([4]byte{192, 0, 2, byte(100 + i%10)})
	}
	for i := 0; i < 2; i++ {
		if _, _, err := cl.LeasesByIP(ctx(t), ips); !errors.Is(err, omapi.ErrInvalidKey) {
			t.Fatalf("err = %v, want ErrInvalidKey", err)
		}
	}
	if l.srv.Accepts() != 1 {
		t.Errorf("accepts = %d, want 1: the connection stays usable after INVALIDKEY", l.srv.Accepts())
	}
	st := cl.Stats()
	if st.Windows != 2 || st.Connects != 1 {
		t.Errorf("stats %+v, want 2 windows (one per call) on 1 connection", st)
	}
}
