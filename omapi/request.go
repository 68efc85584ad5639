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
// dhcpd drop the connection (facts §1.9), so they cannot be expressed here.
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
		if se := statusError(m, r.String()); se.Result != ResultSuccess {
			resp.Err = se
		}
	default:
		resp.Err = fmt.Errorf("%w: reply to %s has op %s", ErrProtocol, r, m.Op)
	}
	return resp
}

func statusError(m *Message, request string) *StatusError {
	se := &StatusError{Request: request, Result: ResultUnexpected}
	if v, ok := m.Message.Get("result"); ok && len(v) == 4 {
		se.Result = Result(binary.BigEndian.Uint32(v))
	}
	if v, ok := m.Message.Get("message"); ok {
		se.Text = string(v)
	}
	return se
}

// ErrReadOnly is returned, before anything is sent, when a read-only client is
// asked to change something.
var ErrReadOnly = errors.New("omapi: client is read-only")

func u32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
