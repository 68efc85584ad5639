package omapi

import (
	"context"
	"fmt"
	"net"
	"net/netip"
)

// Write calls. They need Config.AllowWrites; a read-only client refuses them
// with ErrReadOnly before sending anything. Mind what dhcpd does with them
// (docs/omapi.md §17): every lease UPDATE also stores `set remote-handle` in the
// lease, setting a lease's ends or state applies its pending next binding
// state at once, unknown lease attribute names become lease variables, and
// every change costs dhcpd an fsync in its only thread.

// Update applies values to the object h and returns nil when dhcpd accepted
// all of them. dhcpd applies them one by one and stops at the first failure.
func (cl *Client) Update(ctx context.Context, h Handle, values Values) error {
	if h == 0 {
		return fmt.Errorf("%w: update needs a handle", ErrInvalidRequest)
	}
	_, err := one(ctx, cl, &Request{Op: OpUpdate, Handle: h, Object: values, kind: "status"}, ignoreValues)
	return err
}

// UpdateLease changes lease attributes, e.g. {"ends", u32}. Only state, ends
// and flags mean anything to dhcpd (server/omapi.c:200-309).
func (cl *Client) UpdateLease(ctx context.Context, h Handle, values Values) error {
	return cl.Update(ctx, h, values)
}

// HostSpec describes a host to create. A MAC or client identifier is required.
type HostSpec struct {
	Name            string // empty: dhcpd makes one up
	HardwareAddress net.HardwareAddr
	HardwareType    uint32 // 0 means ethernet
	ClientID        []byte
	IPAddresses     []netip.Addr
	Statements      string // dhcpd.conf statements, parsed by dhcpd
	Group           string // name of an existing group
}

// CreateHost creates a host with OPEN create+exclusive; ErrExists when a host
// with that name already exists. dhcpd records it in dhcpd.leases.
func (cl *Client) CreateHost(ctx context.Context, spec HostSpec) (*Host, error) {
	if len(spec.HardwareAddress) == 0 && len(spec.ClientID) == 0 {
		return nil, fmt.Errorf("%w: a host needs a hardware address or a client identifier", ErrInvalidRequest)
	}
	var vs Values
	if spec.Name != "" {
		vs = append(vs, Value{"name", []byte(spec.Name)})
	}
	if len(spec.HardwareAddress) > 0 {
		vs = append(vs, hardwareKey(spec.HardwareAddress, spec.HardwareType)...)
	}
	if len(spec.ClientID) > 0 {
		vs = append(vs, Value{"dhcp-client-identifier", spec.ClientID})
	}
	if len(spec.IPAddresses) > 0 {
		var ips []byte
		for _, ip := range spec.IPAddresses {
			if !ip.Is4() {
				return nil, fmt.Errorf("%w: host address %s is not IPv4", ErrInvalidRequest, ip)
			}
			b := ip.As4()
			ips = append(ips, b[:]...)
		}
		vs = append(vs, Value{"ip-address", ips})
	}
	if spec.Statements != "" {
		vs = append(vs, Value{"statements", []byte(spec.Statements)})
	}
	if spec.Group != "" {
		vs = append(vs, Value{"group", []byte(spec.Group)})
	}
	return one(ctx, cl, &Request{Op: OpOpen, Type: "host", Flags: FlagCreate | FlagExclusive, Object: vs}, DecodeHost)
}

// UpdateHost changes host attributes. A zero-length ip-address removes the
// fixed addresses; name, MAC and client id can only be set when unset.
func (cl *Client) UpdateHost(ctx context.Context, h Handle, values Values) error {
	return cl.Update(ctx, h, values)
}

// DeleteHost deletes a host (dhcpd writes a rubout to dhcpd.leases). It works
// for hosts from dhcpd.conf too.
func (cl *Client) DeleteHost(ctx context.Context, h Handle) error { return cl.remove(ctx, h) }

// CreateGroup creates a named group; dhcpd requires its statements.
func (cl *Client) CreateGroup(ctx context.Context, name, statements string) (*Group, error) {
	// comapi.c:127-198 dereferences these values without a NULL check: never
	// send them empty.
	if name == "" || statements == "" {
		return nil, fmt.Errorf("%w: a group needs a name and statements", ErrInvalidRequest)
	}
	vs := Values{{"name", []byte(name)}, {"statements", []byte(statements)}}
	return one(ctx, cl, &Request{Op: OpOpen, Type: "group", Flags: FlagCreate | FlagExclusive, Object: vs}, DecodeGroup)
}

// DeleteGroup deletes a group.
func (cl *Client) DeleteGroup(ctx context.Context, h Handle) error { return cl.remove(ctx, h) }

// SetFailoverLocalState moves a failover peer to another state, e.g.
// FailoverPartnerDown when the operator knows the partner is down.
func (cl *Client) SetFailoverLocalState(ctx context.Context, h Handle, s FailoverStateCode) error {
	return cl.Update(ctx, h, Values{{"local-state", u32(uint32(s))}})
}

func (cl *Client) remove(ctx context.Context, h Handle) error {
	if h == 0 {
		return fmt.Errorf("%w: delete needs a handle", ErrInvalidRequest)
	}
	_, err := one(ctx, cl, &Request{Op: OpDelete, Handle: h, kind: "status"}, ignoreValues)
	return err
}

func ignoreValues(Handle, Values) (struct{}, error) { return struct{}{}, nil }
