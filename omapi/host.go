package omapi

import (
	"context"
	"fmt"
	"net"
	"net/netip"
)

// Host is a host declaration (server/omapi.c:1266-1367).
type Host struct {
	Handle          Handle
	Name            string
	IPAddresses     []netip.Addr // fixed-address list
	ClientID        []byte
	HardwareAddress net.HardwareAddr
	HardwareType    uint32
}

// DecodeHost decodes the values of a host object.
func DecodeHost(h Handle, vs Values) (*Host, error) {
	a := &attrs{object: fmt.Sprintf("host (handle %d)", h), vs: vs}
	host := &Host{Handle: h, Name: a.str("name", false)}
	if host.Name != "" {
		a.object = fmt.Sprintf("host %q", host.Name)
	}
	host.IPAddresses = a.ipv4List("ip-address")
	host.ClientID = a.bytes("dhcp-client-identifier")
	host.HardwareAddress = a.hardware("hardware-address")
	host.HardwareType = a.u32("hardware-type", false)
	return host, a.err
}

// HostByName reads a host by its name.
func (cl *Client) HostByName(ctx context.Context, name string) (*Host, error) {
	return cl.host(ctx, Values{{"name", []byte(name)}})
}

// HostByHardwareAddress reads a host by MAC (htype 0 means ethernet).
func (cl *Client) HostByHardwareAddress(ctx context.Context, mac net.HardwareAddr, htype uint32) (*Host, error) {
	return cl.host(ctx, hardwareKey(mac, htype))
}

// HostByClientID reads a host by client identifier.
func (cl *Client) HostByClientID(ctx context.Context, id []byte) (*Host, error) {
	return cl.host(ctx, Values{{"dhcp-client-identifier", id}})
}

// HostByIP reads the host whose MAC matches the lease of ip. dhcpd does not
// search fixed addresses here (server/omapi.c:1498-1540).
func (cl *Client) HostByIP(ctx context.Context, ip netip.Addr) (*Host, error) {
	key, err := ipv4Key("host", ip)
	if err != nil {
		return nil, err
	}
	return cl.host(ctx, Values{{"ip-address", key}})
}

func (cl *Client) host(ctx context.Context, keys Values) (*Host, error) {
	return one(ctx, cl, &Request{Op: OpOpen, Type: "host", Object: keys}, DecodeHost)
}
