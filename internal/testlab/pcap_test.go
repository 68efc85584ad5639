package testlab

// A minimal reader for what tshark writes with -F pcap on lo, and TCP
// reassembly per direction. Kept here, independent of the omapi package,
// because its output is what the omapi codec is tested against.

import (
	"encoding/binary"
	"fmt"
	"os"
	"slices"
)

// tcpSegment is one captured TCP segment; frame is its index in the file,
// which on lo is the order the kernel sent them in.
type tcpSegment struct {
	frame            int
	srcPort, dstPort uint16
	seq              uint32
	syn              bool
	payload          []byte
}

// readPcap returns the TCP/IPv4 segments of a classic pcap file with
// Ethernet framing (Linux lo shows up as Ethernet with zero addresses).
func readPcap(path string) ([]tcpSegment, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) < 24 {
		return nil, fmt.Errorf("%s: too short for a pcap header", path)
	}
	var bo binary.ByteOrder
	switch binary.LittleEndian.Uint32(b) {
	case 0xa1b2c3d4, 0xa1b23c4d: // µs or ns timestamps; only the order matters here
		bo = binary.LittleEndian
	case 0xd4c3b2a1, 0x4d3cb2a1:
		bo = binary.BigEndian
	default:
		return nil, fmt.Errorf("%s: not a classic pcap file (magic %x; pcapng?)", path, b[:4])
	}
	if lt := bo.Uint32(b[20:]); lt != 1 {
		return nil, fmt.Errorf("%s: link type %d, want 1 (Ethernet)", path, lt)
	}
	var segs []tcpSegment
	for off, frame := 24, 0; off < len(b); frame++ {
		if off+16 > len(b) {
			return nil, fmt.Errorf("%s: truncated record header at %d", path, off)
		}
		n := int(bo.Uint32(b[off+8:]))
		if off+16+n > len(b) {
			return nil, fmt.Errorf("%s: truncated record at %d", path, off)
		}
		if s, ok := parseTCP(b[off+16 : off+16+n]); ok {
			s.frame = frame
			segs = append(segs, s)
		}
		off += 16 + n
	}
	return segs, nil
}

// parseTCP decodes Ethernet/IPv4/TCP; ok is false for anything else.
func parseTCP(f []byte) (s tcpSegment, ok bool) {
	if len(f) < 14 || binary.BigEndian.Uint16(f[12:]) != 0x0800 {
		return s, false
	}
	ip := f[14:]
	if len(ip) < 20 || ip[0]>>4 != 4 || ip[9] != 6 {
		return s, false
	}
	ihl, total := int(ip[0]&0x0f)*4, int(binary.BigEndian.Uint16(ip[2:]))
	if total > len(ip) || ihl+20 > total {
		return s, false // snapped or malformed
	}
	tcp := ip[ihl:total]
	doff := int(tcp[12]>>4) * 4
	if doff < 20 || doff > len(tcp) {
		return s, false
	}
	return tcpSegment{
		srcPort: binary.BigEndian.Uint16(tcp[0:]),
		dstPort: binary.BigEndian.Uint16(tcp[2:]),
		seq:     binary.BigEndian.Uint32(tcp[4:]),
		syn:     tcp[13]&0x02 != 0,
		payload: tcp[doff:],
	}, true
}

// tcpStream is one connection to a server port, in order of its SYN.
type tcpStream struct {
	clientPort, serverPort uint16
	client, server         streamHalf
}

// streamHalf is the reassembled byte stream of one direction; frames[i] is
// the first frame that carried data[i].
type streamHalf struct {
	data   []byte
	frames []int
}

// tcpStreams groups segments into connections to one of serverPorts and
// reassembles both directions by sequence number, so that segments that
// split or coalesce application messages don't matter. Retransmitted bytes
// keep their first frame. A gap is an error.
func tcpStreams(segs []tcpSegment, serverPorts ...uint16) ([]*tcpStream, error) {
	type key struct{ client, server uint16 }
	type dir struct {
		isn    uint32
		hasSYN bool
		segs   []tcpSegment
	}
	byKey := map[key]*[2]dir{}
	var order []key
	for _, s := range segs {
		var k key
		toServer := slices.Contains(serverPorts, s.dstPort)
		switch {
		case toServer:
			k = key{s.srcPort, s.dstPort}
		case slices.Contains(serverPorts, s.srcPort):
			k = key{s.dstPort, s.srcPort}
		default:
			continue
		}
		d := byKey[k]
		if d == nil {
			d = &[2]dir{}
			byKey[k] = d
			order = append(order, k)
		}
		h := &d[1]
		if toServer {
			h = &d[0]
		}
		if s.syn && !h.hasSYN {
			h.isn, h.hasSYN = s.seq, true
		}
		if len(s.payload) > 0 {
			h.segs = append(h.segs, s)
		}
	}
	var out []*tcpStream
	for _, k := range order {
		d := byKey[k]
		st := &tcpStream{clientPort: k.client, serverPort: k.server}
		for i, h := range []*streamHalf{&st.client, &st.server} {
			if !d[i].hasSYN {
				return nil, fmt.Errorf("stream %d<->%d: SYN not captured (capture started late?)", k.client, k.server)
			}
			if err := h.assemble(d[i].isn+1, d[i].segs); err != nil {
				return nil, fmt.Errorf("stream %d<->%d: %v", k.client, k.server, err)
			}
		}
		out = append(out, st)
	}
	return out, nil
}

func (h *streamHalf) assemble(start uint32, segs []tcpSegment) error {
	for _, s := range segs {
		off := int(s.seq - start) // uint32 arithmetic survives sequence wrap
		end := off + len(s.payload)
		if off < 0 || end > 1<<24 {
			return fmt.Errorf("segment at seq %d outside the stream", s.seq)
		}
		for len(h.data) < end {
			h.data = append(h.data, 0)
			h.frames = append(h.frames, -1)
		}
		for i, c := range s.payload {
			if h.frames[off+i] < 0 {
				h.data[off+i], h.frames[off+i] = c, s.frame
			}
		}
	}
	if i := slices.Index(h.frames, -1); i >= 0 {
		return fmt.Errorf("gap at byte %d of %d", i, len(h.data))
	}
	return nil
}
