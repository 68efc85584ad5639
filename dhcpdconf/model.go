package dhcpdconf

import (
	"fmt"
	"net/netip"

	"github.com/dhcpd-exporter/dhcpd_exporter/internal/conflex"
)

// Position names a place in a configuration or lease file.
type Position = conflex.Position

// Error is a parse error at a position in a file.
type Error = conflex.Error

// Secret is key material. It formats as "<redacted>" under every verb, so a
// Config or Key can be logged or put into an error without leaking the secret
// that can shut dhcpd down.
type Secret []byte

func (Secret) String() string               { return "<redacted>" }
func (s Secret) Format(f fmt.State, _ rune) { fmt.Fprint(f, "<redacted>") }
func (Secret) MarshalText() ([]byte, error) { return []byte("<redacted>"), nil }

// Key is a `key NAME { algorithm ALG; secret BASE64; };` statement.
type Key struct {
	Name      string // as written (dhcpd compares key names case-insensitively)
	Algorithm string // as written, e.g. "hmac-md5" or "HMAC-SHA256.SIG-ALG.REG.INT"
	Secret    Secret // base64-decoded
	Pos       Position
}

// Role is a failover peer's role from its declaration.
type Role string

const (
	RolePrimary   Role = "primary"
	RoleSecondary Role = "secondary"
)

// FailoverPeer is a `failover peer NAME { ... }` declaration. Unset numeric
// fields hold dhcpd's documented default, or -1 where dhcpd has none.
type FailoverPeer struct {
	Name                  string
	Role                  Role   // default primary
	Address               string // own address, host name or IP as written
	Port                  int    // default 647
	PeerAddress           string
	PeerPort              int // default 647
	MaxResponseDelay      int // seconds, default 20
	MaxUnackedUpdates     int // default 100
	MCLT                  int // seconds, -1 if unset (required on the primary)
	Split                 int // 0..256, -1 if unset
	HBA                   []byte
	LoadBalanceMaxSeconds int // -1 if unset
	AutoPartnerDown       int // seconds, 0 = off
	// Pool balancing (server/failover.c dhcp_failover_pool_dobalance): the
	// percentages of a pool's free addresses, and the seconds between
	// balancing runs. 0 in dhcpd.conf means dhcpd's default, as when unset.
	MaxLeaseMisbalance int // percent, default 15
	MaxLeaseOwnership  int // percent, default 10
	MinBalance         int // seconds, default 60
	MaxBalance         int // seconds, default 3600
	Pos                Position
}

// SharedNetwork is an explicit `shared-network` or the implicit one dhcpd
// creates for a subnet declared outside any shared-network, named "A.B.C.D/LEN".
type SharedNetwork struct {
	Name     string
	Implicit bool
	Subnets  []*Subnet
	Pools    []*Pool // after dhcpd's merging and ad-hoc pool assignment
	Pos      Position
}

// Subnet is a `subnet A.B.C.D netmask M.M.M.M { ... }` declaration.
// SharedNetwork.Subnets lists them in declaration order.
type Subnet struct {
	Prefix netip.Prefix
	Pos    Position
}

// Range is a `range [dynamic-bootp] LOW [HIGH];` statement, bounds ordered.
type Range struct {
	Low, High    netip.Addr
	DynamicBOOTP bool
	Pos          Position
}

// Size is the number of addresses in the range, bounds included.
func (r Range) Size() uint64 {
	return uint64(addrUint32(r.High)-addrUint32(r.Low)) + 1
}

// Pool is one dhcpd pool object: a `pool { ... }` block (possibly with later
// blocks merged into it, as dhcpd does) or an ad-hoc pool holding bare ranges.
type Pool struct {
	// ID is the stable identifier: the pool's first range as "LOW-HIGH",
	// e.g. "192.0.2.100-192.0.2.149" ("192.0.2.5-192.0.2.5" for a single
	// address). It is Ranges[0], so it stays unique even when ranges overlap.
	ID           string
	FailoverPeer string // "" when the pool has no failover peer
	// Ranges hold the pool's addresses, each once, in declaration order
	// (never empty). An address declared by two ranges belongs to the
	// first: a later range keeps only its other addresses, in as many
	// pieces as needed (see Config.Warnings).
	Ranges []Range
	AdHoc  bool     // created by dhcpd for ranges declared directly in a subnet
	Pos    Position // of the pool block, or of the first bare range of an ad-hoc pool
}

// Config is what the exporter needs from dhcpd.conf and its includes.
type Config struct {
	Files         []string // every file read, main file first, for change detection
	OMAPIPort     int      // 0 when no omapi-port statement (dhcpd then has no OMAPI listener)
	OMAPIKey      string   // name given by omapi-key, "" when none
	Keys          []*Key
	FailoverPeers []*FailoverPeer
	// SharedNetworks are the explicit and implicit shared networks that
	// have an IPv4 subnet, in declaration order.
	SharedNetworks []*SharedNetwork
	// Warnings are problems that do not stop the parse but that make dhcpd
	// 4.4.3 refuse the configuration: an address declared twice, a failover
	// peer that no pool names, an omapi-key naming no declared key. dhcpd
	// may still be running an earlier configuration, so the model is built
	// anyway.
	Warnings []*Error
}

// EachPool calls f for every pool, shared network by shared network, in
// the order dhcpd.conf declares them.
func (c *Config) EachPool(f func(*SharedNetwork, *Pool)) {
	for _, sn := range c.SharedNetworks {
		for _, p := range sn.Pools {
			f(sn, p)
		}
	}
}

// Key returns the key declared under name (case-insensitive, as dhcpd), or nil.
func (c *Config) Key(name string) *Key {
	for i := len(c.Keys) - 1; i >= 0; i-- {
		if equalFoldKeyName(c.Keys[i].Name, name) {
			return c.Keys[i]
		}
	}
	return nil
}

// FailoverPeer returns the peer declared under name (byte-exact), or nil.
func (c *Config) FailoverPeer(name string) *FailoverPeer {
	for _, p := range c.FailoverPeers {
		if p.Name == name {
			return p
		}
	}
	return nil
}

func uint32Addr(v uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

func addrUint32(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}
