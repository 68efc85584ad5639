package omapi

import (
	"context"
	"fmt"
)

// Group is a named group (common/comapi.c:301-331); only its name is served.
type Group struct {
	Handle Handle
	Name   string
}

// DecodeGroup decodes the values of a group object.
func DecodeGroup(h Handle, vs Values) (*Group, error) {
	a := &attrs{object: fmt.Sprintf("group (handle %d)", h), vs: vs}
	return &Group{Handle: h, Name: a.str("name", true)}, a.err
}

// GroupByName reads a group by name.
func (cl *Client) GroupByName(ctx context.Context, name string) (*Group, error) {
	return one(ctx, cl, &Request{Op: OpOpen, Type: "group", Object: Values{{"name", []byte(name)}}}, DecodeGroup)
}
