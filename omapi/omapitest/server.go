// Package omapitest is an in-process OMAPI server for unit tests, in the
// spirit of net/http/httptest. It behaves like dhcpd 4.4.3 where clients can
// tell (docs/omapi.md §6-§8): authenticator handshake, signed replies, the unsigned
// INVALIDKEY reply (the connection stays open), NOKEYS, NOTFOUND/MULTIPLE
// lookups, REFRESH by handle, OPEN flag checks, the lease attributes dhcpd
// always sends, silent disconnects, and the output-buffer abort of
// docs/omapi.md §16.
// Integration tests against a real dhcpd complement it.
package omapitest

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dhcpd-exporter/dhcpd_exporter/omapi"
)

// Options configure a Server.
type Options struct {
	// Keys the server knows. With RequireKey set, only that key is accepted
	// (dhcpd's omapi-key) and unsigned requests get NOKEYS.
	Keys       []*omapi.Key
	RequireKey string
	// Delay is added before each reply, to test deadlines.
	Delay time.Duration
}

// Object is one object the server serves.
type Object struct {
	Type   string
	Handle omapi.Handle
	Values omapi.Values
}

// Server is a fake dhcpd OMAPI listener on 127.0.0.1.
type Server struct {
	Addr string

	opts Options
	ln   net.Listener

	mu       sync.Mutex
	objects  map[omapi.Handle]*Object
	keyByH   map[omapi.Handle]*omapi.Key
	next     omapi.Handle
	received []*omapi.Message
	conns    map[net.Conn]bool
	crashed  atomic.Bool // set while a session holds mu, so not guarded by it
	hang     bool
	dropOn   omapi.Op // 0: none
	corrupt  atomic.Pointer[func([]byte) []byte]
	accepts  int
	wg       sync.WaitGroup
}

// NewServer starts a server; it stops when the test ends.
func NewServer(t testing.TB, opts Options) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Addr: ln.Addr().String(), opts: opts, ln: ln,
		objects: map[omapi.Handle]*Object{}, keyByH: map[omapi.Handle]*omapi.Key{}, conns: map[net.Conn]bool{}}
	for _, k := range opts.Keys {
		s.keyByH[s.newHandle()] = k
	}
	s.Add("control", omapi.Values{{Name: "state", Data: u32(0)}})
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(s.Close)
	return s
}

func (s *Server) newHandle() omapi.Handle { s.next++; return s.next }

// Add registers an object and returns its handle. OPEN finds an object of the
// requested type whose values contain every lookup key given (hardware-type
// is ignored); REFRESH finds it by handle.
//
// dhcpd sends some lease attributes for every lease (subnet, pool, the six
// times, flags; server/omapi.c:563-746). A lease added without them is served
// with them as dhcpd serves a lease whose fields are zero, so fixtures need
// only give what they test; state and ip-address must be given.
func (s *Server) Add(typ string, vs omapi.Values) omapi.Handle {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.newHandle()
	s.objects[h] = &Object{Type: typ, Handle: h, Values: vs}
	return h
}

// Set replaces the values of an object.
func (s *Server) Set(h omapi.Handle, vs omapi.Values) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.objects[h].Values = vs
}

// Received returns every message clients sent, in arrival order.
func (s *Server) Received() []*omapi.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*omapi.Message(nil), s.received...)
}

// Accepts is the number of connections accepted so far.
func (s *Server) Accepts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accepts
}

// Crashed reports whether a client made the server queue a reply whose first
// signed field straddles a 4,047-byte output buffer boundary: the condition
// under which dhcpd 4.4.3 aborts (docs/omapi.md §16.3). The server then drops
// every connection and refuses new ones, as a dead dhcpd would.
func (s *Server) Crashed() bool {
	return s.crashed.Load()
}

// Hang makes the server stop answering (without closing), like a SIGSTOPped dhcpd.
func (s *Server) Hang(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hang = on
}

