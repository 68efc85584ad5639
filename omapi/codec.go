package omapi

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

const (
	protocolVersion = 100 // OMAPI_PROTOCOL_VERSION, omapip_p.h:89
	headerSize      = 24  // sizeof(omapi_protocol_header_t): six uint32
	// maxExtraHeader bounds the extra header bytes a peer may announce; dhcpd
	// always announces exactly 24, anything far beyond is not a real peer.
	maxExtraHeader = 1024
	// maxSignature bounds authlen; the largest real signature is HMAC-SHA512's 64 bytes.
	maxSignature = 1024
	// DefaultMaxMessageSize caps what the client accepts in one message. dhcpd
	// itself has no limit (docs/omapi.md §10); a lease with many variables is a few KB.
	DefaultMaxMessageSize = 1 << 20
)

var (
	// ErrProtocol wraps every malformed-frame error.
	ErrProtocol = errors.New("omapi: protocol error")
	// ErrMessageTooLarge is returned when a message exceeds the size cap.
	ErrMessageTooLarge = errors.New("omapi: message exceeds size limit")
)

// AppendIntro appends the 8-byte connection start-up each side sends first:
// version and header size.
func AppendIntro(b []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, protocolVersion)
	return binary.BigEndian.AppendUint32(b, headerSize)
}

// ParseIntro checks a peer's start-up bytes and returns how many extra
// header bytes that peer puts after rid in every message.
func ParseIntro(b [8]byte) (extra int, err error) {
	version := binary.BigEndian.Uint32(b[0:4])
	size := binary.BigEndian.Uint32(b[4:8])
	if version != protocolVersion {
		return 0, fmt.Errorf("%w: peer speaks OMAPI version %d, want %d", ErrProtocol, version, protocolVersion)
	}
	if size < headerSize || size > headerSize+maxExtraHeader {
		return 0, fmt.Errorf("%w: peer announces header size %d", ErrProtocol, size)
	}
	return int(size - headerSize), nil
}

// AppendMessage appends the wire form of m. With a key, AuthID must be the
// handle the server gave that key; the signature is then computed over every
// byte after authid (authlen included) and m.Signature is ignored. Without a
// key m is sent as it is, with authlen = len(m.Signature).
//
// It returns b unchanged and an error wrapping ErrProtocol when m cannot be
// encoded faithfully (see Message.check): an empty value name would end a
// value list early and dhcpd would read the rest as another message.
func AppendMessage(b []byte, m *Message, key *Key) ([]byte, error) {
	if err := m.check(); err != nil {
		return b, err
	}
	start := len(b)
	authlen := len(m.Signature)
	if key != nil {
		authlen = key.alg.size()
	}
	for _, v := range [...]uint32{m.AuthID, uint32(authlen), uint32(m.Op), uint32(m.Handle), m.ID, m.RID} {
		b = binary.BigEndian.AppendUint32(b, v)
	}
	b = appendValues(b, m.Message)
	b = appendValues(b, m.Object)
	if key != nil {
		return key.sign(b, b[start+4:]), nil
	}
	return append(b, m.Signature...), nil
}

// check reports what the wire cannot carry: a value name must be 1..65535
// bytes (a zero name length is the end-of-list marker, docs/omapi.md §3), a value
// at most 2^32-1 bytes, and authlen fits 32 bits.
func (m *Message) check() error {
	for _, l := range []struct {
		list string
		vs   Values
	}{{"message", m.Message}, {"object", m.Object}} {
		for i, v := range l.vs {
			switch {
			case len(v.Name) == 0:
				return fmt.Errorf("%w: %s value %d has an empty name", ErrProtocol, l.list, i)
			case len(v.Name) > math.MaxUint16:
				return fmt.Errorf("%w: %s value %d has a %d-byte name (at most %d)", ErrProtocol, l.list, i, len(v.Name), math.MaxUint16)
			case uint64(len(v.Data)) > math.MaxUint32:
				return fmt.Errorf("%w: %s value %q has %d bytes (at most %d)", ErrProtocol, l.list, v.Name, len(v.Data), uint64(math.MaxUint32))
			}
		}
	}
	if uint64(len(m.Signature)) > math.MaxUint32 {
		return fmt.Errorf("%w: %d-byte signature", ErrProtocol, len(m.Signature))
	}
	return nil
}

// appendValues writes a value list; the caller has checked it (Message.check).
func appendValues(b []byte, vs Values) []byte {
	for _, v := range vs {
		b = binary.BigEndian.AppendUint16(b, uint16(len(v.Name)))
		b = append(b, v.Name...)
		b = binary.BigEndian.AppendUint32(b, uint32(len(v.Data)))
		b = append(b, v.Data...)
	}
	return binary.BigEndian.AppendUint16(b, 0)
}

