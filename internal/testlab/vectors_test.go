package testlab

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"os"
	"strings"
	"testing"
)

// The checked-in capture stays self-consistent: intros, whole messages that
// frame exactly, and signatures that verify with the keys it names. Needs
// neither root nor dhcpd.
func TestCaptureFileVectors(t *testing.T) {
	f, err := os.Open(captureFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type key struct{ alg, secret string }
	keys := map[string]key{}
	var server key // the last key line is the server's
	var session, keyName string
	verified := map[string]int{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		switch fields[0] {
		case "key":
			keys[fields[1]] = key{fields[2], fields[3]}
			server = keys[fields[1]]
		case "session":
			session, keyName = fields[1], strings.TrimPrefix(fields[2], "key=")
			verified[session] = 0
		case "c", "s":
			if fields[1] == "intro" {
				if fields[2] != hex.EncodeToString(omapiIntro) {
					t.Errorf("line %d: intro %s", n, fields[2])
				}
				continue
			}
			raw, err := hex.DecodeString(fields[1])
			if err != nil {
				t.Fatalf("line %d: %v", n, err)
			}
			if l, err := omapiMessageLen(raw); err != nil || l != len(raw) {
				t.Fatalf("line %d: message frames as %d of %d bytes: %v", n, l, len(raw), err)
			}
			k, ok := keys[keyName]
			if fields[0] == "s" {
				k, ok = server, true
			}
			secret := k.secret
			if session == "wrong-secret" && fields[0] == "c" {
				secret = wrongSecret
			}
			if !ok {
				continue
			}
			sec, _ := base64.StdEncoding.DecodeString(secret)
			signed, valid, err := omapiSigned(raw, k.alg, sec)
			if err != nil || (signed && !valid) {
				t.Errorf("line %d (session %s): signature does not verify with %s %s: %v", n, session, k.alg, secret, err)
			}
			if signed && valid {
				verified[session]++
			}
		default:
			t.Fatalf("line %d: unknown line %q", n, fields[0])
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	// The lookups sessions: 4 requests and 4 replies signed each.
	for _, s := range []string{"lookups-hmac-md5", "lookups-hmac-sha256"} {
		if verified[s] != 8 {
			t.Errorf("session %s: %d verified signatures, want 8", s, verified[s])
		}
	}
	if verified["wrong-secret"] == 0 {
		t.Errorf("session wrong-secret: no signed request verified with the wrong secret")
	}
}

// The reassembly does not care how segments cut the stream.
func TestStreamReassemblyAndSplit(t *testing.T) {
	msg := func(authlen byte, sig byte) []byte {
		b := []byte{0, 0, 0, 1, 0, 0, 0, authlen, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0}
		b = append(b, 0, 4, 't', 'y', 'p', 'e', 0, 0, 0, 5, 'l', 'e', 'a', 's', 'e', 0, 0, 0, 0)
		return append(b, bytes.Repeat([]byte{sig}, int(authlen))...)
	}
	stream := append(append(append([]byte{}, omapiIntro...), msg(16, 0xaa)...), msg(0, 0)...)
	// Out of order, overlapping (a retransmission) and coalesced segments.
	cuts := [][2]int{{30, 50}, {0, 5}, {5, 31}, {20, 40}, {50, len(stream)}}
	var segs []tcpSegment
	segs = append(segs, tcpSegment{srcPort: 40000, dstPort: 7911, seq: 0xfffffff0, syn: true},
		tcpSegment{srcPort: 7911, dstPort: 40000, seq: 5, syn: true})
	for i, c := range cuts {
		segs = append(segs, tcpSegment{frame: i + 2, srcPort: 40000, dstPort: 7911, seq: 0xfffffff1 + uint32(c[0]), payload: stream[c[0]:c[1]]})
	}
	segs = append(segs, tcpSegment{frame: 9, srcPort: 7911, dstPort: 40000, seq: 6, payload: omapiIntro})
	streams, err := tcpStreams(segs, 7911)
	if err != nil || len(streams) != 1 {
		t.Fatalf("%v %v", streams, err)
	}
	if !bytes.Equal(streams[0].client.data, stream) {
		t.Fatalf("reassembled %x\nwant %x", streams[0].client.data, stream)
	}
	msgs, err := splitOMAPI(streams[0].client.data, streams[0].client.frames)
	if err != nil || len(msgs) != 3 || len(msgs[1].raw) != len(msg(16, 0xaa)) || msgs[2].frame != 6 {
		t.Fatalf("split: %+v %v", msgs, err)
	}
	if _, err := tcpStreams(append(segs[:3:3], segs[4:]...), 7911); err == nil {
		t.Fatal("a gap went unnoticed")
	}
}