// DropOn makes the server close the connection, unanswered, when the next
// message with opcode op arrives: a dhcpd that restarts in the middle of a
// window. One-shot.
func (s *Server) DropOn(op omapi.Op) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropOn = op
}

// CorruptNextReply makes the server pass the next reply it queues, on any
// connection, through f before sending it: f gets the reply's wire bytes
// (signed, if it is) and returns what to send instead, e.g. garbage, a
// truncated frame or a flipped signature byte. One-shot.
func (s *Server) CorruptNextReply(f func(reply []byte) []byte) {
	s.corrupt.Store(&f)
}

// DropConnections closes every open connection, as a dhcpd restart would.
func (s *Server) DropConnections() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.Close()
	}
}

// Close stops the server.
func (s *Server) Close() {
	s.ln.Close()
	s.DropConnections()
	s.wg.Wait()
}

func (s *Server) serve() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.crashed.Load() {
			s.mu.Unlock()
			c.Close()
			continue
		}
		s.conns[c] = true
		s.accepts++
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.handle(c)
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
			c.Close()
		}()
	}
}

// session is one connection's state.
type session struct {
	s      *Server
	c      net.Conn
	br     *bufio.Reader
	key    *omapi.Key // key selected by the authenticator OPEN
	authID omapi.Handle
	id     uint32
	out    []byte // replies queued in this pass, as dhcpd's output buffer chain
}

// dhcpdBufferSize is the usable size of one dhcpd output buffer: a fresh
// buffer has head = 4047, tail = 0 (omapip/buffer.c, buffer.h OMAPI_BUF_SIZE).
const dhcpdBufferSize = 4047

var errDrop = errors.New("drop connection")

func (s *Server) handle(c net.Conn) {
	ss := &session{s: s, c: c, br: bufio.NewReader(c), id: 1000}
	if _, err := c.Write(omapi.AppendIntro(nil)); err != nil {
		return
	}
	var intro [8]byte
	if _, err := io.ReadFull(ss.br, intro[:]); err != nil {
		return
	}
	if _, err := omapi.ParseIntro(intro); err != nil {
		return
	}
	for {
		m, signed, err := omapi.ReadMessage(ss.br, 0, omapi.DefaultMaxMessageSize)
		if err != nil {
			return
		}
		s.mu.Lock()
		s.received = append(s.received, m)
		hang, drop := s.hang, s.dropOn != 0 && m.Op == s.dropOn
		if drop {
			s.dropOn = 0
		}
		s.mu.Unlock()
		if drop {
			c.Close()
			return
		}
		if hang {
			// Keep the connection open and never answer.
			_, _ = io.Copy(io.Discard, ss.br)
			return
		}
		if s.opts.Delay > 0 {
			time.Sleep(s.opts.Delay)
		}
		if err := ss.process(m, signed); err != nil {
			ss.flush()
			return
		}
		// dhcpd handles every message already read before it writes
		// (protocol.c:467-478): flush only when no further input is buffered.
		if ss.br.Buffered() == 0 {
			if err := ss.flush(); err != nil {
				return
			}
		}
	}
}

func (ss *session) flush() error {
	if len(ss.out) == 0 {
		return nil
	}
	_, err := ss.c.Write(ss.out)
	ss.out = ss.out[:0]
	return err
}

// queue appends a reply to the output, checking dhcpd 4.4.3's abort condition.
func (ss *session) queue(m *omapi.Message, sign bool) error {
	start := len(ss.out)
	defer func() {
		if len(ss.out) == start {
			return
		}
		if f := ss.s.corrupt.Swap(nil); f != nil {
			reply := append([]byte(nil), ss.out[start:]...)
			ss.out = append(ss.out[:start], (*f)(reply)...)
		}
	}()
	ss.id++
	m.ID = ss.id
	off := len(ss.out)
	if sign && ss.key != nil {
		m.AuthID = uint32(ss.authID)
		out, err := omapi.AppendMessage(ss.out, m, ss.key)
		if err != nil {
			return err
		}
		ss.out = out
		// The signing context starts with authlen (bytes off+4..off+8); if one
		// copyin of those four bytes spans two buffers, dhcpd aborts.
		if (off+4)/dhcpdBufferSize != (off+7)/dhcpdBufferSize {
			ss.s.crashed.Store(true)
			ss.s.ln.Close()
			go ss.s.DropConnections()
			return errDrop
		}
	} else {
		out, err := omapi.AppendMessage(ss.out, m, nil)
		if err != nil {
			return err
		}
		ss.out = out
	}
	return nil
}

