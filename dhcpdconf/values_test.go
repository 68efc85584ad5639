package dhcpdconf

import (
	"bytes"
	"strings"
	"testing"

	"github.com/dhcpd-exporter/dhcpd_exporter/internal/conflex"
)

func TestValueReaders(t *testing.T) {
	l := conflex.NewLexer("v", []byte(`10.0.0.255 02:0a:FF "q.name"; key.example.com.; a..b; 017 0x1f 65535 65536 300.1.1.1`))
	if a, err := conflex.ReadIPv4(l); err != nil || a.String() != "10.0.0.255" {
		t.Errorf("readIPv4 %v %v", a, err)
	}
	if h, err := readHexList(l); err != nil || !bytes.Equal(h, []byte{2, 10, 255}) {
		t.Errorf("readHexList %x %v", h, err)
	}
	// As parse_host_name: words joined by single dots, a trailing dot kept;
	// "a..b" ends after "a.".
	for _, want := range []string{"q.name", "key.example.com.", "a."} {
		if n, err := readName(l, "x"); err != nil || n != want {
			t.Errorf("readName %q %v, want %q", n, err, want)
		}
		for !l.Next().IsPunct(';') {
		}
	}
	for _, want := range []int{15, 31, 65535} {
		if v, err := readUint16(l, "x"); err != nil || v != want {
			t.Errorf("readUint16 %d %v, want %d", v, err, want)
		}
	}
	if _, err := readUint16(l, "omapi-port"); err == nil || err.Error() != `v:1: omapi-port: expected a number from 0 to 65535, found "65536"` {
		t.Errorf("readUint16 out of range: %v", err)
	}
	if _, err := conflex.ReadIPv4(l); err == nil || !strings.Contains(err.Error(), `found "300"`) {
		t.Errorf("readIPv4 300: %v", err)
	}
}
