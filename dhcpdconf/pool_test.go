package dhcpdconf

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
)

const peerDecl = `failover peer "fo" { primary; address 10.0.0.1; peer address 10.0.0.2; mclt 60; split 128; }
`

// poolSummary renders a config's pools as "shared: ID size [peer] [adhoc]; ...".
func poolSummary(cfg *Config) string {
	var parts []string
	for _, sn := range cfg.SharedNetworks {
		if len(sn.Pools) == 0 {
			parts = append(parts, sn.Name+": no pools")
		}
		for i, p := range sn.Pools {
			s := fmt.Sprintf("%s %d", p.ID, p.Size())
			if i == 0 {
				s = sn.Name + ": " + s
			}
			if p.FailoverPeer != "" {
				s += " " + p.FailoverPeer
			}
			if p.AdHoc {
				s += " adhoc"
			}
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, "; ")
}

func mustParse(t *testing.T, conf string) *Config {
	t.Helper()
	cfg, err := Parse("test.conf", []byte(conf), Options{})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// poolAssignmentCases: the pool model must match dhcpd's pool objects
// (confpars.c:1724-1928, 3779-3939). Cases marked [live] are also run
// against a real dhcpd by TestRealDhcpdPools.
var poolAssignmentCases = []struct {
	name, conf, want string
}{
	{
		// dhcpd's ad-hoc pool bug: the second bare range lands in the
		// plain pool listed just before the ad-hoc pool, as
		// parse_address_range takes `last` (server/confpars.c:3849-3868,
		// 3899-3904).
		"a later bare range goes to the pool before the ad-hoc pool [live]", peerDecl + `subnet 10.99.0.0 netmask 255.255.0.0 {
  pool { failover peer "fo"; range 10.99.1.0 10.99.1.10; }
  pool { range 10.99.2.0 10.99.2.2; }
  range 10.99.3.0 10.99.3.2;
  range 10.99.4.0;
}`,
		"10.99.0.0/16: 10.99.1.0-10.99.1.10 11 fo; 10.99.2.0-10.99.2.2 4; 10.99.3.0-10.99.3.2 3 adhoc",
	},
	{
		"two plain pools merge [live]", `subnet 10.0.0.0 netmask 255.255.255.0 {
  pool { range 10.0.0.10 10.0.0.19; }
  pool { range 10.0.0.20 10.0.0.29; }
}`,
		"10.0.0.0/24: 10.0.0.10-10.0.0.19 20",
	},
	{
		"an option keeps a pool apart, on both sides of the merge [live]", `subnet 10.0.0.0 netmask 255.255.255.0 {
  pool { range 10.0.0.10 10.0.0.19; }
  pool { default-lease-time 60; range 10.0.0.20 10.0.0.29; }
  pool { range 10.0.0.30 10.0.0.39; }
  pool { option domain-name "x"; range 10.0.0.40; }
}`,
		"10.0.0.0/24: 10.0.0.10-10.0.0.19 20; 10.0.0.20-10.0.0.29 10; 10.0.0.40-10.0.0.40 1",
	},
	{
		"statements of every kind keep a pool apart [live]", `subnet 10.0.0.0 netmask 255.255.255.0 {
  pool { range 10.0.0.10; }
  pool { if option host-name = "a" { } range 10.0.0.11; }
  pool { on commit { set x = "}"; } range 10.0.0.12; }
  pool { ignore unknown-clients; range 10.0.0.13; }
  pool { omapi-port 7000; range 10.0.0.14; }
}`,
		"10.0.0.0/24: 10.0.0.10-10.0.0.10 1; 10.0.0.11-10.0.0.11 1; 10.0.0.12-10.0.0.12 1; 10.0.0.13-10.0.0.13 1; 10.0.0.14-10.0.0.14 1",
	},
	{
		// Declarations and flags add no statement to the pool's group
		// (parse_statement returns before insert_statement).
		"hosts, classes, keys, zones and authoritative do not keep a pool apart [live]", `class "c" { match if option host-name = "c"; }
subnet 10.0.0.0 netmask 255.255.255.0 {
  pool { range 10.0.0.10 10.0.0.19; }
  pool {
    authoritative;
    not authoritative;
    host h { hardware ethernet 02:00:00:00:00:09; }
    subclass "c" "x";
    key pk { algorithm hmac-md5; secret "AAAA"; }
    zone example.com. { primary 127.0.0.1; }
    range 10.0.0.20 10.0.0.29;
  }
}`,
		"10.0.0.0/24: 10.0.0.10-10.0.0.19 20",
	},
	{
		"permits compare as sets of types [live]", `subnet 10.0.0.0 netmask 255.255.255.0 {
  pool { allow known-clients; deny dynamic bootp clients; range 10.0.0.10 10.0.0.19; }
  pool { allow unknown clients; range 10.0.0.20 10.0.0.29; }
  pool { deny dynamic bootp clients; allow known clients; allow known clients; range 10.0.0.30 10.0.0.39; }
  pool { allow unknown-clients; range 10.0.0.40 10.0.0.49; }
  pool { deny unknown clients; range 10.0.0.50 10.0.0.59; }
}`,
		"10.0.0.0/24: 10.0.0.10-10.0.0.19 20; 10.0.0.20-10.0.0.29 20; 10.0.0.50-10.0.0.59 10",
	},
	{
		"members-of permits compare by class, after permits by type alone [live]", `class "a" { match if option host-name = "a"; }
class "b" { match if option host-name = "b"; }
subnet 10.0.0.0 netmask 255.255.255.0 {
  pool { allow members of "a"; range 10.0.0.10 10.0.0.19; }
  pool { allow members of "b"; range 10.0.0.20 10.0.0.29; }
  pool { allow members of "a"; range 10.0.0.30 10.0.0.39; }
  pool { allow after 4 2030/01/02 00:00:00; range 10.0.0.40 10.0.0.49; }
  pool { allow after 5 2031/01/02 00:00:00; range 10.0.0.50 10.0.0.59; }
  pool { deny after 4 2030/01/02 00:00:00; range 10.0.0.60 10.0.0.69; }
}`,
		"10.0.0.0/24: 10.0.0.10-10.0.0.19 20; 10.0.0.20-10.0.0.29 10; 10.0.0.40-10.0.0.49 20; 10.0.0.60-10.0.0.69 10",
	},
	{
		"failover peers keep pools apart [live]", peerDecl + `subnet 10.0.0.0 netmask 255.255.255.0 {
  pool { failover peer "fo"; range 10.0.0.10 10.0.0.19; }
  pool { range 10.0.0.20 10.0.0.29; }
  pool { failover peer "fo"; range 10.0.0.30 10.0.0.39; }
}`,
		"10.0.0.0/24: 10.0.0.10-10.0.0.19 20 fo; 10.0.0.20-10.0.0.29 10",
	},
	{
		"a shared-network failover reference applies to later pools only [live]", peerDecl + `shared-network "net" {
  subnet 10.0.0.0 netmask 255.255.255.0 { }
  pool { allow all clients; range 10.0.0.10 10.0.0.19; }
  failover peer "fo";
  pool { range 10.0.0.20 10.0.0.29; }
  pool { no failover peer range 10.0.0.30 10.0.0.39; }
  pool { no failover peer range 10.0.0.40 10.0.0.41; }
  subnet 10.0.1.0 netmask 255.255.255.0 { pool { range 10.0.1.10 10.0.1.11; } }
}`,
		"net: 10.0.0.10-10.0.0.19 10; 10.0.0.20-10.0.0.29 12 fo; 10.0.0.30-10.0.0.39 12",
	},
	{
		"a failover peer declared in a shared-network is also its reference", `shared-network "net" {
  failover peer "in" { secondary; peer address 10.0.0.2; }
  subnet 10.0.0.0 netmask 255.255.255.0 { }
  pool { range 10.0.0.20 10.0.0.29; }
}`,
		"net: 10.0.0.20-10.0.0.29 10 in",
	},
	{
		// The second dynamic-bootp range matches the dynamic ad-hoc pool,
		// which is second, so dhcpd puts it into the first.
		"bare ranges: normal ranges share an ad-hoc pool, the bug hits the second dynamic one [live]", `subnet 10.0.0.0 netmask 255.255.255.0 {
  range 10.0.0.10 10.0.0.19;
  range 10.0.0.30 10.0.0.20;
  range dynamic-bootp 10.0.0.40 10.0.0.41;
  range dynamic-bootp 10.0.0.50;
  range 10.0.0.60;
}`,
		"10.0.0.0/24: 10.0.0.10-10.0.0.19 23 adhoc; 10.0.0.40-10.0.0.41 2 adhoc",
	},
	{
		"a user pool that looks ad-hoc takes bare ranges when it is first [live]", `subnet 10.0.0.0 netmask 255.255.255.0 {
  pool { deny dynamic bootp clients; range 10.0.0.10 10.0.0.19; }
  range 10.0.0.30 10.0.0.31;
}`,
		"10.0.0.0/24: 10.0.0.10-10.0.0.19 12",
	},
	{
		"a user pool that looks ad-hoc but is second sends bare ranges to the pool before it [live]", `subnet 10.0.0.0 netmask 255.255.255.0 {
  pool { range 10.0.0.10 10.0.0.19; }
  pool { deny dynamic bootp clients; range 10.0.0.20 10.0.0.29; }
  range 10.0.0.30 10.0.0.31;
}`,
		"10.0.0.0/24: 10.0.0.10-10.0.0.19 12; 10.0.0.20-10.0.0.29 10",
	},
	{
		"a pool like an ad-hoc pool merges into it [live]", `subnet 10.0.0.0 netmask 255.255.255.0 {
  range 10.0.0.10 10.0.0.19;
  pool { deny dynamic bootp clients; range 10.0.0.20 10.0.0.29; }
  pool { allow all clients; range 10.0.0.30 10.0.0.39; }
  range dynamic-bootp 10.0.0.40;
}`,
		"10.0.0.0/24: 10.0.0.10-10.0.0.19 21 adhoc; 10.0.0.30-10.0.0.39 10",
	},
	{
		"ad-hoc pools never inherit failover [live]", peerDecl + `shared-network s {
  failover peer "fo";
  subnet 10.0.0.0 netmask 255.255.255.0 { range 10.0.0.10 10.0.0.19; }
  pool { range 10.0.0.20 10.0.0.29; }
}`,
		"s: 10.0.0.10-10.0.0.19 10 adhoc; 10.0.0.20-10.0.0.29 10 fo",
	},
	{
		"a shared-network pool takes the subnet of each range's low address [live]", `shared-network s {
  subnet 10.0.0.0 netmask 255.255.255.0 { }
  subnet 10.0.1.0 netmask 255.255.255.0 { }
  pool { range 10.0.1.5 10.0.1.6; range 10.0.0.5; }
}`,
		"s: 10.0.1.5-10.0.1.6 3",
	},
	{
		// insertSibling never compares the last subnet: the /24 goes
		// after the /16, which then holds the range.
		"overlapping subnets: the first in dhcpd's sibling order holds a shared-network pool's range [live]", `shared-network s {
  subnet 10.0.0.0 netmask 255.255.0.0 { }
  subnet 10.0.1.0 netmask 255.255.255.0 { }
  pool { range 10.0.1.5 10.0.2.5; }
}`,
		"s: 10.0.1.5-10.0.2.5 257",
	},
	{
		// clone_group copies no shared network, so the subnet in the
		// group has a shared network of its own.
		"a subnet in a group in a shared-network is a shared network of its own [live]", `shared-network s {
  subnet 10.0.0.0 netmask 255.255.255.0 { range 10.0.0.10 10.0.0.11; }
  group { subnet 10.0.1.0 netmask 255.255.255.0 { range 10.0.1.10 10.0.1.11; } }
}`,
		"s: 10.0.0.10-10.0.0.11 2 adhoc; 10.0.1.0/24: 10.0.1.10-10.0.1.11 2 adhoc",
	},
	{
		"subnets and shared networks inside a pool stand on their own [live]", `subnet 10.0.0.0 netmask 255.255.255.0 {
  pool {
    range 10.0.0.10 10.0.0.11;
    subnet 10.0.1.0 netmask 255.255.255.0 { range 10.0.1.10; }
    group { }
  }
}`,
		"10.0.0.0/24: 10.0.0.10-10.0.0.11 2; 10.0.1.0/24: 10.0.1.10-10.0.1.10 1 adhoc",
	},
	{
		"groups, hosts, classes, conditionals and v6 are skipped [live]", `
class "c" { match if option vendor-class-identifier = "x"; }
group { host h1 { hardware ethernet 02:00:00:00:00:01; fixed-address 10.0.0.5; }
  subnet 10.0.0.0 netmask 255.255.255.0 { pool { range 10.0.0.10 10.0.0.11; } } }
if option user-class = "a" { option domain-name "a{b}"; } elsif exists host-name { } else { }
on commit { set x = "}"; }
host h2 { fixed-address 10.0.0.6; }
`,
		"10.0.0.0/24: 10.0.0.10-10.0.0.11 2",
	},
	{
		"v6 declarations are skipped and a v6-only shared network left out", `
shared-network v6 { subnet6 2001:db8::/64 { range6 2001:db8::10 2001:db8::20; prefix6 2001:db8:1:: 2001:db8:2:: /56; pool6 { range6 2001:db8::/64; } } }
subnet6 2001:db8:1::/64 { range6 2001:db8:1::/64 temporary; }
shared-network mixed {
  subnet6 2001:db8:2::/64 { }
  subnet 10.0.0.0 netmask 255.255.255.0 { range 10.0.0.10; }
}
shared-network empty { }
`,
		"mixed: 10.0.0.10-10.0.0.10 1 adhoc",
	},
	{
		"a subnet without ranges has no pools", `subnet 10.0.0.0 netmask 255.255.255.0 { option routers 10.0.0.1; }`,
		"10.0.0.0/24: no pools",
	},
}

func TestPoolAssignment(t *testing.T) {
	for _, c := range poolAssignmentCases {
		t.Run(c.name, func(t *testing.T) {
			if got := poolSummary(mustParse(t, c.conf)); got != c.want {
				t.Errorf("\n got %s\nwant %s", got, c.want)
			}
		})
	}
}

func TestPoolPositionsAndRanges(t *testing.T) {
	cfg := mustParse(t, `subnet 10.0.0.0 netmask 255.255.255.0 {
  pool {
    range dynamic-bootp 10.0.0.9 10.0.0.5;
  }
  range 10.0.0.20;
}`)
	pools := cfg.SharedNetworks[0].Pools
	if len(pools) != 2 {
		t.Fatalf("%d pools", len(pools))
	}
	if p := pools[0]; p.ID != "10.0.0.5-10.0.0.9" || p.Pos.Line != 2 || p.AdHoc ||
		p.Ranges[0] != (Range{Low: ip("10.0.0.5"), High: ip("10.0.0.9"), DynamicBOOTP: true, Pos: Position{File: "test.conf", Line: 3}}) {
		t.Errorf("pool block %+v", p)
	}
	if p := pools[1]; p.ID != "10.0.0.20-10.0.0.20" || p.Pos.Line != 5 || !p.AdHoc || p.Size() != 1 {
		t.Errorf("ad-hoc pool %+v", p)
	}
	if sn := cfg.SharedNetworks[0]; !sn.Implicit || sn.Pos.Line != 1 || len(sn.Subnets) != 1 || sn.Subnets[0].Prefix.String() != "10.0.0.0/24" {
		t.Errorf("shared network %+v", sn)
	}
}

// An address declared twice belongs to its first range; dhcpd 4.4.3 refuses
// such a configuration, the model counts each address once and warns.
func TestAddressesDeclaredTwiceCountOnce(t *testing.T) {
	cfg := mustParse(t, `subnet 10.0.0.0 netmask 255.255.255.0 {
  pool { range 10.0.0.10 10.0.0.19; }
  pool { option domain-name "b"; range 10.0.0.5 10.0.0.30; range 10.0.0.25; }
  pool { option domain-name "c"; range 10.0.0.12 10.0.0.14; }
  range 10.0.0.18 10.0.0.40;
}`)
	if got, want := poolSummary(cfg), "10.0.0.0/24: 10.0.0.10-10.0.0.19 10; 10.0.0.5-10.0.0.9 16; 10.0.0.31-10.0.0.40 10 adhoc"; got != want {
		t.Errorf("\n got %s\nwant %s", got, want)
	}
	var ranges []string
	for _, r := range cfg.SharedNetworks[0].Pools[1].Ranges {
		ranges = append(ranges, fmt.Sprintf("%s@%d", r, r.Pos.Line))
	}
	if got := strings.Join(ranges, " "); got != "10.0.0.5-10.0.0.9@3 10.0.0.20-10.0.0.30@3" {
		t.Errorf("second pool's ranges: %s", got)
	}
	var warnings []string
	for _, w := range cfg.Warnings {
		warnings = append(warnings, w.Error())
	}
	want := []string{
		"test.conf:3: range 10.0.0.5-10.0.0.30: 10 address(es) already declared by the range at test.conf:2",
		"test.conf:3: range 10.0.0.25-10.0.0.25: 1 address(es) already declared by the range at test.conf:3",
		"test.conf:4: range 10.0.0.12-10.0.0.14: 3 address(es) already declared by the range at test.conf:2",
		"test.conf:5: range 10.0.0.18-10.0.0.40: 13 address(es) already declared by the range at test.conf:2",
	}
	if len(warnings) != len(want) {
		t.Fatalf("warnings:\n%s", strings.Join(warnings, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(warnings[i], want[i]) {
			t.Errorf("warning %d:\n got %s\nwant %s...", i, warnings[i], want[i])
		}
	}
}

func TestClaimedAddrs(t *testing.T) {
	var c claimedAddrs
	pos := func(n int) Position { return Position{File: "f", Line: n} }
	steps := []struct {
		lo, hi  uint32
		fresh   string
		dup     uint64
		earlier int
	}{
		{10, 19, "10-19", 0, 0},
		{30, 39, "30-39", 0, 0},
		{0, 50, "0-9 20-29 40-50", 20, 1},
		{5, 45, "", 41, 3},
		{0xFFFFFFF0, 0xFFFFFFFF, "4294967280-4294967295", 0, 0},
		{0xFFFFFFFE, 0xFFFFFFFF, "", 2, 5},
		{51, 51, "51-51", 0, 0},
	}
	for i, s := range steps {
		fresh, dup, earlier := c.claim(s.lo, s.hi, pos(i+1))
		var parts []string
		for _, f := range fresh {
			parts = append(parts, fmt.Sprintf("%d-%d", f.lo, f.hi))
		}
		if got := strings.Join(parts, " "); got != s.fresh || dup != s.dup || earlier.Line != s.earlier {
			t.Errorf("claim %d-%d: fresh %q dup %d earlier %d, want %q %d %d", s.lo, s.hi, got, dup, earlier.Line, s.fresh, s.dup, s.earlier)
		}
	}
	for i := 1; i < len(c.spans); i++ {
		if c.spans[i-1].hi >= c.spans[i].lo {
			t.Fatalf("spans overlap or are unordered: %+v", c.spans)
		}
	}
}

func ip(s string) netip.Addr { return netip.MustParseAddr(s) }