func (ss *session) status(req *omapi.Message, result uint32, text string, sign bool) error {
	m := &omapi.Message{Op: omapi.OpStatus, RID: req.ID, Message: omapi.Values{{Name: "result", Data: u32(result)}}}
	if text != "" {
		m.Message = append(m.Message, omapi.Value{Name: "message", Data: []byte(text)})
	}
	return ss.queue(m, sign)
}

func (ss *session) update(req *omapi.Message, o *Object) error {
	return ss.queue(&omapi.Message{Op: omapi.OpUpdate, RID: req.ID, Handle: o.Handle, Object: serialise(o)}, true)
}

// leaseAlwaysSent are the lease attributes dhcpd's serialiser writes for
// every lease, with the value it writes for a zero field (see Add).
var leaseAlwaysSent = omapi.Values{
	{Name: "subnet", Data: u32(0)}, {Name: "pool", Data: u32(0)},
	{Name: "ends", Data: u32(0)}, {Name: "starts", Data: u32(0)},
	{Name: "tstp", Data: u32(0)}, {Name: "tsfp", Data: u32(0)},
	{Name: "atsfp", Data: u32(0)}, {Name: "cltt", Data: u32(0)},
	{Name: "flags", Data: []byte{0}},
}

// serialise is what dhcpd would send for o.
func serialise(o *Object) omapi.Values {
	if o.Type != "lease" {
		return o.Values
	}
	vs := append(omapi.Values(nil), o.Values...)
	for _, v := range leaseAlwaysSent {
		if _, ok := vs.Get(v.Name); !ok {
			vs = append(vs, v)
		}
	}
	return vs
}

