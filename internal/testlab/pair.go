package testlab

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// PeerName is the failover peer both servers declare.
const PeerName = "dhcp-failover"

// PairOptions configure StartPair; zero values mean the lab defaults.
type PairOptions struct {
	// Failover timers in seconds; defaults 10, 5 and 0 (auto-partner-down off).
	MCLT, MaxResponseDelay, AutoPartnerDown int
	// OMAPI key; defaults omapi_key, hmac-md5 and a fixed throw-away secret.
	// Other algorithms: hmac-sha1, hmac-sha224, hmac-sha256, ...
	KeyName, KeyAlgorithm, KeySecret string
	// Subnet is the dhcpd.conf text for 192.0.2.0/24 with its pools (whose
	// "failover peer" lines name PeerName) and hosts, the same for both
	// servers; default DefaultSubnet.
	Subnet string
	// Extra is global dhcpd.conf text appended for both servers (more
	// subnets, groups, ...). dhcpd only needs a subnet declaration for the
	// served interface's subnet, so other subnets need no interfaces.
	Extra string
	// PrimaryLeases seeds the primary's lease file: nil means
	// DefaultLeases(now), an empty non-nil slice an empty file. The
	// secondary always starts empty and learns everything from the primary.
	PrimaryLeases []byte
	// Start is "both" (default) or "primary": a lone primary, which sits in
	// failover state startup for a hard-coded 15 s; StartPair then waits
	// only for its OMAPI port.
	Start string
	// NoFailover makes the lone primary (Start "primary") a server without
	// failover: its dhcpd.conf declares no failover peer, and the "failover
	// peer" lines of Subnet and Extra are left out.
	NoFailover bool
	// WaitNormal bounds the wait for both servers to reach normal; default 30s.
	WaitNormal time.Duration
}

// DefaultKeySecret is the lab's throw-away OMAPI secret (base64).
const DefaultKeySecret = "2ecz5ILgSn7SVAV3hjqYGw=="

func (o *PairOptions) defaults() error {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	defs := func(v *string, d string) {
		if *v == "" {
			*v = d
		}
	}
	def(&o.MCLT, 10)
	def(&o.MaxResponseDelay, 5)
	defs(&o.KeyName, "omapi_key")
	defs(&o.KeyAlgorithm, "hmac-md5")
	defs(&o.KeySecret, DefaultKeySecret)
	defs(&o.Subnet, DefaultSubnet)
	defs(&o.Start, "both")
	if o.WaitNormal == 0 {
		o.WaitNormal = 30 * time.Second
	}
	if o.Start != "both" && o.Start != "primary" {
		return fmt.Errorf("PairOptions.Start = %q, want both or primary", o.Start)
	}
	if o.NoFailover && o.Start != "primary" {
		return fmt.Errorf("PairOptions.NoFailover needs Start \"primary\": a pair without failover is two unrelated servers")
	}
	return nil
}

// Pair is a running lab: one namespace, a primary and (unless Start was
// "primary") a secondary.
type Pair struct {
	NS                 *Netns
	Primary, Secondary *Server // Secondary is nil for a lone primary
	PeerName           string  // the failover peer name, PeerName
	KeyName            string
	KeyAlgorithm       string
	KeySecret          string // base64, as in dhcpd.conf
	// KeyFile holds just the `key NAME { algorithm ...; secret "..."; };`
	// statement; both dhcpd.conf files include it.
	KeyFile string
	Dir     string // the pair's files: confs, leases, logs, pid files, key
	Options PairOptions
	// Startup is how long StartPair took, until normal for a pair.
	Startup time.Duration
}

// Servers lists the running servers, primary first.
func (p *Pair) Servers() []*Server {
	if p.Secondary == nil {
		return []*Server{p.Primary}
	}
	return []*Server{p.Primary, p.Secondary}
}

// topology is the lab network inside the namespace (docs/lab.md §4): dhcpd
// refuses lo, and the dummy link type is missing on some kernels, so the
// primary serves a bridge and the secondary a veth whose peer is a bridge
// port. The DHCP failover link between them runs over that wire too.
const topology = `link add br0 type bridge
addr add 192.0.2.1/24 dev br0
link set br0 up
link add vs0 type veth peer name vs1
link set vs0 master br0
link set vs0 up
addr add 192.0.2.2/24 dev vs1
link set vs1 up
`

