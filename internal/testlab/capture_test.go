package testlab

// TestCaptureOmshell regenerates omapi/testdata/omshell-capture.txt: the
// OMAPI messages omshell and a real dhcpd exchange, byte for byte, captured
// with tshark on lo inside the lab namespace. It only runs when asked to:
//
//	DHCPD_EXPORTER_CAPTURE=1 go test ./internal/testlab -run TestCaptureOmshell -v

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

const (
	captureFile = "../../omapi/testdata/omshell-capture.txt"
	// Throw-away secrets: one the client wrongly signs with, and the
	// hmac-sha256 server's.
	wrongSecret  = "d3Jvbmctc2VjcmV0LXh4eA=="
	sha256Secret = "c2hhMjU2LXRlc3Qta2V5LWZvci10aGUtbGFiLTEyMzQ="
)

// lookupsScript is what the lookups sessions do after connecting; omshell
// needs a close before each new.
const lookupsScript = `new failover-state
set name = "dhcp-failover"
open
close
new lease
set ip-address = 192.0.2.100
open
close
new lease
set ip-address = 192.0.2.50
open
close
new host
set name = "fixed1"
open
`

const oneOpenScript = `new failover-state
set name = "dhcp-failover"
open
`

// omshellSession is one omshell run, hence one TCP connection.
type omshellSession struct {
	name           string
	keyName        string // "" = no key line: unauthenticated
	alg, secret    string // what omshell signs with
	script         string
	comment        string // for the file header
	wantAllSigned  bool   // every client message after the authenticator is signed and valid
	clientSignedOK bool   // signed client messages verify with alg/secret
}

func TestCaptureOmshell(t *testing.T) {
	if os.Getenv("DHCPD_EXPORTER_CAPTURE") != "1" {
		t.Skip("set DHCPD_EXPORTER_CAPTURE=1 to regenerate " + captureFile)
	}
	Require(t)
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("needs tshark (apt-get install tshark)")
	}

	var body strings.Builder
	var sessionDocs []string
	for _, alg := range []string{"hmac-md5", "hmac-sha256"} {
		opts := PairOptions{KeyAlgorithm: alg}
		if alg == "hmac-sha256" {
			opts.KeySecret = sha256Secret
		}
		p := StartPair(t, opts)
		sessions := []omshellSession{{name: "lookups-" + alg, keyName: p.KeyName, alg: alg, secret: p.KeySecret,
			script: lookupsScript, wantAllSigned: true, clientSignedOK: true,
			comment: "the lookups script below"}}
		if alg == "hmac-md5" {
			sessions = append(sessions,
				omshellSession{name: "wrong-secret", keyName: p.KeyName, alg: alg, secret: wrongSecret, script: oneOpenScript,
					clientSignedOK: true, comment: fmt.Sprintf("key %s but secret %s (not the server's); one open of the failover-state", p.KeyName, wrongSecret)},
				omshellSession{name: "unknown-key", keyName: "no_such_key", alg: alg, secret: p.KeySecret, script: oneOpenScript,
					clientSignedOK: true, comment: "key no_such_key (the right secret); one open of the failover-state"},
				omshellSession{name: "no-key", script: oneOpenScript,
					comment: "no key at all; one open of the failover-state"})
		}
		fmt.Fprintf(&body, "key %s %s %s\n", p.KeyName, p.KeyAlgorithm, p.KeySecret)
		for i, lines := range captureSessions(t, p, sessions) {
			s := sessions[i]
			key := s.keyName
			if key == "" {
				key = "none"
			}
			fmt.Fprintf(&body, "session %s key=%s\n%s", s.name, key, strings.Join(lines, ""))
			sessionDocs = append(sessionDocs, fmt.Sprintf("#   %-20s %s\n", s.name+":", s.comment))
		}
	}

	out := captureHeader(strings.Join(sessionDocs, "")) + body.String()
	if err := os.WriteFile(captureFile, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s (%d bytes)", captureFile, len(out))
}

