package omapi

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/dhcpd-exporter/dhcpd_exporter/binding"
)

// capturedSession is one omshell session from testdata/omshell-capture.txt,
// captured with tshark against a real dhcpd 4.4.3 (see internal/testlab).
type capturedSession struct {
	name           string
	key            *Key
	client, server [][]byte // whole messages, intros excluded
}

func loadCapture(t testing.TB) []*capturedSession {
	t.Helper()
	f, err := os.Open("testdata/omshell-capture.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	keys := map[string]*Key{}
	var sessions []*capturedSession
	var cur *capturedSession
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		switch fields[0] {
		case "key":
			secret, err := base64.StdEncoding.DecodeString(fields[3])
			if err != nil {
				t.Fatal(err)
			}
			k, err := NewKey(fields[1], fields[2], secret)
			if err != nil {
				t.Fatal(err)
			}
			keys[fields[1]] = k // the later key statement wins for later sessions
		case "session":
			cur = &capturedSession{name: fields[1]}
			if name := strings.TrimPrefix(fields[2], "key="); keys[name] != nil {
				cur.key = keys[name]
			}
			sessions = append(sessions, cur)
		case "c", "s":
			if fields[1] == "intro" {
				if fields[2] != "0000006400000018" {
					t.Fatalf("intro %s", fields[2])
				}
				continue
			}
			b, err := hex.DecodeString(fields[1])
			if err != nil {
				t.Fatal(err)
			}
			if fields[0] == "c" {
				cur.client = append(cur.client, b)
			} else {
				cur.server = append(cur.server, b)
			}
		}
	}
	if len(sessions) == 0 {
		t.Fatal("no sessions in capture")
	}
	return sessions
}

func sessionNamed(t *testing.T, name string) *capturedSession {
	for _, s := range loadCapture(t) {
		if s.name == name {
			return s
		}
	}
	t.Fatalf("no session %s", name)
	return nil
}

// Every captured message decodes, re-encodes to the same bytes, and every
// signed one verifies with the lab key: our codec and HMAC match omshell's
// and dhcpd's byte for byte.
func TestCaptureDecodesAndVerifies(t *testing.T) {
	for _, s := range loadCapture(t) {
		t.Run(s.name, func(t *testing.T) {
			for _, raw := range append(append([][]byte{}, s.client...), s.server...) {
				m, rest, signed, err := DecodeMessage(raw, 0, 0)
				if err != nil || len(rest) != 0 {
					t.Fatalf("decode %x: %v (rest %d)", raw, err, len(rest))
				}
				if !bytes.Equal(mustAppend(t, m, nil), raw) {
					t.Fatalf("re-encoding of %s differs", m)
				}
				if len(m.Signature) > 0 && s.name != "wrong-secret" {
					if !s.key.Verify(signed, m.Signature) {
						t.Fatalf("%s: signature does not verify", m)
					}
				}
			}
		})
	}
}