// StartPair builds a namespace and the lab network in it, writes the
// configs, key file and seed leases into a temporary directory, starts
// dhcpd and, for a pair, waits until both servers report failover state
// normal (asked with omshell). On failure it calls env.Fatalf with the tail
// of the logs. env's cleanup stops dhcpd (SIGTERM, then SIGKILL), reaps it
// and deletes the namespace.
//
// Inside the namespace: br0 192.0.2.1/24 (primary), veth vs0 (a br0 port)
// <-> vs1 192.0.2.2/24 (secondary), lo up, OMAPI on 127.0.0.1:7911
// (primary) and 127.0.0.1:7912 (secondary), failover on 192.0.2.1:647 and
// 192.0.2.2:847.
func StartPair(env Env, opts PairOptions) *Pair {
	env.Helper()
	begin := time.Now()
	if err := opts.defaults(); err != nil {
		env.Fatalf("%v", err)
	}
	// The directory first, so that its removal runs after every process in
	// the namespace has been killed.
	dir := env.TempDir()
	ns := NewNetns(env)
	if err := ns.ip(topology); err != nil {
		env.Fatalf("%v", err)
	}
	// Both server addresses live in one namespace: without these, either
	// interface answers ARP for both addresses and unicast DHCP goes to the
	// wrong server (docs/lab.md §5). They are per-namespace settings.
	for name, v := range map[string]string{"net.ipv4.conf.all.arp_ignore": "1", "net.ipv4.conf.all.arp_announce": "2"} {
		if err := ns.sysctl(name, v); err != nil {
			env.Fatalf("sysctl %s in %s: %v", name, ns.Name, err)
		}
	}

	p := &Pair{NS: ns, PeerName: PeerName, KeyName: opts.KeyName, KeyAlgorithm: opts.KeyAlgorithm,
		KeySecret: opts.KeySecret, KeyFile: filepath.Join(dir, "omapi.key"), Dir: dir, Options: opts}
	writeFile(env, p.KeyFile, []byte(keyStatement(opts)), 0o600)
	leases := opts.PrimaryLeases
	if leases == nil {
		leases = DefaultLeases(time.Now())
	}
	p.Primary = p.newServer(env, primarySide, leases)
	if opts.Start == "both" {
		p.Secondary = p.newServer(env, secondarySide, []byte{})
	}
	// One at a time. Started together, the two sometimes both ask for a full
	// update at once ("Received update request while old update still
	// flying!") and took ~5 s instead of ~0.2 s to reach normal (2 of 70
	// starts). Starting the secondary once the primary serves OMAPI avoided
	// that in 270 of 270 starts, for ~50 ms more.
	var err error
	for _, s := range p.Servers() {
		s.start(env)
		env.Cleanup(s.stop)
		if err = s.waitListening(begin.Add(opts.WaitNormal)); err != nil {
			break
		}
	}
	if err == nil && opts.Start == "both" {
		err = p.WaitState(StateNormal, StateNormal, opts.WaitNormal-time.Since(begin))
	}
	if err != nil {
		env.Fatalf("dhcpd lab %s: %v\n%s", ns.Name, err, p.logTails(25))
	}
	p.Startup = time.Since(begin)
	env.Logf("dhcpd lab %s (%s) up in %v", ns.Name, opts.Start, p.Startup.Round(time.Millisecond))
	return p
}

func (p *Pair) newServer(env Env, side peerSide, leases []byte) *Server {
	env.Helper()
	s := &Server{
		Role:       side.role,
		Dir:        p.Dir,
		ConfPath:   filepath.Join(p.Dir, side.role+".conf"),
		LeasesPath: filepath.Join(p.Dir, side.role+".leases"),
		LogPath:    filepath.Join(p.Dir, side.role+".log"),
		PidPath:    filepath.Join(p.Dir, side.role+".pid"),
		Iface:      side.iface,
		Addr:       side.addr,
		OMAPIPort:  side.omapiPort,
		OMAPIAddr:  "127.0.0.1:" + strconv.Itoa(side.omapiPort),
		pair:       p,
	}
	writeFile(env, s.ConfPath, []byte(dhcpdConf(side, p.Options, p.KeyFile)), 0o644)
	writeFile(env, s.LeasesPath, leases, 0o644)
	return s
}

// logTails is the end of every server's log, for failure messages.
func (p *Pair) logTails(n int) string {
	var b strings.Builder
	for _, s := range p.Servers() {
		fmt.Fprintf(&b, "--- %s log (%s), last %d lines:\n%s\n", s.Role, s.LogPath, n, s.LogTail(n))
	}
	return b.String()
}

func writeFile(env Env, path string, data []byte, mode os.FileMode) {
	env.Helper()
	if err := os.WriteFile(path, data, mode); err != nil {
		env.Fatalf("%v", err)
	}
}