// captureSessions runs the sessions one after another against the pair's
// primary under tshark and returns, per session, the file's lines for its
// messages in stream order. It fails unless every signature checks out.
func captureSessions(t *testing.T, p *Pair, sessions []omshellSession) [][]string {
	t.Helper()
	pcap := filepath.Join(t.TempDir(), "omapi.pcap")
	stopCapture := startTshark(t, p, pcap)
	for _, s := range sessions {
		script := fmt.Sprintf("server 127.0.0.1\nport %d\n", p.Primary.OMAPIPort)
		if s.keyName != "" {
			if s.alg != "hmac-md5" {
				script += "key-algorithm " + s.alg + "\n"
			}
			script += fmt.Sprintf("key %s %s\n", s.keyName, s.secret)
		}
		script += "connect\n" + s.script
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		cmd := p.NS.Command(ctx, "omshell")
		cmd.Stdin = strings.NewReader(script)
		out, err := cmd.CombinedOutput()
		cancel()
		t.Logf("omshell session %s (%v):\n%s", s.name, err, out)
	}
	stopCapture()

	segs, err := readPcap(pcap)
	if err != nil {
		t.Fatal(err)
	}
	streams, err := tcpStreams(segs, uint16(p.Primary.OMAPIPort), 7912)
	if err != nil {
		t.Fatal(err)
	}
	if len(streams) != len(sessions) {
		t.Fatalf("captured %d TCP connections, want one per session (%d)", len(streams), len(sessions))
	}
	serverSecret, _ := base64.StdEncoding.DecodeString(p.KeySecret)
	var all [][]string
	for i, st := range streams {
		s := sessions[i]
		cm, err := splitOMAPI(st.client.data, st.client.frames)
		if err != nil {
			t.Fatalf("%s client: %v", s.name, err)
		}
		sm, err := splitOMAPI(st.server.data, st.server.frames)
		if err != nil {
			t.Fatalf("%s server: %v", s.name, err)
		}
		clientSecret, _ := base64.StdEncoding.DecodeString(s.secret)
		checkSigned(t, s.name+" client", cm, s.alg, clientSecret, s.clientSignedOK, s.wantAllSigned)
		checkSigned(t, s.name+" server", sm, p.KeyAlgorithm, serverSecret, true, s.wantAllSigned)
		all = append(all, interleave(cm, sm))
	}
	return all
}

// checkSigned verifies the signature of every signed message (the intro and
// the authenticator exchange are never signed). With wantValid false,
// signatures must fail instead: the wrong-secret client's must not pass.
func checkSigned(t *testing.T, what string, msgs []wireMessage, alg string, secret []byte, wantValid, wantAll bool) {
	t.Helper()
	for i, m := range msgs {
		if m.intro {
			continue
		}
		signed, valid, err := omapiSigned(m.raw, alg, secret)
		switch {
		case err != nil:
			t.Fatalf("%s message %d: %v", what, i, err)
		case signed && valid != wantValid:
			t.Fatalf("%s message %d: signature valid=%v with %s, want %v: %x", what, i, valid, alg, wantValid, m.raw)
		case !signed && wantAll && i > 1:
			t.Fatalf("%s message %d: unsigned: %x", what, i, m.raw)
		}
	}
}

// interleave merges both directions by the frame that completed each
// message, which on lo is the order they were sent in.
func interleave(client, server []wireMessage) []string {
	var lines []string
	line := func(dir string, m wireMessage) string {
		if m.intro {
			return fmt.Sprintf("%s intro %x\n", dir, m.raw)
		}
		return fmt.Sprintf("%s %s\n", dir, hex.EncodeToString(m.raw))
	}
	for len(client) > 0 || len(server) > 0 {
		if len(server) == 0 || (len(client) > 0 && client[0].frame <= server[0].frame) {
			lines, client = append(lines, line("c", client[0])), client[1:]
		} else {
			lines, server = append(lines, line("s", server[0])), server[1:]
		}
	}
	return lines
}