func (ss *session) process(m *omapi.Message, signed []byte) error {
	s := ss.s
	if m.RID != 0 || m.Op < omapi.OpOpen || m.Op > omapi.OpDelete || m.Op == omapi.OpStatus || m.Op == omapi.OpNotify {
		return errDrop // message.c:405-417, 711-714, 761
	}
	typ, _ := m.Message.Get("type")
	if m.Op == omapi.OpOpen && string(typ) == "authenticator" && m.AuthID == 0 {
		return ss.authenticate(m)
	}
	if m.AuthID != 0 {
		if ss.key == nil || omapi.Handle(m.AuthID) != ss.authID {
			return errDrop // protocol.c:511-525: unknown authid
		}
		if !ss.key.Verify(signed, m.Signature) {
			// protocol.c:713-732: unsigned STATUS, authid 0, no text; the
			// connection stays usable (docs/omapi.md §6.4).
			return ss.status(m, uint32(omapi.ResultInvalidKey), "", false)
		}
	} else if s.opts.RequireKey != "" {
		return ss.status(m, uint32(omapi.ResultNoKeys), "No authenticator on message", false)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch m.Op {
	case omapi.OpOpen:
		return ss.open(m, string(typ))
	case omapi.OpRefresh:
		if o, ok := s.objects[m.Handle]; ok {
			return ss.update(m, o)
		}
		return ss.status(m, uint32(omapi.ResultNotFound), "no matching handle", true)
	case omapi.OpUpdate:
		o, ok := s.objects[m.Handle]
		if !ok {
			return ss.status(m, uint32(omapi.ResultNotFound), "no matching handle", true)
		}
		for _, v := range m.Object {
			o.Values = setValue(o.Values, v)
		}
		return ss.status(m, 0, "", true)
	case omapi.OpDelete:
		o, ok := s.objects[m.Handle]
		if !ok {
			return ss.status(m, uint32(omapi.ResultNotFound), "no matching handle", true)
		}
		if o.Type != "host" && o.Type != "group" {
			return ss.status(m, uint32(omapi.ResultNotImplemented), "", true)
		}
		delete(s.objects, m.Handle)
		return ss.status(m, 0, "", true)
	}
	return errDrop
}

func (ss *session) authenticate(m *omapi.Message) error {
	name, _ := m.Object.Get("name")
	alg, _ := m.Object.Get("algorithm")
	for h, k := range ss.s.keyByH {
		if strings.EqualFold(k.Name(), string(name)) && strings.EqualFold(k.WireAlgorithm(), string(alg)) {
			if ss.s.opts.RequireKey != "" && !strings.EqualFold(ss.s.opts.RequireKey, k.Name()) {
				return ss.status(m, uint32(omapi.ResultInvalidKey), "can't select authenticator", false)
			}
			if err := ss.queue(&omapi.Message{Op: omapi.OpUpdate, RID: m.ID, Handle: h,
				Object: omapi.Values{{Name: "name", Data: name}, {Name: "algorithm", Data: alg}}}, false); err != nil {
				return err
			}
			ss.key, ss.authID = k, h
			return nil
		}
	}
	return ss.status(m, uint32(omapi.ResultNotFound), "no object matches specification", false)
}

// flag reads an OPEN flag as dhcpd does (message.c:467-510, support.c:835-851):
// absent or zero-length is 0, another length than 4 is an error.
func flag(m *omapi.Message, name string) (set, ok bool) {
	v, _ := m.Message.Get(name)
	switch len(v) {
	case 0:
		return false, true
	case 4:
		return binary.BigEndian.Uint32(v) != 0, true
	}
	return false, false
}

func (ss *session) open(m *omapi.Message, typ string) error {
	var create bool
	for _, name := range []string{"create", "update", "exclusive"} {
		set, ok := flag(m, name)
		if !ok {
			return ss.status(m, uint32(omapi.ResultInvalidArg), "invalid "+name+" flag value", true)
		}
		if name == "create" {
			create = set
		}
	}
	if create {
		if typ != "host" && typ != "group" {
			return ss.status(m, uint32(omapi.ResultNotImplemented), "can't create new object", true)
		}
		h := ss.s.newHandle()
		o := &Object{Type: typ, Handle: h, Values: m.Object}
		ss.s.objects[h] = o
		return ss.update(m, o)
	}
	var keys omapi.Values
	for _, v := range m.Object {
		if v.Name != "hardware-type" {
			keys = append(keys, v)
		}
	}
	var found []*Object
	known := false
	for _, o := range ss.s.objects {
		if o.Type != typ {
			continue
		}
		known = true
		if matches(o, keys) {
			found = append(found, o)
		}
	}
	switch {
	case !known:
		return ss.status(m, uint32(omapi.ResultNotFound), "no matching handle", true)
	case len(keys) == 0 && typ != "control":
		return ss.status(m, uint32(omapi.ResultNotImplemented), "can't create new object", true)
	case len(found) == 0:
		return ss.status(m, uint32(omapi.ResultNotFound), "no object matches specification", true)
	case len(found) > 1:
		return ss.status(m, uint32(omapi.ResultMultiple), "object lookup failed", true)
	}
	return ss.update(m, found[0])
}

func matches(o *Object, keys omapi.Values) bool {
	for _, k := range keys {
		v, ok := o.Values.Get(k.Name)
		if !ok || !bytes.Equal(v, k.Data) {
			return false
		}
	}
	return true
}

func setValue(vs omapi.Values, v omapi.Value) omapi.Values {
	for i := range vs {
		if vs[i].Name == v.Name {
			vs[i].Data = v.Data
			return vs
		}
	}
	return append(vs, v)
}

func u32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
