package collector

import (
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// family is one metric family the exporter can emit. Scrapes build its
// series directly as client_model protobuf (see sink), which is what the
// text, OpenMetrics and protobuf encoders consume: client_golang's
// MustNewConstMetric and Registry.Gather validate, hash and sort every
// series on every scrape, about 3.5 µs per series, while the label values
// of a pool are the same from one scrape to the next. The registry path
// stays for Exporter.Collector (tests lint it with testutil.CollectAndLint).
type family struct {
	desc *prometheus.Desc // for Describe and the registry path
	name string
	help string
	typ  dto.MetricType

	// labelNames are the variable labels in declaration order; sorted
	// holds the index of each in name order, the order in which a dto
	// metric carries its label pairs.
	labelNames []string
	sorted     []int

	textHeader string // its HELP and TYPE lines in the text format
}

func newFamily(typ dto.MetricType, name, help string, labels ...string) *family {
	f := &family{
		desc:       prometheus.NewDesc(name, help, labels, nil),
		name:       name,
		help:       help,
		typ:        typ,
		labelNames: labels,
		sorted:     make([]int, len(labels)),
	}
	for i := range f.sorted {
		f.sorted[i] = i
	}
	sort.Slice(f.sorted, func(a, b int) bool { return labels[f.sorted[a]] < labels[f.sorted[b]] })
	f.textHeader = "# HELP " + name + " " + helpEscaper.Replace(help) + "\n# TYPE " + name + " " + strings.ToLower(typ.String()) + "\n"
	return f
}

func newGauge(name, help string, labels ...string) *family {
	return newFamily(dto.MetricType_GAUGE, name, help, labels...)
}

func newCounter(name, help string, labels ...string) *family {
	return newFamily(dto.MetricType_COUNTER, name, help, labels...)
}

// labelSet is the labels of a series, immutable once built and shared:
// the pool label sets are built once per configuration (pool_labels.go).
type labelSet struct {
	pairs []*dto.LabelPair // sorted by name, as a dto metric carries them
	// text is the labels as the text format writes them, braces included
	// ("" without labels), in three parts written one after the other: the
	// pool label sets cut their texts out of one string per pool.
	text [3]string
}

// labelSet builds the labels of one series from its label values in
// declaration order.
func (f *family) labelSet(values ...string) *labelSet {
	if len(values) != len(f.labelNames) {
		panic("collector: " + f.name + ": wrong number of label values")
	}
	if len(values) == 0 {
		return noLabels
	}
	set := &labelSet{pairs: make([]*dto.LabelPair, len(values))}
	backing := make([]dto.LabelPair, len(values))
	for i, j := range f.sorted {
		backing[i].Name, backing[i].Value = &f.labelNames[j], labelValue(values[j])
		set.pairs[i] = &backing[i]
	}
	set.text[0] = labelText(set.pairs)
	return set
}

var noLabels = &labelSet{}

// labelText renders label pairs as the text format does: {a="x",b="y"}.
func labelText(pairs []*dto.LabelPair) string {
	var b strings.Builder
	for i, p := range pairs {
		if i == 0 {
			b.WriteByte('{')
		} else {
			b.WriteByte(',')
		}
		b.WriteString(p.GetName())
		b.WriteString(`="`)
		b.WriteString(labelValueEscaper.Replace(p.GetValue()))
		b.WriteByte('"')
	}
	if len(pairs) > 0 {
		b.WriteByte('}')
	}
	return b.String()
}

// The text format's escaping (expfmt: text_create.go).
var (
	labelValueEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`)
	helpEscaper       = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
)

// labelValue makes a label value valid UTF-8, as the exposition formats
// require: names in dhcpd.conf are bytes, and a bad one must not fail the
// scrape (MustNewConstMetric panicked on it).
func labelValue(v string) *string {
	if !utf8.ValidString(v) {
		v = strings.ToValidUTF8(v, "\uFFFD")
	}
	return &v
}

// sample is one series of a scrape.
type sample struct {
	labels *labelSet
	value  float64
}

// familyBuffer holds one family's series of a scrape, and their protobuf
// when a scraper asks for protobuf. Buffers are reused from one scrape to
// the next (see sink), so a scrape of many pools allocates next to nothing
// once warm.
type familyBuffer struct {
	f       *family
	used    bool // emitted in the current scrape
	samples []sample

	mf      dto.MetricFamily
	metrics []dto.Metric
	gauges  []dto.Gauge
	counts  []dto.Counter
}

// sink collects the series one collector emits in one scrape. It is not
// safe for concurrent use: each collector of a scrape has its own.
type sink struct {
	order []*familyBuffer // emitted in the current scrape, in order of first use
	byFam map[*family]*familyBuffer
	last  *familyBuffer
}

func (s *sink) buffer(f *family) *familyBuffer {
	if s.last != nil && s.last.f == f {
		return s.last
	}
	if s.byFam == nil {
		s.byFam = map[*family]*familyBuffer{}
	}
	b := s.byFam[f]
	if b == nil {
		b = &familyBuffer{f: f}
		s.byFam[f] = b
	}
	if !b.used {
		b.used = true
		s.order = append(s.order, b)
	}
	s.last = b
	return b
}

// expect makes room for n more series of f.
func (s *sink) expect(f *family, n int) {
	b := s.buffer(f)
	b.samples = slices.Grow(b.samples, n)
}

// add emits a series with labels built by f.labelSet (or nil when f has
// no labels).
func (s *sink) add(f *family, v float64, labels *labelSet) {
	if labels == nil {
		labels = noLabels
	}
	b := s.buffer(f)
	b.samples = append(b.samples, sample{labels: labels, value: v})
}

// addValues emits a series given its label values: for the few series
// whose labels are not cached.
func (s *sink) addValues(f *family, v float64, values ...string) {
	s.add(f, v, f.labelSet(values...))
}

// reset empties the sink for another scrape, keeping its buffers.
func (s *sink) reset() {
	for _, b := range s.order {
		b.used = false
		clear(b.samples) // drop the label sets of an old configuration
		b.samples = b.samples[:0]
	}
	s.order = s.order[:0]
	s.last = nil
}

// emitted lists the families the sinks collected series of, sorted by
// name; each family is in one sink only. They stay valid until the sinks
// are reset.
func emitted(sinks []*sink) []*familyBuffer {
	var out []*familyBuffer
	for _, s := range sinks {
		for _, b := range s.order {
			if len(b.samples) > 0 { // a family without series is not encodable
				out = append(out, b)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].f.name < out[j].f.name })
	return out
}

// toDTO builds the family's protobuf in the buffer's reused arrays; the
// values point into the samples.
func (b *familyBuffer) toDTO() *dto.MetricFamily {
	n := len(b.samples)
	f := b.f
	b.mf.Name, b.mf.Help, b.mf.Type = &f.name, &f.help, &f.typ
	if cap(b.metrics) < n {
		b.metrics = make([]dto.Metric, cap(b.samples))
		b.mf.Metric = make([]*dto.Metric, cap(b.samples))
		for i := range b.metrics {
			b.mf.Metric[i] = &b.metrics[i]
		}
	}
	b.metrics, b.mf.Metric = b.metrics[:n], b.mf.Metric[:n]
	switch f.typ {
	case dto.MetricType_COUNTER:
		if cap(b.counts) < n {
			b.counts = make([]dto.Counter, n, cap(b.samples))
		}
		b.counts = b.counts[:n]
		for i := range b.samples {
			b.counts[i].Value = &b.samples[i].value
			b.metrics[i].Counter = &b.counts[i]
		}
	default:
		if cap(b.gauges) < n {
			b.gauges = make([]dto.Gauge, n, cap(b.samples))
		}
		b.gauges = b.gauges[:n]
		for i := range b.samples {
			b.gauges[i].Value = &b.samples[i].value
			b.metrics[i].Gauge = &b.gauges[i]
		}
	}
	for i := range b.samples {
		b.metrics[i].Label = b.samples[i].labels.pairs
	}
	return &b.mf
}

// builtMetric is one series of a built family as a prometheus.Metric, for
// the registry path (Exporter.Collector).
type builtMetric struct {
	desc *prometheus.Desc
	m    *dto.Metric
}

func (b builtMetric) Desc() *prometheus.Desc { return b.desc }

func (b builtMetric) Write(out *dto.Metric) error {
	// A copy: the sink's buffers are reused by the next scrape.
	out.Label = b.m.Label
	if b.m.Gauge != nil {
		v := b.m.Gauge.GetValue()
		out.Gauge = &dto.Gauge{Value: &v}
	}
	if b.m.Counter != nil {
		v := b.m.Counter.GetValue()
		out.Counter = &dto.Counter{Value: &v}
	}
	return nil
}
