package collector_test

import (
	"bytes"
	"encoding/binary"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/dhcpd-exporter/dhcpd_exporter/collector"
	"github.com/dhcpd-exporter/dhcpd_exporter/dhcpdconf"
	"github.com/dhcpd-exporter/dhcpd_exporter/omapi"
	"github.com/dhcpd-exporter/dhcpd_exporter/omapiconf"
)

// hostileServer accepts OMAPI connections and answers each with behave.
func hostileServer(t *testing.T, behave func(c net.Conn)) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); behave(c) }()
		}
	}()
	return ln.Addr().String()
}

var omapiIntro = []byte{0, 0, 0, 100, 0, 0, 0, 24}

// Servers that hang, drip bytes, claim a 4 GiB value or send garbage: every
// scrape ends within its budget with dhcpd_up 0 and the reason counted,
// and a claimed size allocates nothing.
func TestHostileServersEndWithinBudget(t *testing.T) {
	for _, c := range []struct {
		name   string
		behave func(c net.Conn)
		reason string
	}{
		{"hangs after accepting", func(c net.Conn) { time.Sleep(5 * time.Second) }, "timeout"},
		{"drips one byte every 50 ms", func(c net.Conn) {
			for _, b := range append(omapiIntro, bytes.Repeat([]byte{0}, 1000)...) {
				if _, err := c.Write([]byte{b}); err != nil {
					return
				}
				time.Sleep(50 * time.Millisecond)
			}
		}, "timeout"},
		{"claims a 4 GiB value", func(c net.Conn) {
			c.Write(omapiIntro)
			c.Read(make([]byte, 512)) // the authenticator OPEN
			var m bytes.Buffer
			binary.Write(&m, binary.BigEndian, [6]uint32{0, 0, uint32(omapi.OpUpdate), 1, 1, 0})
			m.Write([]byte{0, 4, 'n', 'a', 'm', 'e', 0xff, 0xff, 0xff, 0xff})
			c.Write(m.Bytes())
			time.Sleep(5 * time.Second)
		}, "protocol"},
		{"sends garbage", func(c net.Conn) {
			c.Write(bytes.Repeat([]byte("garbage!"), 4096))
			time.Sleep(5 * time.Second)
		}, "protocol"},
	} {
		t.Run(c.name, func(t *testing.T) {
			addr := hostileServer(t, c.behave)
			key, _ := omapi.NewKey("omapi_key", "hmac-md5", secret)
			e, err := collector.New(collector.Options{
				OMAPI:   omapiconf.NewFixed(omapi.NewClient(omapi.Config{Address: addr, Key: key})),
				Config:  dhcpdconf.NewSource("../dhcpdconf/testdata/primary.conf", "."),
				Enabled: map[string]bool{"failover": true, "pools": true, "leases": false, "sentinel": false},
			})
			if err != nil {
				t.Fatal(err)
			}
			h := collector.NewHandler(e, collector.HandlerOpts{Timeout: 5 * time.Second, TimeoutOffset: 500 * time.Millisecond})
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			r := httptest.NewRequest(http.MethodGet, "/metrics", nil)
			r.Header.Set("X-Prometheus-Scrape-Timeout-Seconds", "1.5")
			w := httptest.NewRecorder()
			start := time.Now()
			h.ServeHTTP(w, r)
			took := time.Since(start)
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			body := w.Body.String()
			if took > 1500*time.Millisecond || w.Code != http.StatusOK || !strings.Contains(body, "dhcpd_up 0") {
				t.Fatalf("took %v (budget 1 s), HTTP %d:\n%s", took, w.Code, body)
			}
			if !strings.Contains(body, `dhcpd_exporter_omapi_failures_total{reason="`+c.reason+`"} 1`) {
				t.Errorf("reason %s not counted:\n%s", c.reason, body)
			}
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
				t.Errorf("the scrape allocated %d MB", grew>>20)
			}
			t.Logf("%s: dhcpd_up 0 after %v", c.name, took.Round(time.Millisecond))
		})
	}
}
