package omapi

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"time"
)

// DecodeError says which attribute of which object dhcpd sent in a form the
// client does not understand.
type DecodeError struct {
	Object string // e.g. `lease 192.0.2.10` or `failover-state "peer"`
	Field  string
	Reason string
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("omapi: %s: field %q: %s", e.Object, e.Field, e.Reason)
}

// Never is the time dhcpd sends for "never" (MAX_TIME, 0x7FFFFFFF).
var Never = time.Unix(0x7FFFFFFF, 0).UTC()

// attrs decodes the values of one object, remembering the first error so
// decoders read as a list of fields.
type attrs struct {
	object string
	vs     Values
	err    error
}

func (a *attrs) fail(field, format string, args ...any) {
	if a.err == nil {
		a.err = &DecodeError{Object: a.object, Field: field, Reason: fmt.Sprintf(format, args...)}
	}
}

// raw returns a value; a zero-length value counts as absent (OMAPI null).
func (a *attrs) raw(name string, required bool) ([]byte, bool) {
	v, ok := a.vs.Get(name)
	if !ok || len(v) == 0 {
		if required {
			a.fail(name, "missing")
		}
		return nil, false
	}
	return v, true
}

func (a *attrs) u32(name string, required bool) uint32 {
	v, ok := a.raw(name, required)
	if !ok {
		return 0
	}
	if len(v) != 4 {
		a.fail(name, "want 4 bytes, got %d", len(v))
		return 0
	}
	return binary.BigEndian.Uint32(v)
}

func (a *attrs) handle(name string, required bool) Handle { return Handle(a.u32(name, required)) }

func (a *attrs) seconds(name string, required bool) time.Duration {
	return time.Duration(a.u32(name, required)) * time.Second
}

// time decodes a 32-bit Unix time; 0 (unset) gives the zero Time.
func (a *attrs) time(name string, required bool) time.Time {
	v := a.u32(name, required)
	if v == 0 {
		return time.Time{}
	}
	return time.Unix(int64(v), 0).UTC()
}

func (a *attrs) bytes(name string) []byte {
	v, _ := a.raw(name, false)
	return v
}

func (a *attrs) str(name string, required bool) string {
	v, _ := a.raw(name, required)
	return string(v)
}

func (a *attrs) ipv4(name string, required bool) netip.Addr {
	v, ok := a.raw(name, required)
	if !ok {
		return netip.Addr{}
	}
	if len(v) != 4 {
		a.fail(name, "want a 4-byte IPv4 address, got %d bytes", len(v))
		return netip.Addr{}
	}
	return netip.AddrFrom4([4]byte(v))
}

func (a *attrs) hardware(name string) net.HardwareAddr {
	v, ok := a.raw(name, false)
	if !ok {
		return nil
	}
	return net.HardwareAddr(v)
}

// ipv4List decodes a concatenation of 4-byte addresses (host ip-address).
func (a *attrs) ipv4List(name string) []netip.Addr {
	v, ok := a.raw(name, false)
	if !ok {
		return nil
	}
	if len(v)%4 != 0 {
		a.fail(name, "want a multiple of 4 bytes, got %d", len(v))
		return nil
	}
	out := make([]netip.Addr, 0, len(v)/4)
	for i := 0; i < len(v); i += 4 {
		out = append(out, netip.AddrFrom4([4]byte(v[i:i+4])))
	}
	return out
}

// rest returns the values whose names are not in known.
func (a *attrs) rest(known map[string]bool) Values {
	var out Values
	for _, v := range a.vs {
		if !known[v.Name] {
			out = append(out, v)
		}
	}
	return out
}
