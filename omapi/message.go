package omapi

import (
	"fmt"
	"strings"
)

// Op is an OMAPI opcode (omapip_p.h:91-96).
type Op uint32

const (
	OpOpen    Op = 1
	OpRefresh Op = 2
	OpUpdate  Op = 3
	OpNotify  Op = 4
	OpStatus  Op = 5
	OpDelete  Op = 6
)

func (o Op) String() string {
	switch o {
	case OpOpen:
		return "OPEN"
	case OpRefresh:
		return "REFRESH"
	case OpUpdate:
		return "UPDATE"
	case OpNotify:
		return "NOTIFY"
	case OpStatus:
		return "STATUS"
	case OpDelete:
		return "DELETE"
	}
	return fmt.Sprintf("op(%d)", uint32(o))
}

// Handle is a server-global object handle. Handles are stable for the life of
// a dhcpd process and meaningless after it restarts; 0 means none.
type Handle uint32

// Value is one name/value pair. A zero-length Data is OMAPI's null: on the
// wire "empty" and "absent/unset" cannot be told apart.
type Value struct {
	Name string
	Data []byte
}

// Values is an ordered list of pairs, as on the wire.
type Values []Value

// Get returns the last value with that name (a repeated name replaces the
// earlier one on the server too, omapip/generic.c:64-97).
func (vs Values) Get(name string) ([]byte, bool) {
	for i := len(vs) - 1; i >= 0; i-- {
		if vs[i].Name == name {
			return vs[i].Data, true
		}
	}
	return nil, false
}

// Message is one OMAPI message.
type Message struct {
	AuthID    uint32 // handle of the authenticator on the receiver's side, 0 = unsigned
	Op        Op
	Handle    Handle
	ID        uint32 // sender's transaction id
	RID       uint32 // id of the message this one answers; 0 in requests
	Message   Values // message-level values (type, create, result, ...)
	Object    Values // object-level values (attributes, lookup keys)
	Signature []byte // authlen bytes
}

// ReadOnly reports whether the message can only read: an OPEN without
// create, update or exclusive flags, or a REFRESH. STATUS and UPDATE replies
// are not requests and do not count.
func (m *Message) ReadOnly() bool {
	switch m.Op {
	case OpRefresh:
		return true
	case OpOpen:
		for _, flag := range []string{"create", "update", "exclusive"} {
			if v, ok := m.Message.Get(flag); ok && strings.Trim(string(v), "\x00") != "" {
				return false
			}
		}
		return true
	}
	return false
}

// String describes the message for logs and errors. It prints names only,
// never values: values can hold client identifiers or key material.
func (m *Message) String() string {
	typ, _ := m.Message.Get("type")
	return describe(m.Op, string(typ), m.Handle, m.Object)
}

// describe names an operation, its object type, handle and the names (not
// the values) of its object values: "OPEN lease by ip-address".
func describe(op Op, typ string, h Handle, object Values) string {
	var b strings.Builder
	b.WriteString(op.String())
	if typ != "" {
		b.WriteString(" " + typ)
	}
	if h != 0 {
		fmt.Fprintf(&b, " handle %d", h)
	}
	for i, v := range object {
		if i == 0 {
			b.WriteString(" by ")
		} else {
			b.WriteString(",")
		}
		b.WriteString(v.Name)
	}
	return b.String()
}
