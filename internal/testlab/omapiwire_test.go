package testlab

// Just enough OMAPI framing to cut a reassembled byte stream into messages
// and check signatures, written from the wire description (docs/omapi.md
// §3, §6.3) rather than taken from the omapi package, whose codec the
// resulting vectors test.

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"fmt"
	"hash"
)

const omapiHeaderLen = 24 // authid, authlen, op, handle, id, rid

// wireMessage is one message of a stream: the intro, or a whole message
// from its header to the end of its signature.
type wireMessage struct {
	intro bool
	raw   []byte
	frame int // frame that completed it, for ordering the two directions
}

// splitOMAPI cuts one direction of a connection into the 8-byte intro and
// the messages that follow; frames[i] is the frame that carried byte i.
func splitOMAPI(b []byte, frames []int) ([]wireMessage, error) {
	if len(b) < 8 {
		return nil, fmt.Errorf("stream of %d bytes has no intro", len(b))
	}
	msgs := []wireMessage{{intro: true, raw: b[:8], frame: frames[7]}}
	for off := 8; off < len(b); {
		n, err := omapiMessageLen(b[off:])
		if err != nil {
			return nil, fmt.Errorf("message at byte %d: %v", off, err)
		}
		msgs = append(msgs, wireMessage{raw: b[off : off+n], frame: frames[off+n-1]})
		off += n
	}
	return msgs, nil
}

// omapiMessageLen is the length of the message at the start of b: header,
// message values up to their 0x0000 terminator, object values up to theirs,
// then authlen bytes of signature.
func omapiMessageLen(b []byte) (int, error) {
	if len(b) < omapiHeaderLen {
		return 0, fmt.Errorf("%d bytes left, less than a header", len(b))
	}
	authlen := int(binary.BigEndian.Uint32(b[4:]))
	off := omapiHeaderLen
	for lists := 0; lists < 2; {
		if off+2 > len(b) {
			return 0, fmt.Errorf("truncated in value list %d", lists)
		}
		nameLen := int(binary.BigEndian.Uint16(b[off:]))
		off += 2
		if nameLen == 0 {
			lists++
			continue
		}
		off += nameLen
		if off+4 > len(b) {
			return 0, fmt.Errorf("truncated value length")
		}
		off += 4 + int(binary.BigEndian.Uint32(b[off:]))
	}
	off += authlen
	if off > len(b) {
		return 0, fmt.Errorf("truncated: need %d bytes, have %d", off, len(b))
	}
	return off, nil
}

// hmacFor maps a dhcpd key algorithm to its hash.
func hmacFor(alg string) (func() hash.Hash, error) {
	h, ok := map[string]func() hash.Hash{
		"hmac-md5": md5.New, "hmac-sha1": sha1.New, "hmac-sha224": sha256.New224,
		"hmac-sha256": sha256.New, "hmac-sha384": sha512.New384, "hmac-sha512": sha512.New,
	}[alg]
	if !ok {
		return nil, fmt.Errorf("unknown key algorithm %q", alg)
	}
	return h, nil
}

// omapiSigned reports whether msg carries a signature, and if so whether
// it is HMAC(secret, msg[4:len-authlen]): everything after the authid up to
// the signature.
func omapiSigned(msg []byte, alg string, secret []byte) (signed, valid bool, err error) {
	authlen := int(binary.BigEndian.Uint32(msg[4:]))
	if authlen == 0 {
		return false, false, nil
	}
	h, err := hmacFor(alg)
	if err != nil {
		return true, false, err
	}
	mac := hmac.New(h, secret)
	if authlen != mac.Size() {
		return true, false, fmt.Errorf("authlen %d, but %s signatures have %d bytes", authlen, alg, mac.Size())
	}
	mac.Write(msg[4 : len(msg)-authlen])
	return true, bytes.Equal(mac.Sum(nil), msg[len(msg)-authlen:]), nil
}
