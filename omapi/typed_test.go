package omapi

import (
	"errors"
	"strings"
	"testing"
)

// capturedObject is the object values of a reply in the captured omshell session.
func capturedObject(t *testing.T, i int) (Handle, Values) {
	t.Helper()
	m, _, _, err := DecodeMessage(sessionNamed(t, "lookups-hmac-md5").server[i], 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	return m.Handle, m.Object
}

func without(vs Values, name string) Values {
	var out Values
	for _, v := range vs {
		if v.Name != name {
			out = append(out, v)
		}
	}
	return out
}

func withNull(vs Values, name string) Values {
	out := append(Values(nil), vs...)
	for i := range out {
		if out[i].Name == name {
			out[i].Data = nil
		}
	}
	return out
}

// What dhcpd sends for every object of a type (server/omapi.c:563-746,
// server/failover.c:3372-3591, common/comapi.c:524-555) is required: its
// absence is a DecodeError naming the object and the field, never a zero.
// What dhcpd sends only when set stays optional.
func TestDecodersRequireWhatDhcpdAlwaysSends(t *testing.T) {
	fh, failover := capturedObject(t, 1)
	lh, lease := capturedObject(t, 2)
	decodeLease := func(h Handle, vs Values) error { _, err := DecodeLease(h, vs); return err }
	decodeFailover := func(h Handle, vs Values) error { _, err := DecodeFailoverState(h, vs); return err }
	decodeControl := func(h Handle, vs Values) error { _, err := DecodeControl(h, vs); return err }
	decodePool := func(h Handle, vs Values) error { _, err := DecodePool(h, vs); return err }
	cases := []struct {
		object   string
		handle   Handle
		vs       Values
		decode   func(Handle, Values) error
		required []string
		optional []string
	}{
		{`lease 192.0.2.100`, lh, lease, decodeLease,
			[]string{"state", "subnet", "pool", "ends", "starts", "tstp", "tsfp", "atsfp", "cltt", "flags"},
			[]string{"dhcp-client-identifier", "client-hostname", "host", "billing-class", "hardware-address", "hardware-type"}},
		{`lease (handle`, lh, lease, decodeLease, []string{"ip-address"}, nil},
		{`failover-state "dhcp-failover"`, fh, failover, decodeFailover,
			[]string{"partner-port", "local-port", "max-outstanding-updates", "mclt", "load-balance-max-secs",
				"partner-state", "local-state", "partner-stos", "local-stos", "hierarchy", "last-packet-sent",
				"last-timestamp-received", "skew", "max-response-delay", "cur-unacked-updates"},
			[]string{"load-balance-hba", "partner-address", "local-address"}},
		{`failover-state (handle`, fh, failover, decodeFailover, []string{"name"}, nil},
		{`control (handle 7)`, 7, Values{{"state", u32(0)}}, decodeControl, []string{"state"}, nil},
		{`pool (handle 9)`, 9, Values{{"lease-count", u32(5)}, {"free-leases", u32(1)}, {"backup-leases", u32(2)}}, decodePool,
			[]string{"lease-count", "free-leases", "backup-leases"}, nil},
	}
	for _, c := range cases {
		if err := c.decode(c.handle, c.vs); err != nil {
			t.Fatalf("%s: complete object: %v", c.object, err)
		}
		for _, field := range c.required {
			for how, vs := range map[string]Values{"absent": without(c.vs, field), "null": withNull(c.vs, field)} {
				err := c.decode(c.handle, vs)
				var de *DecodeError
				if !errors.As(err, &de) || de.Field != field || !strings.HasPrefix(de.Object, c.object) || de.Reason != "missing" {
					t.Errorf("%s without %s (%s): err = %#v", c.object, field, how, err)
				}
			}
		}
		for _, field := range c.optional {
			if err := c.decode(c.handle, without(c.vs, field)); err != nil {
				t.Errorf("%s without optional %s: %v", c.object, field, err)
			}
		}
	}
}
