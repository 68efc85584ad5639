package omapi

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Flags are the OPEN flags (message values create, update, exclusive;
// omapip/message.c:467-510).
type Flags uint8

const (
	FlagCreate Flags = 1 << iota
	FlagUpdate
	FlagExclusive
)

// Request is one OMAPI request. Requests carry no message-level values other
// than type and the OPEN flags: a message value named handle, id, op, ... makes
// dhcpd drop the connection (docs/omapi.md §8), so they cannot be expressed here.
//
// An OPEN without flags is a lookup, and Client.Do refuses one that dhcpd
// may turn into a create: a zero-length value is null (absent) to dhcpd, a
// lookup left without a key answers NOKEYS, and dhcpd then calls the type's
// create method even without the create flag (omapip/message.c:531-576,
// docs/omapi.md §11.1). For a host that returns a new empty host, for a group
// it allocates one; other types refuse to be created. So every key of a
// lookup must be non-empty, and only the control object may be opened
// without keys.
type Request struct {
	Op     Op
	Type   string // object type for OPEN ("lease", "host", "failover-state", ...)
	Handle Handle // object for REFRESH, UPDATE and DELETE
	Flags  Flags  // OPEN only
	Object Values // lookup keys (OPEN) or new values (UPDATE)
	// kind names the reply's expected shape for the window planner
	// ("lease", "pool", ...); derived from Type when empty.
	kind string
}

func (r *Request) message(id uint32) *Message {
	m := &Message{Op: r.Op, Handle: r.Handle, ID: id, Object: r.Object}
	if r.Type != "" {
		m.Message = append(m.Message, Value{"type", []byte(r.Type)})
	}
	for _, f := range []struct {
		bit  Flags
		name string
	}{{FlagCreate, "create"}, {FlagUpdate, "update"}, {FlagExclusive, "exclusive"}} {
		if r.Flags&f.bit != 0 {
			m.Message = append(m.Message, Value{f.name, u32(1)})
		}
	}
	return m
}

// readOnly reports whether the request can only read: OPEN without flags, or REFRESH.
func (r *Request) readOnly() bool {
	return (r.Op == OpOpen && r.Flags == 0) || r.Op == OpRefresh
}

// check returns an error wrapping ErrInvalidRequest for a request that
// must not be sent (see Request).
func (r *Request) check() error {
	if err := r.message(0).check(); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrInvalidRequest, r, err)
	}
	if r.Op != OpOpen || r.Flags != 0 {
		return nil
	}
	for _, v := range r.Object {
		if len(v.Data) == 0 {
			return fmt.Errorf("%w: %s: %s is empty; dhcpd reads an empty value as no value, and a lookup left without a key creates a %s instead", ErrInvalidRequest, r, v.Name, r.Type)
		}
	}
	// Without a type dhcpd refreshes the header handle; the control object
	// is the one type found without keys (common/comapi.c:557-586).
	if len(r.Object) == 0 && r.Type != "" && r.Type != "control" {
		return fmt.Errorf("%w: %s: a lookup needs a key; without one dhcpd creates a %s instead", ErrInvalidRequest, r, r.Type)
	}
	return nil
}

// String names the request for errors and logs: object type and key names, never values.
func (r *Request) String() string {
	typ := r.Type
	if typ == "" {
		typ = r.kind
	}
	return describe(r.Op, typ, r.Handle, r.Object)
}

// Response is dhcpd's answer to one request.
type Response struct {
	Op     Op     // UPDATE (object found / created) or STATUS
	Handle Handle // the object's handle in an UPDATE reply
	Object Values // the object's attributes in an UPDATE reply
	Err    error  // a *StatusError for a STATUS with a non-zero result
	Size   int    // bytes on the wire, for the window planner
}

func response(m *Message, r *Request, size int) Response {
	resp := Response{Op: m.Op, Handle: m.Handle, Object: m.Object, Size: size}
	switch m.Op {
	case OpUpdate:
	case OpStatus:
		se, err := statusError(m, r.String())
		switch {
		case err != nil:
			resp.Err = err
		case se.Result != ResultSuccess:
			resp.Err = se
		}
	default:
		resp.Err = fmt.Errorf("%w: reply to %s has op %s", ErrProtocol, r, m.Op)
	}
	return resp
}

// statusError decodes a STATUS reply to request. dhcpd always sends result
// as a 4-byte int (protocol.c:1140-1191); without it the reply says nothing
// about the outcome, which is a *DecodeError, never a result code the server
// did not send.
func statusError(m *Message, request string) (*StatusError, error) {
	v, ok := m.Message.Get("result")
	switch {
	case !ok || len(v) == 0:
		return nil, &DecodeError{Object: "STATUS reply to " + request, Field: "result", Reason: "missing"}
	case len(v) != 4:
		return nil, &DecodeError{Object: "STATUS reply to " + request, Field: "result", Reason: fmt.Sprintf("want 4 bytes, got %d", len(v))}
	}
	se := &StatusError{Request: request, Result: Result(binary.BigEndian.Uint32(v))}
	if v, ok := m.Message.Get("message"); ok {
		se.Text = string(v)
	}
	return se, nil
}

// ErrReadOnly is returned, before anything is sent, when a read-only client is
// asked to change something.
var ErrReadOnly = errors.New("omapi: client is read-only")

func u32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
