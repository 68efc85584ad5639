package omapi

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/dhcpd-exporter/dhcpd_exporter/binding"
)

// LeaseFlags are the ephemeral lease flag bits OMAPI exposes (dhcpd.h:587-604).
type LeaseFlags uint8

const (
	LeaseFlagBOOTP                LeaseFlags = 0x02
	LeaseFlagReserved             LeaseFlags = 0x04
	LeaseFlagMSNullTermination    LeaseFlags = 0x08
	LeaseFlagUnicastBroadcastHack LeaseFlags = 0x40
)

// Lease is dhcpd's lease object (server/omapi.c:563-746). Times are UTC; a
// zero Time means unset and Never means never.
type Lease struct {
	Handle          Handle
	IP              netip.Addr
	State           binding.State // 0 when dhcpd sent none of its states (with the error)
	ClientID        []byte
	ClientHostname  string
	Host            Handle
	Subnet          Handle
	Pool            Handle
	BillingClass    Handle
	HardwareAddress net.HardwareAddr
	HardwareType    uint32
	Starts, Ends    time.Time
	TSTP, TSFP      time.Time
	ATSFP, CLTT     time.Time
	Flags           LeaseFlags
	// Variables are the lease's scope variables (`set name = value;`):
	// numbers and booleans as 4 bytes, data as raw bytes.
	Variables Values
}

var leaseFields = map[string]bool{
	"ip-address": true, "state": true, "dhcp-client-identifier": true, "client-hostname": true,
	"host": true, "subnet": true, "pool": true, "billing-class": true, "hardware-address": true,
	"hardware-type": true, "ends": true, "starts": true, "tstp": true, "tsfp": true,
	"atsfp": true, "cltt": true, "flags": true,
}

// DecodeLease decodes the values of a lease object. dhcpd 3.1.0 and later
// (server/omapi.c:563-746) send state, ip-address, subnet, pool, the six
// times and flags for every lease, so their absence is an error rather than
// a zero; the other attributes are sent only when the lease has them.
func DecodeLease(h Handle, vs Values) (*Lease, error) {
	a := &attrs{object: fmt.Sprintf("lease (handle %d)", h), vs: vs}
	l := &Lease{Handle: h, IP: a.ipv4("ip-address", true)}
	if l.IP.IsValid() {
		a.object = "lease " + l.IP.String()
	}
	if st := a.u32("state", true); st >= uint32(binding.Free) && st <= uint32(binding.Backup) {
		l.State = binding.State(st)
	} else {
		a.fail("state", "binding state %d is not one of 1..7", st)
	}
	l.ClientID = a.bytes("dhcp-client-identifier")
	l.ClientHostname = a.str("client-hostname", false)
	l.Host = a.handle("host", false)
	// 0 when dhcpd has no subnet or pool object for the lease.
	l.Subnet = a.handle("subnet", true)
	l.Pool = a.handle("pool", true)
	l.BillingClass = a.handle("billing-class", false)
	l.HardwareAddress = a.hardware("hardware-address")
	l.HardwareType = a.u32("hardware-type", false)
	l.Starts, l.Ends = a.time("starts", true), a.time("ends", true)
	l.TSTP, l.TSFP = a.time("tstp", true), a.time("tsfp", true)
	l.ATSFP, l.CLTT = a.time("atsfp", true), a.time("cltt", true)
	// flags is one byte (omapi.c:720-730); accept the 4-byte form too.
	if f, ok := a.raw("flags", true); ok {
		switch len(f) {
		case 1:
			l.Flags = LeaseFlags(f[0])
		case 4:
			l.Flags = LeaseFlags(f[3])
		default:
			a.fail("flags", "want 1 byte, got %d", len(f))
		}
	}
	l.Variables = a.rest(leaseFields)
	return l, a.err
}

// ipv4Key is an address as dhcpd's lookups want it: exactly 4 bytes
// (docs/omapi.md §11.2). Anything else is refused with ErrInvalidRequest:
// the zero Addr, IPv6 addresses, and IPv4-mapped IPv6 ones too, so that
// every lookup treats them alike (a caller that means the IPv4 address calls
// Unmap).
func ipv4Key(what string, ip netip.Addr) ([]byte, error) {
	if !ip.Is4() {
		return nil, fmt.Errorf("%w: %s lookup needs an IPv4 address, got %s", ErrInvalidRequest, what, ip)
	}
	b := ip.As4()
	return b[:], nil
}

// OpenLeaseByIP is the request that looks a lease up by address. Every
// address of every configured range has a lease object, free ones included.
func OpenLeaseByIP(ip netip.Addr) (*Request, error) {
	key, err := ipv4Key("lease", ip)
	if err != nil {
		return nil, err
	}
	return &Request{Op: OpOpen, Type: "lease", Object: Values{{"ip-address", key}}}, nil
}

// LeaseByIP reads the lease of an address.
func (cl *Client) LeaseByIP(ctx context.Context, ip netip.Addr) (*Lease, error) {
	r, err := OpenLeaseByIP(ip)
	if err != nil {
		return nil, err
	}
	return cl.lease(ctx, r)
}

// LeaseByHardwareAddress reads the lease of a MAC address. dhcpd answers
// ErrMultiple whenever that MAC is on more than one lease, which includes
// expired and free leases a client held before (docs/omapi.md §11.3).
func (cl *Client) LeaseByHardwareAddress(ctx context.Context, mac net.HardwareAddr, htype uint32) (*Lease, error) {
	return cl.lease(ctx, &Request{Op: OpOpen, Type: "lease", Object: hardwareKey(mac, htype)})
}

// LeaseByClientID reads the lease of a DHCP client identifier (option 61, raw bytes).
func (cl *Client) LeaseByClientID(ctx context.Context, id []byte) (*Lease, error) {
	return cl.lease(ctx, &Request{Op: OpOpen, Type: "lease", Object: Values{{"dhcp-client-identifier", id}}})
}

// LeasesByIP reads many leases through the windowed pipeline. errs[i] is the
// error for ips[i] (e.g. ErrNotFound, or ErrInvalidRequest for an address
// that is not IPv4, which is not sent); err is set when the exchange failed.
func (cl *Client) LeasesByIP(ctx context.Context, ips []netip.Addr) (leases []*Lease, errs []error, err error) {
	leases, errs = make([]*Lease, len(ips)), make([]error, len(ips))
	reqs := make([]*Request, 0, len(ips))
	at := make([]int, 0, len(ips)) // at[j]: index in ips of reqs[j]
	for i, ip := range ips {
		r, err := OpenLeaseByIP(ip)
		if err != nil {
			errs[i] = err
			continue
		}
		reqs, at = append(reqs, r), append(at, i)
	}
	got, gotErrs, err := many(ctx, cl, reqs, DecodeLease)
	if err != nil {
		return nil, nil, err
	}
	for j, i := range at {
		leases[i], errs[i] = got[j], gotErrs[j]
	}
	return leases, errs, nil
}

func (cl *Client) lease(ctx context.Context, r *Request) (*Lease, error) {
	return one(ctx, cl, r, DecodeLease)
}

func hardwareKey(mac net.HardwareAddr, htype uint32) Values {
	if htype == 0 {
		htype = 1 // ethernet, dhcpd's default for the lookup
	}
	return Values{{"hardware-address", mac}, {"hardware-type", u32(htype)}}
}
