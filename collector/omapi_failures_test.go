package collector_test

import (
	"strings"
	"testing"

	"github.com/dhcpd-exporter/dhcpd_exporter/collector"
	"github.com/dhcpd-exporter/dhcpd_exporter/omapi"
)

// dhcpd_exporter_omapi_failures_total has a series per reason, zeros
// included, so that rate() and alerts see every reason from the start.
func TestOMAPIFailuresByReason(t *testing.T) {
	cases := []struct {
		name  string
		fault func(f *fixture)
		want  string // the reason counted
	}{
		{"dhcpd down", func(f *fixture) { f.srv.Close() }, "connect"},
		{"key rejected", func(f *fixture) {
			wrong, err := omapi.NewKey("omapi_key", "hmac-md5", []byte("not-the-secret"))
			if err != nil {
				t.Fatal(err)
			}
			f.cl = omapi.NewClient(omapi.Config{Address: f.srv.Addr, Key: wrong})
		}, "auth"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			c.fault(f)
			got := gather(t, f.exporter(t, collector.Options{}))
			if !strings.Contains(got, "dhcpd_up 0") {
				t.Errorf("dhcpd_up is not 0:\n%s", got)
			}
			for _, r := range omapi.Reasons() {
				n := "0"
				if string(r) == c.want {
					n = "1"
				}
				line := `dhcpd_exporter_omapi_failures_total{reason="` + string(r) + `"} ` + n
				if !strings.Contains(got, line) {
					t.Errorf("missing %s", line)
				}
			}
		})
	}
}
