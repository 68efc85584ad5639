package collector

import (
	"bytes"
	"math"
	"testing"

	"github.com/prometheus/common/expfmt"

	"github.com/dhcpd-exporter/dhcpd_exporter/dhcpdconf"
)

// writeText must write what expfmt writes for the same family, whatever
// the label values, help text and values: quotes, backslashes, newlines,
// bytes that are not UTF-8, special floats.
func TestWriteTextIsExpfmtText(t *testing.T) {
	odd := []string{"", "plain", `quo"te`, `back\slash`, "new\nline", "bad\xffutf8", "ünïcode", `\"\n`}
	values := []float64{0, 1, -1, 0.5, 1e-9, 123456789012, math.Inf(1), math.Inf(-1), math.NaN(), -0.25}
	gauge := newGauge("dhcpd_test_gauge", "Help with \"quotes\", a back\\slash and a\nnewline.", "b_label", "a_label")
	counter := newCounter("dhcpd_test_total", "A counter without labels.")
	pools := poolGauge("test_pool", "Pool labels, cached.", "state")
	owners := poolGauge("test_owner", "Pool labels with owner, cached.", "owner")
	plain := poolGauge("test_plain", "Pool labels alone, cached.")
	var s sink
	for i, v := range values {
		s.addValues(gauge, v, odd[i%len(odd)], odd[(i+3)%len(odd)])
		s.add(counter, v, nil)
	}
	for _, name := range odd {
		set := newPoolLabelSet(&dhcpdconf.SharedNetwork{Name: name + "-net"}, &dhcpdconf.Pool{ID: name + "-pool", FailoverPeer: name})
		for i := range set.states {
			s.add(pools, float64(i), &set.states[i])
		}
		for i := range set.owners {
			s.add(owners, float64(i), &set.owners[i])
		}
		s.add(plain, 7, &set.plain)
	}
	for _, fb := range emitted([]*sink{&s}) {
		var got bytes.Buffer
		w := newTextWriter(&got)
		w.family(fb)
		if err := w.flush(); err != nil {
			t.Fatal(err)
		}
		var want bytes.Buffer
		if _, err := expfmt.MetricFamilyToText(&want, fb.toDTO()); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("%s: writeText:\n%s\nexpfmt:\n%s", fb.f.name, got.String(), want.String())
		}
	}
}
