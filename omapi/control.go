package omapi

import (
	"context"
	"fmt"
)

// ControlState is the control object's state (includes/dhcpd.h:519-525).
// A running dhcpd 4.4.3 reports 0 (docs/omapi.md §15).
type ControlState uint32

// Control is dhcpd's single control object.
type Control struct {
	Handle Handle
	State  ControlState
}

// DecodeControl decodes the values of the control object. dhcpd always
// sends state (common/comapi.c:524-555).
func DecodeControl(h Handle, vs Values) (*Control, error) {
	a := &attrs{object: fmt.Sprintf("control (handle %d)", h), vs: vs}
	return &Control{Handle: h, State: ControlState(a.u32("state", true))}, a.err
}

// Control reads the control object; an OPEN with no keys always finds it.
func (cl *Client) Control(ctx context.Context) (*Control, error) {
	return one(ctx, cl, &Request{Op: OpOpen, Type: "control"}, DecodeControl)
}
