package omapitest_test

import (
	"bufio"
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"

	"github.com/dhcpd-exporter/dhcpd_exporter/omapi"
	"github.com/dhcpd-exporter/dhcpd_exporter/omapi/omapitest"
)

// rawConn speaks to the fake server message by message, unsigned.
type rawConn struct {
	t  *testing.T
	c  net.Conn
	br *bufio.Reader
	id uint32
}

func dialRaw(t *testing.T, s *omapitest.Server) *rawConn {
	t.Helper()
	c, err := net.Dial("tcp", s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write(omapi.AppendIntro(nil)); err != nil {
		t.Fatal(err)
	}
	var intro [8]byte
	br := bufio.NewReader(c)
	if _, err := io.ReadFull(br, intro[:]); err != nil {
		t.Fatal(err)
	}
	return &rawConn{t: t, c: c, br: br}
}

func (r *rawConn) roundTrip(m *omapi.Message) *omapi.Message {
	r.t.Helper()
	r.id++
	m.ID = r.id
	wire, err := omapi.AppendMessage(nil, m, nil)
	if err != nil {
		r.t.Fatal(err)
	}
	if _, err := r.c.Write(wire); err != nil {
		r.t.Fatal(err)
	}
	rep, _, err := omapi.ReadMessage(r.br, 0, 0)
	if err != nil {
		r.t.Fatalf("reading the reply to %s: %v", m, err)
	}
	return rep
}

func status(t *testing.T, m *omapi.Message) (uint32, string) {
	t.Helper()
	if m.Op != omapi.OpStatus {
		t.Fatalf("reply op %s, want STATUS", m.Op)
	}
	res, _ := m.Message.Get("result")
	text, _ := m.Message.Get("message")
	if len(res) != 4 {
		t.Fatalf("STATUS result %x", res)
	}
	return binary.BigEndian.Uint32(res), string(text)
}

// An OPEN flag of another size than 4 bytes gets dhcpd's STATUS
// (message.c:467-510), not a panic; a zero-length flag is unset.
func TestOpenFlagValues(t *testing.T) {
	s := omapitest.NewServer(t, omapitest.Options{})
	s.Add("host", omapi.Values{{Name: "name", Data: []byte("h")}})
	rc := dialRaw(t, s)
	for _, flag := range []string{"create", "update", "exclusive"} {
		for _, n := range []int{1, 2, 3, 5} {
			rep := rc.roundTrip(&omapi.Message{Op: omapi.OpOpen,
				Message: omapi.Values{{Name: "type", Data: []byte("host")}, {Name: flag, Data: make([]byte, n)}},
				Object:  omapi.Values{{Name: "name", Data: []byte("h")}}})
			if res, text := status(t, rep); omapi.Result(res) != omapi.ResultInvalidArg || text != "invalid "+flag+" flag value" {
				t.Errorf("%d-byte %s: result %d %q", n, flag, res, text)
			}
		}
	}
	rep := rc.roundTrip(&omapi.Message{Op: omapi.OpOpen,
		Message: omapi.Values{{Name: "type", Data: []byte("host")}, {Name: "create", Data: nil}},
		Object:  omapi.Values{{Name: "name", Data: []byte("h")}}})
	if rep.Op != omapi.OpUpdate {
		t.Errorf("null create flag: reply %s, want the host", rep.Op)
	}
}

// A bad signature gets an unsigned INVALIDKEY and the connection stays
// usable (docs/omapi.md §6.4).
func TestInvalidKeyKeepsConnection(t *testing.T) {
	key, err := omapi.NewKey("k", "hmac-md5", []byte("0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	wrong, err := omapi.NewKey("k", "hmac-md5", []byte("fedcba9876543210"))
	if err != nil {
		t.Fatal(err)
	}
	s := omapitest.NewServer(t, omapitest.Options{Keys: []*omapi.Key{key}, RequireKey: "k"})
	rc := dialRaw(t, s)
	auth := rc.roundTrip(&omapi.Message{Op: omapi.OpOpen,
		Message: omapi.Values{{Name: "type", Data: []byte("authenticator")}},
		Object:  omapi.Values{{Name: "name", Data: []byte("k")}, {Name: "algorithm", Data: []byte(key.WireAlgorithm())}}})
	if auth.Op != omapi.OpUpdate || auth.Handle == 0 {
		t.Fatalf("authenticator reply %+v", auth)
	}
	for i := 0; i < 3; i++ {
		rc.id++
		wire, err := omapi.AppendMessage(nil, &omapi.Message{AuthID: uint32(auth.Handle), Op: omapi.OpOpen, ID: rc.id,
			Message: omapi.Values{{Name: "type", Data: []byte("control")}}}, wrong)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rc.c.Write(wire); err != nil {
			t.Fatal(err)
		}
		rep, _, err := omapi.ReadMessage(rc.br, 0, 0)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if res, _ := status(t, rep); omapi.Result(res) != omapi.ResultInvalidKey || rep.AuthID != 0 || len(rep.Signature) != 0 {
			t.Fatalf("request %d: result %d authid %d siglen %d", i, res, rep.AuthID, len(rep.Signature))
		}
	}
	if s.Accepts() != 1 {
		t.Fatalf("accepts = %d", s.Accepts())
	}
}