// startTshark captures OMAPI traffic on lo inside the namespace into a
// classic pcap file, and returns the function that stops it.
func startTshark(t *testing.T, p *Pair, pcap string) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	cmd := p.NS.Command(ctx, "tshark", "-i", "lo", "-f", "tcp port 7911 or tcp port 7912", "-F", "pcap", "-w", pcap, "-q")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// tshark says "Capturing on 'Loopback: lo'" once dumpcap has the
	// interface open; packets sent before that would be lost.
	ready := make(chan error, 1)
	go func() {
		var log strings.Builder
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			log.WriteString(sc.Text() + "\n")
			if strings.Contains(sc.Text(), "Capturing on") {
				ready <- nil
				for sc.Scan() { // drain, so tshark never blocks on stderr
				}
				return
			}
		}
		ready <- fmt.Errorf("tshark ended before capturing:\n%s", log.String())
	}()
	select {
	case err := <-ready:
		if err != nil {
			cancel()
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		cancel()
		t.Fatal("tshark did not start capturing within 30s")
	}
	return func() {
		time.Sleep(300 * time.Millisecond) // let the last FIN/ACKs land
		cmd.Process.Signal(syscall.SIGINT)
		cmd.Wait()
		cancel()
	}
}

// captureHeader documents how the file was made.
func captureHeader(sessionDocs string) string {
	version := func(name string, args ...string) string {
		out, _ := exec.Command(name, args...).CombinedOutput()
		for _, l := range strings.Split(string(out), "\n") {
			if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "Running as user") {
				return strings.TrimSuffix(l, ".")
			}
		}
		return "?"
	}
	return fmt.Sprintf(`# Byte-exact OMAPI traffic between omshell and a real ISC dhcpd, for the omapi
# package's codec and signature tests. Do not edit; regenerate as root with:
#   DHCPD_EXPORTER_CAPTURE=1 go test ./internal/testlab -run TestCaptureOmshell -v
# Captured %s with dhcpd %s and omshell of isc-dhcp-server %s
# (Debian 12), using %s.
#
# How: testlab.StartPair starts a dhcpd failover pair in a private network
# namespace (primary OMAPI on 127.0.0.1:7911 there) and waits for failover
# state normal on both. Then, inside the namespace,
#   tshark -i lo -f "tcp port 7911 or tcp port 7912" -F pcap -w omapi.pcap
# runs while each session below is one omshell process (one TCP connection)
# against the primary, its stdin being
#   server 127.0.0.1 / port 7911 / [key-algorithm ALG] / key NAME SECRET / connect
# followed by the session's script. The test then reassembles each TCP stream
# per direction by sequence number (segments may split or coalesce messages),
# cuts it into the 8-byte intro and whole messages (24-byte header; message
# and object name/value lists, each ended by 0x0000; authlen signature bytes)
# and checks every signed message: HMAC(secret, msg[4:len-authlen]) equals its
# last authlen bytes (the wrong-secret client's verify with that wrong secret).
# The hmac-sha256 session ran against a second pair configured with that key.
#
# Sessions:
%s#
# The lookups script (omshell needs "close" before each "new"):
#   new failover-state / set name = "dhcp-failover" / open / close /
#   new lease / set ip-address = 192.0.2.100 / open / close /
#   new lease / set ip-address = 192.0.2.50 / open (no such lease) / close /
#   new host / set name = "fixed1" / open
#
# Format: "key NAME ALGORITHM BASE64-SECRET" is the server's key (a later line
# replaces an earlier one of the same name for the sessions after it);
# "session NAME key=KEYNAME|none"; then one line per message in stream order:
# "c" (omshell) or "s" (dhcpd), then "intro HEX" or the hex of one whole
# message including its signature. All secrets are throw-away test secrets.
`, time.Now().UTC().Format("2006-01-02"), version("dhcpd", "--version"),
		version("dpkg-query", "-W", "-f", "${Version}", "isc-dhcp-server"), version("tshark", "--version"), sessionDocs)
}