// DecodeMessage decodes one message from the front of b. extra is the number
// of extra header bytes the sender announced in its intro. It returns the
// message, the bytes that follow it, and the bytes its signature covers.
func DecodeMessage(b []byte, extra, maxSize int) (m *Message, rest, signed []byte, err error) {
	r := bytes.NewReader(b)
	m, signed, err = ReadMessage(r, extra, maxSize)
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			err = fmt.Errorf("%w: truncated message", ErrProtocol)
		}
		return nil, nil, nil, err
	}
	return m, b[len(b)-r.Len():], signed, nil
}

// frame accumulates the raw bytes of one message as they are read, so that
// values can point into a single buffer and the signed span stays available.
type frame struct {
	r   io.Reader
	raw []byte
	max int
}

// read appends n more bytes and returns their offset in raw.
func (f *frame) read(n int) (int, error) {
	if n > f.max-len(f.raw) {
		return 0, fmt.Errorf("%w (%d bytes)", ErrMessageTooLarge, f.max)
	}
	off := len(f.raw)
	f.raw = append(f.raw, make([]byte, n)...)
	if _, err := io.ReadFull(f.r, f.raw[off:]); err != nil {
		switch {
		case off == 0 && errors.Is(err, io.EOF):
			return 0, io.EOF
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			return 0, io.ErrUnexpectedEOF
		}
		// A timeout or reset stays what it is: the caller tells a deadline
		// from a server that closed the connection by it.
		return 0, err
	}
	return off, nil
}

func (f *frame) uint16() (int, error) {
	off, err := f.read(2)
	if err != nil {
		return 0, err
	}
	return int(binary.BigEndian.Uint16(f.raw[off:])), nil
}

func (f *frame) uint32() (uint32, error) {
	off, err := f.read(4)
	if err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint32(f.raw[off:]), nil
}

type span struct{ nameOff, nameLen, dataOff, dataLen int }

// readValues reads name/value pairs up to the zero-length-name terminator.
func (f *frame) readValues() ([]span, error) {
	var spans []span
	for {
		n, err := f.uint16()
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return spans, nil
		}
		nameOff, err := f.read(n)
		if err != nil {
			return nil, err
		}
		dl, err := f.uint32()
		if err != nil {
			return nil, err
		}
		if uint64(dl) > uint64(f.max) {
			return nil, fmt.Errorf("%w: value %q announces %d bytes", ErrMessageTooLarge, f.raw[nameOff:nameOff+n], dl)
		}
		dataOff, err := f.read(int(dl))
		if err != nil {
			return nil, err
		}
		spans = append(spans, span{nameOff, n, dataOff, int(dl)})
	}
}

func (f *frame) values(spans []span) Values {
	if len(spans) == 0 {
		return nil
	}
	vs := make(Values, len(spans))
	for i, s := range spans {
		vs[i] = Value{
			Name: string(f.raw[s.nameOff : s.nameOff+s.nameLen]),
			Data: f.raw[s.dataOff : s.dataOff+s.dataLen : s.dataOff+s.dataLen],
		}
	}
	return vs
}

// ReadMessage reads one message from a stream; see DecodeMessage. It returns
// io.EOF only when the stream ends cleanly before the first byte of a message.
func ReadMessage(r io.Reader, extra, maxSize int) (*Message, []byte, error) {
	if maxSize <= 0 {
		maxSize = DefaultMaxMessageSize
	}
	f := &frame{r: r, raw: make([]byte, 0, 512), max: maxSize + extra}
	if _, err := f.read(headerSize); err != nil {
		return nil, nil, err
	}
	h := f.raw[:headerSize]
	m := &Message{
		AuthID: binary.BigEndian.Uint32(h[0:]),
		Op:     Op(binary.BigEndian.Uint32(h[8:])),
		Handle: Handle(binary.BigEndian.Uint32(h[12:])),
		ID:     binary.BigEndian.Uint32(h[16:]),
		RID:    binary.BigEndian.Uint32(h[20:]),
	}
	authlen := binary.BigEndian.Uint32(h[4:])
	if authlen > maxSignature {
		return nil, nil, fmt.Errorf("%w: authlen %d", ErrProtocol, authlen)
	}
	if extra > 0 {
		// Extra header bytes are neither signed nor meaningful (protocol.c:535-540).
		if _, err := f.read(extra); err != nil {
			return nil, nil, err
		}
		f.raw = f.raw[:headerSize]
		f.max -= extra
	}
	msgSpans, err := f.readValues()
	if err != nil {
		return nil, nil, err
	}
	objSpans, err := f.readValues()
	if err != nil {
		return nil, nil, err
	}
	sigOff, err := f.read(int(authlen))
	if err != nil {
		return nil, nil, err
	}
	m.Message = f.values(msgSpans)
	m.Object = f.values(objSpans)
	if authlen > 0 {
		m.Signature = f.raw[sigOff:]
	}
	return m, f.raw[4:sigOff], nil
}
