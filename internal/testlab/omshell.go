package testlab

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// Omshell runs omshell inside the namespace against the OMAPI port (7911
// primary, 7912 secondary) with the pair's key: the server, port, key and
// connect lines come first, then script. It returns omshell's output.
//
// Remember omshell's quirks: `close` before each `new`, and values print as
// hex bytes ("00:00:00:02") except the ones just set.
func (p *Pair) Omshell(ctx context.Context, port int, script string) (string, error) {
	head := fmt.Sprintf("server 127.0.0.1\nport %d\n", port)
	if p.KeyAlgorithm != "hmac-md5" {
		head += "key-algorithm " + p.KeyAlgorithm + "\n"
	}
	head += fmt.Sprintf("key %s %s\nconnect\n", p.KeyName, p.KeySecret)
	cmd := p.NS.Command(ctx, "omshell")
	cmd.Stdin = strings.NewReader(head + script)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// omshellValue extracts the last `name = 00:00:00:02` of out as a number.
func omshellValue(out, name string) (int, bool) {
	v, found := "", false
	for _, line := range strings.Split(out, "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), name+" = "); ok {
			v, found = rest, true
		}
	}
	if !found {
		return 0, false
	}
	n, err := strconv.ParseUint(strings.ReplaceAll(v, ":", ""), 16, 32)
	return int(n), err == nil
}

// FailoverState asks the server with omshell for the local and partner
// state of the failover peer (State* constants), so tests can cross-check
// what the exporter's own OMAPI client reports.
func (s *Server) FailoverState(ctx context.Context) (local, partner int, err error) {
	out, err := s.pair.Omshell(ctx, s.OMAPIPort, fmt.Sprintf("new failover-state\nset name = %q\nopen\n", s.pair.PeerName))
	if err != nil {
		return 0, 0, fmt.Errorf("omshell: %v: %s", err, out)
	}
	l, ok1 := omshellValue(out, "local-state")
	p, ok2 := omshellValue(out, "partner-state")
	if !ok1 || !ok2 {
		return 0, 0, fmt.Errorf("omshell: no failover state in %q", strings.TrimSpace(out))
	}
	return l, p, nil
}
