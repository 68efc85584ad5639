package omapi

import (
	"errors"
	"testing"
)

// A STATUS without a usable result says nothing about the outcome: that is a
// DecodeError naming STATUS and result, not a result dhcpd never sent.
func TestStatusWithoutResult(t *testing.T) {
	req := &Request{Op: OpOpen, Type: "lease", Object: Values{{"ip-address", []byte{192, 0, 2, 1}}}}
	cases := []struct {
		name    string
		message Values
		field   bool  // want a DecodeError for field result
		want    error // else: errors.Is target (nil: success)
	}{
		{"missing", Values{{"message", []byte("no object matches specification")}}, true, nil},
		{"null", Values{{"result", nil}}, true, nil},
		{"3 bytes", Values{{"result", []byte{0, 0, 23}}}, true, nil},
		{"8 bytes", Values{{"result", make([]byte, 8)}}, true, nil},
		{"not found", Values{{"result", u32(23)}}, false, ErrNotFound},
		{"success", Values{{"result", u32(0)}}, false, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp := response(&Message{Op: OpStatus, Message: c.message}, req, 0)
			var de *DecodeError
			switch {
			case c.field:
				if !errors.As(resp.Err, &de) || de.Field != "result" || de.Object != "STATUS reply to OPEN lease by ip-address" {
					t.Fatalf("err = %#v", resp.Err)
				}
			case c.want == nil:
				if resp.Err != nil {
					t.Fatalf("err = %v", resp.Err)
				}
			default:
				if !errors.Is(resp.Err, c.want) {
					t.Fatalf("err = %v, want %v", resp.Err, c.want)
				}
			}
		})
	}
	// Unsigned on an authenticated connection, such a STATUS is not an
	// auth failure dhcpd sent but a protocol error.
	c := &conn{key: testKey(t), authID: 1}
	if err := c.checkSignature(&Message{Op: OpStatus}, nil, req); !errors.Is(err, ErrProtocol) {
		t.Fatalf("unsigned STATUS without result: %v", err)
	}
}

func testKey(t testing.TB) *Key {
	k, err := NewKey("k", "hmac-md5", []byte("0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	return k
}
