package omapi

import (
	"errors"
	"fmt"
)

// Result is the isc_result_t a STATUS reply carries in its "result" value.
//
// dhcpd 4.2.0 changed the numbering (docs/omapi.md §7): codes 0-35 are libisc's in
// every version, but the DHCP-specific codes moved from 36-69 to
// ISC_RESULTCLASS_DHCP (6<<16) + n. Canonical maps the old numbers onto the
// new ones, so errors.Is works the same against a 3.x/4.1 and a 4.4 server.
type Result uint32

const dhcpResultClass = 6 << 16 // ISC_RESULTCLASS_DHCP, includes/omapip/result.h

// Results a client meets (texts: omapip/result.c, libisc result.c).
const (
	ResultSuccess          Result = 0
	ResultNoMemory         Result = 1
	ResultTimedOut         Result = 2
	ResultNoPerm           Result = 6
	ResultExists           Result = 18
	ResultNoSpace          Result = 19
	ResultShuttingDown     Result = 22
	ResultNotFound         Result = 23
	ResultFailure          Result = 25
	ResultIOError          Result = 26
	ResultNotImplemented   Result = 27
	ResultNoMore           Result = 29
	ResultUnexpected       Result = 34
	ResultHostUnknown      Result = dhcpResultClass + 0
	ResultVersionMismatch  Result = dhcpResultClass + 1
	ResultProtocolError    Result = dhcpResultClass + 2
	ResultInvalidArg       Result = dhcpResultClass + 3
	ResultNotYet           Result = dhcpResultClass + 4
	ResultUnchanged        Result = dhcpResultClass + 5
	ResultMultiple         Result = dhcpResultClass + 6
	ResultKeyConflict      Result = dhcpResultClass + 7
	ResultBadParse         Result = dhcpResultClass + 8
	ResultNoKeys           Result = dhcpResultClass + 9
	ResultKeyUnknown       Result = dhcpResultClass + 10
	ResultInvalidKey       Result = dhcpResultClass + 11
	ResultIncomplete       Result = dhcpResultClass + 12
	ResultUnknownAttribute Result = dhcpResultClass + 32
)

// legacyNotConnected is ISC_R_NOTCONNECTED (40) of the pre-4.2 table, which has
// no DHCP-class successor (result.h: superseded by libisc's own code).
const legacyNotConnected = 40

// Canonical maps a pre-4.2 DHCP code (36-69, v4_1_0:includes/isc-dhcp/result.h)
// to its 4.2+ value; other codes are returned unchanged. In the old table 36-39
// are DHCP codes 0-3, 40 is NOTCONNECTED, and 41-69 are DHCP codes 4-32.
// dhcpd 4.2+ returns no libisc codes above 35 over OMAPI, so the mapping is
// unambiguous in practice.
func (r Result) Canonical() Result {
	switch {
	case r >= 36 && r <= 39:
		return dhcpResultClass + (r - 36)
	case r >= 41 && r <= 69:
		return dhcpResultClass + (r - 37)
	}
	return r
}

var resultNames = map[Result]string{
	ResultSuccess:          "success",
	ResultNoMemory:         "out of memory",
	ResultTimedOut:         "timed out",
	ResultNoPerm:           "permission denied",
	ResultExists:           "already exists",
	ResultNoSpace:          "ran out of space",
	ResultShuttingDown:     "shutting down",
	ResultNotFound:         "not found",
	ResultFailure:          "failure",
	ResultIOError:          "I/O error",
	ResultNotImplemented:   "not implemented",
	ResultNoMore:           "no more",
	ResultUnexpected:       "unexpected error",
	ResultHostUnknown:      "host unknown",
	ResultVersionMismatch:  "version mismatch",
	ResultProtocolError:    "protocol error",
	ResultInvalidArg:       "invalid argument",
	ResultNotYet:           "not yet",
	ResultUnchanged:        "unchanged",
	ResultMultiple:         "more than one object matches key",
	ResultKeyConflict:      "key conflict",
	ResultBadParse:         "parse error",
	ResultNoKeys:           "no key specified",
	ResultKeyUnknown:       "key unknown",
	ResultInvalidKey:       "invalid key",
	ResultIncomplete:       "incomplete key",
	ResultUnknownAttribute: "unknown attribute",
}

func (r Result) String() string {
	c := r.Canonical()
	if uint32(r) == legacyNotConnected {
		return "not connected (40)"
	}
	if n, ok := resultNames[c]; ok {
		return fmt.Sprintf("%s (%d)", n, uint32(r))
	}
	return fmt.Sprintf("result %d", uint32(r))
}

// Errors a caller can test with errors.Is. A *StatusError matches the one for
// its canonical result code.
var (
	ErrNotFound         = errors.New("omapi: not found")
	ErrMultiple         = errors.New("omapi: more than one object matches")
	ErrKeyConflict      = errors.New("omapi: lookup keys match different objects")
	ErrExists           = errors.New("omapi: object already exists")
	ErrNoKeys           = errors.New("omapi: server requires an authenticated request")
	ErrInvalidKey       = errors.New("omapi: key rejected (wrong secret, or not the server's omapi-key)")
	ErrKeyUnknown       = errors.New("omapi: key unknown")
	ErrNotImplemented   = errors.New("omapi: not implemented by the server")
	ErrNoPerm           = errors.New("omapi: permission denied")
	ErrInvalidArg       = errors.New("omapi: invalid argument")
	ErrBadParse         = errors.New("omapi: server could not parse the statements")
	ErrUnknownAttribute = errors.New("omapi: unknown attribute")
	ErrIOError          = errors.New("omapi: server I/O error")
)

var resultErrors = map[Result]error{
	ResultNotFound:         ErrNotFound,
	ResultMultiple:         ErrMultiple,
	ResultKeyConflict:      ErrKeyConflict,
	ResultExists:           ErrExists,
	ResultNoKeys:           ErrNoKeys,
	ResultInvalidKey:       ErrInvalidKey,
	ResultKeyUnknown:       ErrKeyUnknown,
	ResultNotImplemented:   ErrNotImplemented,
	ResultNoPerm:           ErrNoPerm,
	ResultInvalidArg:       ErrInvalidArg,
	ResultBadParse:         ErrBadParse,
	ResultUnknownAttribute: ErrUnknownAttribute,
	ResultIOError:          ErrIOError,
}

// StatusError is a STATUS reply with a non-zero result.
type StatusError struct {
	Request string // what was asked, e.g. `OPEN failover-state [name]`
	Result  Result
	Text    string // the server's message value, often empty
}

func (e *StatusError) Error() string {
	s := fmt.Sprintf("omapi: %s: %s", e.Request, e.Result)
	if e.Text != "" {
		s += ": " + e.Text
	}
	return s
}

// Is makes errors.Is(err, ErrNotFound) and friends work.
func (e *StatusError) Is(target error) bool {
	return resultErrors[e.Result.Canonical()] == target && target != nil
}
