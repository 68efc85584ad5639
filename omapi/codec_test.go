package omapi

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The worked example of facts §1.2: authenticated OPEN of lease 192.0.2.10,
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
	got := AppendMessage(nil, m, key)
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
	wire := AppendMessage(nil, m, nil)
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
	if !bytes.Equal(AppendMessage(nil, got, nil), wire[:len(wire)-1]) {
		t.Errorf("re-encoding differs")
	}
}

func TestDecodeExtraHeaderIsSkippedAndUnsigned(t *testing.T) {
	m := &Message{Op: OpStatus, ID: 1, RID: 2, Message: Values{{"result", u32(0)}}}
	wire := AppendMessage(nil, m, nil)
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
	full := AppendMessage(nil, &Message{Op: OpUpdate, Object: Values{{"name", bytes.Repeat([]byte("x"), 100)}}}, nil)
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
	f.Add(AppendMessage(nil, &Message{Op: OpOpen, Message: Values{{"type", []byte("lease")}}}, nil), 0)
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
		re := AppendMessage(nil, m, nil)
		if len(re) != consumed-extra {
			t.Fatalf("re-encoded %d bytes, consumed %d (extra %d)", len(re), consumed, extra)
		}
		if !bytes.Equal(re[4:len(re)-len(m.Signature)], signed) {
			t.Fatalf("signed span differs from re-encoding")
		}
	})
}
