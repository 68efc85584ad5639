package omapi

import (
	"context"
	"errors"
	"net"
)

// FailureReason says why an OMAPI exchange failed. Stats counts failures by
// reason, and Reason classifies an error a Client returned, so that a caller
// can tell "dhcpd rejected the key" from "dhcpd does not answer".
type FailureReason string

const (
	// ReasonConnect: the client could not reach dhcpd or lost the
	// connection. The dial failed (connection refused: no dhcpd, or no
	// omapi-port in dhcpd.conf; host or network unreachable; a name that does
	// not resolve; an error from Config.Dial), or the connection was closed or
	// reset under the client (ErrClosed, ErrReconnected), before the intro and
	// authentication completed or during an exchange. dhcpd closes a
	// connection without answering when it exits or restarts, and when it
	// rejects a message outright (omapip/protocol.c:737-740 disconnects when
	// processing a message fails, e.g. one answering an id dhcpd never sent,
	// omapip/message.c:405-417); the client never sends such messages, so a
	// closed connection counts here, as a lost connection. A call whose
	// connection Client.Close closed under it counts here too.
	ReasonConnect FailureReason = "connect"
	// ReasonTimeout: the caller's context ended (its deadline passed, or it
	// was cancelled: for a scrape, the scraper gave up) or a socket deadline
	// expired, while dialling, during the intro, the authentication or an
	// exchange, or while waiting for the connection another caller of the
	// same Client held. dhcpd is single-threaded: it answers late while it
	// is busy (writing dhcpd.leases, say) and never while it is stopped;
	// the kernel still completes connections into its listener's backlog
	// then (omapi_protocol_listen with a backlog of 1,
	// server/dhcpd.c:135-136) and a dial beyond that waits, so a hung dhcpd
	// shows up here, not as connect. errors.Is(err,
	// context.DeadlineExceeded) (or context.Canceled) holds for these
	// errors.
	ReasonTimeout FailureReason = "timeout"
	// ReasonAuth: dhcpd rejected the client's key, or a reply's signature
	// did not verify. dhcpd answers the authenticator OPEN with a STATUS
	// instead of the authenticator: NOTFOUND, "no object matches
	// specification" (omapip/message.c:546-553), when it has no key of that
	// name and algorithm (omapip/auth.c:131-190), which is ErrKeyUnknown;
	// INVALIDKEY, "can't select authenticator" (omapip/message.c:616-623),
	// when the key exists but is not dhcpd's omapi-key (verify_auth,
	// server/dhcpd.c:118-122). With a wrong secret the authenticator is
	// accepted and every signed request is answered INVALIDKEY
	// (omapip/protocol.c:712-732), which is ErrInvalidKey; without a key,
	// a dhcpd that has an omapi-key answers NOKEYS, "No authenticator on
	// message" (omapip/message.c:421-429, 458-465), which is ErrNoKeys.
	// ErrBadSignature (a reply whose HMAC does not verify) counts here too.
	// Do fails on the first INVALIDKEY or NOKEYS reply: dhcpd would answer
	// every further request the same way.
	ReasonAuth FailureReason = "auth"
	// ReasonProtocol: dhcpd, or whatever answered, sent something the client
	// cannot accept: an intro with another version or header size, a
	// malformed frame or an impossible authlen (ErrProtocol), a message over
	// Config.MaxMessageSize (ErrMessageTooLarge), a reply to another request
	// id, a reply signed on an unauthenticated connection or unsigned on an
	// authenticated one (other than the unsigned INVALIDKEY and NOKEYS
	// STATUS dhcpd sends), a reply with an unexpected opcode, or a STATUS
	// without a result (a *DecodeError). Apart from a message over the cap
	// (a lease with very many variables), dhcpd 4.4.3 sends none of these:
	// they mean another service on the port, or a corrupted stream. Stats
	// counts those that fail the exchange; one that only fails its own
	// request (a Response.Err with an unexpected opcode or a STATUS without
	// a result, or a decode error of the typed lookups) is classified
	// protocol by Reason but not counted, as the exchange went on.
	ReasonProtocol FailureReason = "protocol"
)

var reasons = []FailureReason{ReasonConnect, ReasonTimeout, ReasonAuth, ReasonProtocol}

// Reasons lists every FailureReason, in a fixed order, so that a caller can
// export a series for each, zeros included.
func Reasons() []FailureReason { return append([]FailureReason(nil), reasons...) }

// Reason classifies an error returned by a Client (Do, Ping, the typed
// lookups and writes, or a per-request error of their results). It returns
// "" for nil and for errors that are not failures of the exchange: a request
// refused before sending (ErrReadOnly, ErrInvalidRequest) and dhcpd's answer
// about one object (ErrNotFound, ErrMultiple and the other *StatusError
// results except the key rejections). An error that fits several reasons
// takes the first of auth, timeout, protocol, connect: "closed; reconnecting
// failed: timed out" is a timeout, and a reconnect that met a rejected key
// is auth. Any other error is connect.
func Reason(err error) FailureReason {
	if err == nil {
		return ""
	}
	var (
		ar *authRejected
		de *DecodeError
		se *StatusError
	)
	switch {
	case errors.Is(err, ErrReadOnly), errors.Is(err, ErrInvalidRequest):
		return ""
	case errors.As(err, &ar), errors.Is(err, ErrInvalidKey), errors.Is(err, ErrKeyUnknown),
		errors.Is(err, ErrNoKeys), errors.Is(err, ErrBadSignature):
		return ReasonAuth
	case isTimeout(err):
		return ReasonTimeout
	case errors.Is(err, ErrProtocol), errors.Is(err, ErrMessageTooLarge), errors.As(err, &de):
		return ReasonProtocol
	case errors.As(err, &se):
		return ""
	}
	return ReasonConnect
}

func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// authRejected marks dhcpd's STATUS answer to the authenticator OPEN: it
// refused the key, whatever the result code says.
type authRejected struct{ err error }

func (e *authRejected) Error() string { return e.err.Error() }
func (e *authRejected) Unwrap() error { return e.err }

// failureCounts counts failures by reason, in the order of reasons.
type failureCounts [4]uint64

// add counts a failure; "" (Reason's answer for an error that is not a
// failure of the exchange) is not counted.
func (f *failureCounts) add(r FailureReason) {
	for i, x := range reasons {
		if x == r {
			f[i]++
			return
		}
	}
}

func (f *failureCounts) byReason() map[FailureReason]uint64 {
	m := make(map[FailureReason]uint64, len(reasons))
	for i, r := range reasons {
		m[r] = f[i]
	}
	return m
}
