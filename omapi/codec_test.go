package omapi

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"
)

// mustAppend encodes a message the test knows to be valid.
func mustAppend(t testing.TB, m *Message, key *Key) []byte {
	t.Helper()
	b, err := AppendMessage(nil, m, key)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The worked example of docs/omapi.md §3: authenticated OPEN of lease 192.0.2.10,
// authid 1, id 0x1234, before its 16-byte signature.
const workedExample = `00000001 00000010 00000001 00000000 00001234 00000000
	0004 74797065 00000005 6c65617365 0000
	000a 69702d61646472657373 00000004 c000020a 0000`

func TestAppendMessageMatchesWorkedExample(t *testing.T) {
	key, err := NewKey("k", "hmac-md5", []byte("0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	m := &Message{AuthID: 1, Op: OpOpen, ID: 0x1234,
		Message: Values{{"type", []byte("lease")}},
		Object:  Values{{"ip-address", []byte{192, 0, 2, 10}}}}
	got := mustAppend(t, m, key)
	want := mustHex(t, workedExample)
	if !bytes.Equal(got[:len(want)], want) {
		t.Fatalf("header/values:\n got %x\nwant %x", got[:len(want)], want)
	}
	if sig := got[len(want):]; len(sig) != 16 || !key.Verify(want[4:], sig) {
		t.Fatalf("signature %x does not cover bytes 4..end", sig)
	}
}

func TestDecodeRoundTrip(t *testing.T) {
	m := &Message{AuthID: 7, Op: OpUpdate, Handle: 42, ID: 9, RID: 8,
		Message:   Values{{"type", []byte("pool")}},
		Object:    Values{{"lease-count", u32(50)}, {"empty", nil}, {"free-leases", u32(11)}},
		Signature: bytes.Repeat([]byte{0xab}, 20)}
	wire := mustAppend(t, m, nil)
	wire = append(wire, 0xff) // one byte of the next message
	got, rest, signed, err := DecodeMessage(wire, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(rest, []byte{0xff}) {
		t.Errorf("rest = %x", rest)
	}
	if !bytes.Equal(signed, wire[4:len(wire)-1-20]) {
		t.Errorf("signed span wrong")
	}
	if got.AuthID != 7 || got.Op != OpUpdate || got.Handle != 42 || got.ID != 9 || got.RID != 8 {
		t.Errorf("header = %+v", got)
	}
	if v, _ := got.Object.Get("free-leases"); !bytes.Equal(v, u32(11)) || len(got.Object) != 3 {
		t.Errorf("object = %v", got.Object)
	}
	if !bytes.Equal(mustAppend(t, got, nil), wire[:len(wire)-1]) {
		t.Errorf("re-encoding differs")
	}
}

func TestDecodeExtraHeaderIsSkippedAndUnsigned(t *testing.T) {
	m := &Message{Op: OpStatus, ID: 1, RID: 2, Message: Values{{"result", u32(0)}}}
	wire := mustAppend(t, m, nil)
	withExtra := append(append(append([]byte{}, wire[:24]...), 1, 2, 3, 4), wire[24:]...)
	got, _, signed, err := DecodeMessage(withExtra, 4, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(signed, wire[4:]) {
		t.Errorf("extra header bytes must not be part of the signed span")
	}
	if got.RID != 2 {
		t.Errorf("rid = %d", got.RID)
	}
}

func TestDecodeErrors(t *testing.T) {
	full := mustAppend(t, &Message{Op: OpUpdate, Object: Values{{"name", bytes.Repeat([]byte("x"), 100)}}}, nil)
	cases := []struct {
		name    string
		in      []byte
		max     int
		wantErr error
	}{
		{"truncated header", full[:10], 0, ErrProtocol},
		{"truncated value", full[:len(full)-10], 0, ErrProtocol},
		{"too large", full, 64, ErrMessageTooLarge},
		{"value length beyond cap", append(mustHex(t, "000000000000000000000003000000000000000000000000 0001 61 ffffffff"), 0), 0, ErrMessageTooLarge},
		{"huge authlen", mustHex(t, "00000001 ffffffff 00000003 00000000 00000000 00000000 0000 0000"), 0, ErrProtocol},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, _, err := DecodeMessage(c.in, 0, c.max)
			if !errors.Is(err, c.wantErr) {
				t.Fatalf("err = %v, want %v", err, c.wantErr)
			}
		})
	}
}

func TestIntro(t *testing.T) {
	if got := AppendIntro(nil); !bytes.Equal(got, mustHex(t, "00000064 00000018")) {
		t.Fatalf("intro = %x", got)
	}
	for _, c := range []struct {
		in        string
		extra     int
		wantError bool
	}{
		{"00000064 00000018", 0, false},
		{"00000064 0000001c", 4, false},
		{"00000065 00000018", 0, true},
		{"00000064 00000010", 0, true},
		{"00000064 00100000", 0, true},
	} {
		extra, err := ParseIntro([8]byte(mustHex(t, c.in)))
		if (err != nil) != c.wantError || extra != c.extra {
			t.Errorf("ParseIntro(%s) = %d, %v", c.in, extra, err)
		}
	}
}

func TestMessageStringHidesValues(t *testing.T) {
	m := &Message{Op: OpOpen, Message: Values{{"type", []byte("lease")}}, Object: Values{{"hardware-address", []byte("secret-mac")}}}
	if s := m.String(); s != "OPEN lease by hardware-address" {
		t.Fatalf("String() = %q", s)
	}
}

func FuzzDecodeMessage(f *testing.F) {
	f.Add(mustAppend(f, &Message{Op: OpOpen, Message: Values{{"type", []byte("lease")}}}, nil), 0)
	f.Add(mustHex(f, workedExample+" 00112233445566778899aabbccddeeff"), 0)
	f.Add(mustHex(f, "00000000 00000000 00000005 00000000 00000001 00000001 0006 726573756c74 00000004 00000017 0000 0000"), 4)
	f.Fuzz(func(t *testing.T, b []byte, extra int) {
		extra = max(0, extra%64)
		m, rest, signed, err := DecodeMessage(b, extra, 4096)
		if err != nil {
			return
		}
		// A decoded message re-encodes to the bytes it came from (minus the
		// extra header, which is dropped).
		consumed := len(b) - len(rest)
		re := mustAppend(t, m, nil)
		if len(re) != consumed-extra {
			t.Fatalf("re-encoded %d bytes, consumed %d (extra %d)", len(re), consumed, extra)
		}
		if !bytes.Equal(re[4:len(re)-len(m.Signature)], signed) {
			t.Fatalf("signed span differs from re-encoding")
		}
	})
}

// A value name must be 1..65535 bytes: a zero name length is the end of a
// value list, so an empty name would end the list early and dhcpd would read
// the value's bytes as the next message.
func TestAppendMessageRefusesUnencodableNames(t *testing.T) {
	smuggled := mustAppend(t, &Message{Op: OpDelete, Handle: 7, ID: 2}, nil)
	long := strings.Repeat("n", 65536)
	cases := []struct {
		name string
		m    *Message
	}{
		{"empty object name", &Message{Op: OpOpen, Message: Values{{"type", []byte("host")}}, Object: Values{{"", smuggled}}}},
		{"empty message name", &Message{Op: OpOpen, Message: Values{{"", []byte("x")}}}},
		{"65536-byte name", &Message{Op: OpRefresh, Object: Values{{long, nil}}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			prefix := []byte("prefix")
			got, err := AppendMessage(prefix, c.m, testKey(t))
			if !errors.Is(err, ErrProtocol) || !bytes.Equal(got, prefix) {
				t.Fatalf("AppendMessage = %q, %v; want the prefix unchanged and ErrProtocol", got, err)
			}
		})
	}
	// The longest name is fine.
	if _, err := AppendMessage(nil, &Message{Op: OpRefresh, Object: Values{{long[1:], nil}}}, nil); err != nil {
		t.Fatal(err)
	}
}

// Whatever AppendMessage accepts decodes back as exactly one message with
// the same values: nothing in a value can become another message.
func FuzzAppendMessageRoundTrip(f *testing.F) {
	f.Add("type", []byte("lease"), "ip-address", []byte{192, 0, 2, 1}, uint8(1))
	f.Add("type", []byte("host"), "", mustAppend(f, &Message{Op: OpDelete, Handle: 7}, nil), uint8(1))
	f.Add("create", []byte{0, 0, 0, 1}, "name", []byte{}, uint8(3))
	f.Fuzz(func(t *testing.T, mname string, mdata []byte, oname string, odata []byte, op uint8) {
		m := &Message{Op: Op(op), ID: 5, Message: Values{{mname, mdata}}, Object: Values{{oname, odata}, {"x", mdata}}}
		wire, err := AppendMessage(nil, m, nil)
		if err != nil {
			if !errors.Is(err, ErrProtocol) || (mname != "" && oname != "" && len(mname) <= 65535 && len(oname) <= 65535) {
				t.Fatalf("valid message refused: %v", err)
			}
			return
		}
		got, rest, _, err := DecodeMessage(wire, 0, len(wire))
		if err != nil || len(rest) != 0 {
			t.Fatalf("decode: %v, %d bytes left", err, len(rest))
		}
		same := func(a, b Values) bool {
			if len(a) != len(b) {
				return false
			}
			for i := range a {
				if a[i].Name != b[i].Name || !bytes.Equal(a[i].Data, b[i].Data) {
					return false
				}
			}
			return true
		}
		if got.Op != m.Op || !same(got.Message, m.Message) || !same(got.Object, m.Object) {
			t.Fatalf("round trip changed the message: %+v", got)
		}
	})
}

type timeoutError struct{}

func (timeoutError) Error() string   { return "i/o timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

// failingReader returns data, then err.
type failingReader struct {
	data []byte
	err  error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

// A read that times out, before or inside a message, is reported as the
// timeout: the client must not mistake its own deadline for dhcpd closing
// the connection. Only the end of the stream is EOF.
func TestReadMessageKeepsTransportErrors(t *testing.T) {
	wire := mustAppend(t, &Message{Op: OpStatus, RID: 1, Message: Values{{"result", u32(0)}}}, nil)
	cases := []struct {
		name string
		data []byte
		err  error
		want func(error) bool
	}{
		{"timeout before a message", nil, timeoutError{}, func(err error) bool { _, ok := err.(timeoutError); return ok }},
		{"timeout in the header", wire[:10], timeoutError{}, func(err error) bool { _, ok := err.(timeoutError); return ok }},
		{"timeout in the values", wire[:30], timeoutError{}, func(err error) bool { _, ok := err.(timeoutError); return ok }},
		{"end before a message", nil, io.EOF, func(err error) bool { return err == io.EOF }},
		{"end inside a message", wire[:30], io.EOF, func(err error) bool { return err == io.ErrUnexpectedEOF }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := ReadMessage(&failingReader{data: c.data, err: c.err}, 0, 0)
			if !c.want(err) {
				t.Fatalf("err = %#v", err)
			}
		})
	}
}
