package omapitest

import "github.com/dhcpd-exporter/dhcpd_exporter/omapi"

// FailoverState returns the values dhcpd 4.4.3 sends for a failover-state
// object (as captured from the lab pair; the addresses are its pointer
// garbage): ports 647/847, max-outstanding-updates 10, MCLT 10 s,
// load-balance-max-secs 3, state-change times 1795355000/1795355001,
// max-response-delay 5 s, skew 0 (dhcpd 4.4 never sets it) and the given
// unacked updates. A primary has an HBA with the first 128 hash buckets
// (split 128).
func FailoverState(name string, local, partner omapi.FailoverStateCode, primary bool, unacked uint32) omapi.Values {
	vs := omapi.Values{
		{Name: "name", Data: []byte(name)},
		{Name: "partner-address", Data: []byte{0, 0x73, 0x8e, 0xe2, 0x11, 0x56, 0, 0}},
		{Name: "partner-port", Data: u32(847)},
		{Name: "local-address", Data: []byte{0x50, 0x72, 0x8e, 0xe2, 0x11, 0x56, 0, 0}},
		{Name: "local-port", Data: u32(647)},
		{Name: "max-outstanding-updates", Data: u32(10)},
		{Name: "mclt", Data: u32(10)},
		{Name: "load-balance-max-secs", Data: u32(3)},
	}
	if primary {
		hba := make([]byte, 32)
		for i := 0; i < 16; i++ {
			hba[i] = 0xff
		}
		vs = append(vs, omapi.Value{Name: "load-balance-hba", Data: hba})
	}
	hierarchy := uint32(omapi.Secondary)
	if primary {
		hierarchy = uint32(omapi.Primary)
	}
	return append(vs,
		omapi.Value{Name: "partner-state", Data: u32(uint32(partner))},
		omapi.Value{Name: "local-state", Data: u32(uint32(local))},
		omapi.Value{Name: "partner-stos", Data: u32(1795355000)},
		omapi.Value{Name: "local-stos", Data: u32(1795355001)},
		omapi.Value{Name: "hierarchy", Data: u32(hierarchy)},
		omapi.Value{Name: "last-packet-sent", Data: u32(0)},
		omapi.Value{Name: "last-timestamp-received", Data: u32(0)},
		omapi.Value{Name: "skew", Data: u32(0)},
		omapi.Value{Name: "max-response-delay", Data: u32(5)},
		omapi.Value{Name: "cur-unacked-updates", Data: u32(unacked)},
	)
}