// Our encoder produces omshell's requests byte for byte (same id and
// authid), signatures included.
func TestEncoderMatchesOmshell(t *testing.T) {
	for _, name := range []string{"lookups-hmac-md5", "lookups-hmac-sha256"} {
		s := sessionNamed(t, name)
		for _, raw := range s.client {
			m, _, _, err := DecodeMessage(raw, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			var req *Request
			typ, _ := m.Message.Get("type")
			switch string(typ) {
			case "authenticator":
				continue // compared in TestAuthenticatorRequestMatchesOmshell
			case "failover-state":
				req = OpenFailoverState("dhcp-failover")
			case "lease":
				ip, _ := m.Object.Get("ip-address")
				req = &Request{Op: OpOpen, Type: "lease", Object: Values{{"ip-address", ip}}}
			case "host":
				req = &Request{Op: OpOpen, Type: "host", Object: Values{{"name", []byte("fixed1")}}}
			}
			mine := req.message(m.ID)
			mine.AuthID = m.AuthID
			if got := mustAppend(t, mine, s.key); !bytes.Equal(got, raw) {
				t.Errorf("%s %s:\n ours    %x\n omshell %x", name, typ, got, raw)
			}
		}
	}
}

func TestAuthenticatorRequestMatchesOmshell(t *testing.T) {
	s := sessionNamed(t, "lookups-hmac-md5")
	m, _, _, _ := DecodeMessage(s.client[0], 0, 0)
	c := &conn{key: s.key, nextID: m.ID - 1}
	req := &Message{Op: OpOpen, ID: c.id(), Message: Values{{"type", []byte("authenticator")}},
		Object: Values{{"name", []byte(s.key.name)}, {"algorithm", []byte(s.key.alg.wireName())}}}
	if got := mustAppend(t, req, nil); !bytes.Equal(got, s.client[0]) {
		t.Fatalf("\n ours    %x\n omshell %x", got, s.client[0])
	}
}

// dhcpd's replies decode into the objects omshell printed.
func TestCapturedRepliesDecode(t *testing.T) {
	s := sessionNamed(t, "lookups-hmac-md5")
	decode := func(i int) *Message {
		m, _, _, err := DecodeMessage(s.server[i], 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	if auth := decode(0); auth.Op != OpUpdate || auth.Handle == 0 || auth.AuthID != 0 || len(auth.Signature) != 0 {
		t.Errorf("authenticator reply %+v", auth)
	}
	fm := decode(1)
	f, err := DecodeFailoverState(fm.Handle, fm.Object)
	if err != nil {
		t.Fatal(err)
	}
	if split, _ := f.Split(); f.Name != "dhcp-failover" || f.MCLT.Seconds() != 10 || f.Hierarchy != Primary || split != 128 || f.PartnerPort != 847 || f.LocalPort != 647 {
		t.Errorf("failover %+v", f)
	}
	lm := decode(2)
	l, err := DecodeLease(lm.Handle, lm.Object)
	if err != nil {
		t.Fatal(err)
	}
	if l.IP.String() != "192.0.2.100" || l.State != binding.Active || l.ClientHostname != "client-100" || l.HardwareAddress.String() != "02:00:00:00:00:64" || l.Pool == 0 || l.Flags != 0 {
		t.Errorf("lease %+v", l)
	}
	nf := response(decode(3), &Request{Op: OpOpen, Type: "lease"}, 0)
	if !errors.Is(nf.Err, ErrNotFound) || !strings.Contains(nf.Err.Error(), "no object matches specification") {
		t.Errorf("not found: %v", nf.Err)
	}
	hm := decode(4)
	h, err := DecodeHost(hm.Handle, hm.Object)
	if err != nil || h.Name != "fixed1" || h.IPAddresses[0].String() != "192.0.2.10" {
		t.Errorf("host %+v %v", h, err)
	}
}

// A wrong secret: the authenticator is accepted, the first signed request
// gets an unsigned STATUS INVALIDKEY (authid 0), which the client accepts as
// an authentication failure rather than a protocol error.
func TestCapturedWrongSecret(t *testing.T) {
	s := sessionNamed(t, "wrong-secret")
	m, _, signed, err := DecodeMessage(s.server[1], 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	c := &conn{key: s.key, authID: 1}
	if err := c.checkSignature(m, signed, &Request{}); err != nil {
		t.Fatalf("unsigned INVALIDKEY rejected: %v", err)
	}
	if r := response(m, &Request{Op: OpOpen, Type: "failover-state"}, 0); !errors.Is(r.Err, ErrInvalidKey) {
		t.Fatalf("err = %v", r.Err)
	}
	// The same reply on another request's behalf but with success must not pass unsigned.
	ok := &Message{Op: OpStatus, Message: Values{{"result", u32(0)}}}
	if err := c.checkSignature(ok, nil, &Request{}); !errors.Is(err, ErrProtocol) {
		t.Fatalf("unsigned success accepted: %v", err)
	}
}

func TestCapturedUnknownKey(t *testing.T) {
	s := sessionNamed(t, "unknown-key")
	m, _, _, _ := DecodeMessage(s.server[0], 0, 0)
	if se, err := statusError(m, "authenticate"); err != nil || se.Result != ResultNotFound {
		t.Fatalf("result %v, %v", se, err)
	}
}

// The captured messages seed the decoder's fuzz corpus.
func FuzzDecodeCaptured(f *testing.F) {
	for _, s := range loadCapture(f) {
		for _, raw := range append(append([][]byte{}, s.client...), s.server...) {
			f.Add(raw)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, _, _, err := DecodeMessage(b, 0, 1<<16)
		if err != nil {
			return
		}
		// Typed decoders never panic on whatever values arrive, and report
		// every failure as a *DecodeError naming object and field.
		checkTypedDecoders(t, m.Handle, m.Object)
		// So does a STATUS without a usable result.
		if m.Op == OpStatus {
			resp := response(m, &Request{Op: OpOpen, Type: "lease"}, 0)
			if v, ok := m.Message.Get("result"); !ok || len(v) != 4 {
				if de, ok := resp.Err.(*DecodeError); !ok || de.Field != "result" {
					t.Fatalf("STATUS with result %x: err = %#v", v, resp.Err)
				}
			}
		}
		m.ReadOnly()
		_ = m.String()
	})
}

// checkTypedDecoders runs every typed decoder on vs and fails unless each
// either succeeds or returns a *DecodeError with an object and a field.
func checkTypedDecoders(t *testing.T, h Handle, vs Values) {
	t.Helper()
	decoders := map[string]func() error{
		"lease":          func() error { _, err := DecodeLease(h, vs); return err },
		"failover-state": func() error { _, err := DecodeFailoverState(h, vs); return err },
		"host":           func() error { _, err := DecodeHost(h, vs); return err },
		"pool":           func() error { _, err := DecodePool(h, vs); return err },
		"group":          func() error { _, err := DecodeGroup(h, vs); return err },
		"control":        func() error { _, err := DecodeControl(h, vs); return err },
	}
	for name, decode := range decoders {
		err := decode()
		if err == nil {
			continue
		}
		de, ok := err.(*DecodeError)
		if !ok || de.Object == "" || de.Field == "" {
			t.Fatalf("%s decoder failed with %T %v, want a *DecodeError naming object and field", name, err, err)
		}
	}
}

// knownAttributes are the attribute names the typed decoders read.
var knownAttributes = []string{
	"state", "ip-address", "dhcp-client-identifier", "client-hostname", "host", "subnet", "pool",
	"billing-class", "hardware-address", "hardware-type", "ends", "starts", "tstp", "tsfp", "atsfp",
	"cltt", "flags", "name", "partner-address", "partner-port", "local-address", "local-port",
	"max-outstanding-updates", "mclt", "load-balance-max-secs", "load-balance-hba", "partner-state",
	"local-state", "partner-stos", "local-stos", "hierarchy", "last-packet-sent",
	"last-timestamp-received", "skew", "max-response-delay", "cur-unacked-updates", "lease-count",
	"free-leases", "backup-leases", "some-variable",
}

// FuzzTypedDecoders feeds the typed decoders values of the attribute names
// they know, with arbitrary contents and lengths: b is a sequence of
// (name index, length, data) records. The captured objects seed it.
func FuzzTypedDecoders(f *testing.F) {
	index := map[string]byte{}
	for i, n := range knownAttributes {
		index[n] = byte(i)
	}
	for _, s := range loadCapture(f) {
		for _, raw := range s.server {
			m, _, _, err := DecodeMessage(raw, 0, 0)
			if err != nil {
				f.Fatal(err)
			}
			var b []byte
			for _, v := range m.Object {
				if i, ok := index[v.Name]; ok && len(v.Data) < 256 {
					b = append(append(b, i, byte(len(v.Data))), v.Data...)
				}
			}
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var vs Values
		for len(b) >= 2 {
			name := knownAttributes[int(b[0])%len(knownAttributes)]
			n := min(int(b[1]), len(b)-2)
			vs = append(vs, Value{name, b[2 : 2+n]})
			b = b[2+n:]
		}
		checkTypedDecoders(t, 42, vs)
	})
}
