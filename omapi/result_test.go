package omapi

import (
	"errors"
	"testing"
)

func TestResultsMapBothNumberings(t *testing.T) {
	cases := []struct {
		code uint32
		want error
	}{
		{23, ErrNotFound},
		{18, ErrExists},
		{27, ErrNotImplemented},
		{6, ErrNoPerm},
		{393222, ErrMultiple}, // 4.2+
		{43, ErrMultiple},     // 3.x, 4.0, 4.1
		{393223, ErrKeyConflict},
		{44, ErrKeyConflict},
		{393225, ErrNoKeys},
		{46, ErrNoKeys},
		{393227, ErrInvalidKey},
		{48, ErrInvalidKey},
		{393219, ErrInvalidArg},
		{39, ErrInvalidArg},
		{393248, ErrUnknownAttribute},
		{69, ErrUnknownAttribute},
	}
	for _, c := range cases {
		err := error(&StatusError{Request: "OPEN lease", Result: Result(c.code)})
		if !errors.Is(err, c.want) {
			t.Errorf("result %d: %v is not %v", c.code, err, c.want)
		}
		for _, other := range []error{ErrNotFound, ErrMultiple, ErrNoKeys, ErrInvalidKey} {
			if other != c.want && errors.Is(err, other) {
				t.Errorf("result %d also matches %v", c.code, other)
			}
		}
	}
	if got := Result(40).String(); got != "not connected (40)" {
		t.Errorf("legacy 40 = %q", got)
	}
	if got := Result(393222).String(); got != "more than one object matches key (393222)" {
		t.Errorf("String = %q", got)
	}
	se := &StatusError{Request: "OPEN lease by ip-address", Result: 23, Text: "no object matches specification"}
	if se.Error() != "omapi: OPEN lease by ip-address: not found (23): no object matches specification" {
		t.Errorf("Error() = %q", se.Error())
	}
}
