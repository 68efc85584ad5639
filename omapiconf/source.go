package omapiconf

import (
	"context"
	"log/slog"
	"net"
	"sync"

	"github.com/dhcpd-exporter/dhcpd_exporter/dhcpdconf"
	"github.com/dhcpd-exporter/dhcpd_exporter/omapi"
)

// Fixed always hands out the same client, whatever dhcpd.conf says: for a
// caller that builds its own (tests; a probe of a given address).
type Fixed struct{ cl *omapi.Client }

// NewFixed hands out cl.
func NewFixed(cl *omapi.Client) *Fixed { return &Fixed{cl} }

// Client returns the client.
func (f *Fixed) Client(*dhcpdconf.Config) (*omapi.Client, error) { return f.cl, nil }

// Stats are the client's counters.
func (f *Fixed) Stats() omapi.Stats { return f.cl.Stats() }

// Source follows the flags and dhcpd.conf: it works the settings out again
// (Resolve) whenever dhcpd.conf parsed anew or the key file named by the
// flag changed, and replaces its client when the address or the key
// changed. So an exporter started before dhcpd.conf was readable, or before
// its key was, picks them up without a restart. The flags win over
// dhcpd.conf.
type Source struct {
	address, keyFile string
	logger           *slog.Logger
	dial             func(ctx context.Context, network, address string) (net.Conn, error)

	mu       sync.Mutex
	resolved bool              // settings were worked out at least once
	conf     *dhcpdconf.Config // the configuration the settings were worked out from
	keyStamp dhcpdconf.Stamp   // of keyFile then
	settings *Settings         // nil until resolved
	err      error             // why there are no settings
	client   *omapi.Client     // for settings
	retired  omapi.Stats       // counters of the clients replaced
}

// NewSource follows the --omapi.address and --omapi.key-file flags ("" to
// take them from dhcpd.conf). logger (nil: nothing is logged) hears where
// dhcpd is, what looks wrong, and why it cannot be reached; dial may be
// nil.
func NewSource(address, keyFile string, logger *slog.Logger, dial func(ctx context.Context, network, address string) (net.Conn, error)) *Source {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Source{address: address, keyFile: keyFile, logger: logger, dial: dial}
}

// Client returns the client to use with conf, dhcpd.conf as last read (nil
// when none was ever read), or why there is none. The error is logged once,
// when it first occurs.
func (o *Source) Client(conf *dhcpdconf.Config) (*omapi.Client, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var stamp dhcpdconf.Stamp
	if o.keyFile != "" {
		stamp, _ = dhcpdconf.StampOf(o.keyFile) // an unreadable file fails Resolve, which says why
	}
	if o.resolved && conf == o.conf && stamp == o.keyStamp {
		return o.current()
	}
	o.resolved, o.conf, o.keyStamp = true, conf, stamp
	s, err := Resolve(o.address, o.keyFile, conf, nil)
	if err != nil {
		if o.err == nil || o.err.Error() != err.Error() {
			o.logger.Error("cannot work out how to reach dhcpd over OMAPI", "err", err)
		}
		o.err = err
		return o.current()
	}
	o.err = nil
	if s.same(o.settings) {
		return o.client, nil
	}
	for _, n := range s.Notes {
		o.logger.Info(n)
	}
	for _, w := range s.Warnings {
		o.logger.Warn(w)
	}
	if o.client != nil {
		o.logger.Info("OMAPI address or key changed; reconnecting", "address", s.Address)
		o.retired = addStats(o.retired, o.client.Stats())
		o.client.Close()
	}
	o.settings = s
	o.client = omapi.NewClient(omapi.Config{Address: s.Address, Key: s.Key, Dial: o.dial})
	return o.client, nil
}

// current is the client of the settings worked out last. When working them
// out again failed, that is the client of the settings before, if any:
// dhcpd runs the configuration it read at its start, so they may still be
// right.
func (o *Source) current() (*omapi.Client, error) {
	if o.client == nil {
		return nil, o.err
	}
	return o.client, nil
}

// Stats adds up the counters of every client handed out so far.
func (o *Source) Stats() omapi.Stats {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.client == nil {
		return addStats(o.retired, omapi.Stats{})
	}
	return addStats(o.retired, o.client.Stats())
}

// Close closes the current client's connection.
func (o *Source) Close() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.client != nil {
		o.client.Close()
	}
}

func addStats(a, b omapi.Stats) omapi.Stats {
	sum := omapi.Stats{
		Connects:         a.Connects + b.Connects,
		Requests:         a.Requests + b.Requests,
		Windows:          a.Windows + b.Windows,
		BytesRead:        a.BytesRead + b.BytesRead,
		FailuresByReason: map[omapi.FailureReason]uint64{},
	}
	for _, r := range omapi.Reasons() {
		sum.FailuresByReason[r] = a.FailuresByReason[r] + b.FailuresByReason[r]
	}
	return sum
}
