package labclient

import (
	"io"

	"github.com/dhcpd-exporter/dhcpd_exporter/omapi"
)

// DecodeSent reads what an OMAPI client sends, from its startup message on,
// and hands every decoded message to record, until r ends or holds
// something that is not OMAPI. The read-only wire tests put it behind a
// proxy or a tee of the client's connection.
func DecodeSent(r io.Reader, record func(*omapi.Message)) {
	intro := make([]byte, 8) // protocol version and header size
	if _, err := io.ReadFull(r, intro); err != nil {
		return
	}
	for {
		m, _, err := omapi.ReadMessage(r, 0, omapi.DefaultMaxMessageSize)
		if err != nil {
			return
		}
		record(m)
	}
}
