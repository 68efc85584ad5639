package collector

import (
	"io"
	"math"
	"strconv"
)

// textWriter writes families in the Prometheus text format, as
// expfmt.MetricFamilyToText would (TestWriteTextIsExpfmtText and
// TestHandlerServesWhatTheRegistryGathers compare them), from the label
// texts rendered once per configuration: expfmt checks and escapes every
// label name and value of every series again, which at 8,000 pools was
// more than half of a scrape's CPU. Lines are gathered into chunks of
// about 32 KB before they are written.
type textWriter struct {
	w   io.Writer
	buf []byte
	err error // the first write error; nothing is written after it
}

const textChunk = 32 << 10

func newTextWriter(w io.Writer) *textWriter {
	return &textWriter{w: w, buf: make([]byte, 0, textChunk+1024)}
}

// flush writes what is gathered; call it before writing to w otherwise.
func (t *textWriter) flush() error {
	if t.err == nil && len(t.buf) > 0 {
		_, t.err = t.w.Write(t.buf)
	}
	t.buf = t.buf[:0]
	return t.err
}

func (t *textWriter) family(b *familyBuffer) {
	f := b.f
	t.buf = append(t.buf, f.textHeader...)
	for i := range b.samples {
		s := &b.samples[i]
		t.buf = append(t.buf, f.name...)
		t.buf = append(t.buf, s.labels.text[0]...)
		t.buf = append(t.buf, s.labels.text[1]...)
		t.buf = append(t.buf, s.labels.text[2]...)
		t.buf = append(t.buf, ' ')
		t.buf = appendFloat(t.buf, s.value)
		t.buf = append(t.buf, '\n')
		if len(t.buf) >= textChunk {
			t.flush()
		}
	}
}

// appendFloat formats a sample value as expfmt's writeFloat does.
func appendFloat(b []byte, f float64) []byte {
	switch {
	case f == 1:
		return append(b, '1')
	case f == 0:
		return append(b, '0')
	case f == -1:
		return append(b, "-1"...)
	case math.IsNaN(f):
		return append(b, "NaN"...)
	case math.IsInf(f, +1):
		return append(b, "+Inf"...)
	case math.IsInf(f, -1):
		return append(b, "-Inf"...)
	}
	return strconv.AppendFloat(b, f, 'g', -1, 64)
}
