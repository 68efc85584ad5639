// Package labclient gives tests an OMAPI client for a server of the real
// dhcpd lab (internal/testlab), with the lab's key, dialling inside the
// lab's network namespace. testlab itself imports nothing of the module, so
// that the client under test is not needed to run the lab.
package labclient

import (
	"encoding/base64"
	"testing"

	"github.com/dhcpd-exporter/dhcpd_exporter/internal/testlab"
	"github.com/dhcpd-exporter/dhcpd_exporter/omapi"
)

// New returns a read-only client of s, closed when tb ends.
func New(tb testing.TB, p *testlab.Pair, s *testlab.Server) *omapi.Client {
	tb.Helper()
	cl := omapi.NewClient(omapi.Config{Address: s.OMAPIAddr, Key: Key(tb, p), Dial: p.NS.DialContext})
	tb.Cleanup(func() { cl.Close() })
	return cl
}

// Key is the lab's OMAPI key.
func Key(tb testing.TB, p *testlab.Pair) *omapi.Key {
	tb.Helper()
	secret, err := base64.StdEncoding.DecodeString(p.KeySecret)
	if err != nil {
		tb.Fatal(err)
	}
	key, err := omapi.NewKey(p.KeyName, p.KeyAlgorithm, secret)
	if err != nil {
		tb.Fatal(err)
	}
	return key
}
