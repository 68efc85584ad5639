package collector

import (
	"context"
	"net"
	"sync"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"

	"github.com/dhcpd-exporter/dhcpd_exporter/dhcpdconf"
	"github.com/dhcpd-exporter/dhcpd_exporter/omapi"
)

// OMAPI gives a scrape its OMAPI client.
type OMAPI interface {
	// Client returns the client to use in this scrape, given dhcpd.conf as
	// loaded for it (nil when none was ever read), or why there is none.
	Client(conf *dhcpdconf.Config) (*omapi.Client, error)
	// Stats adds up the counters of every client handed out so far.
	Stats() omapi.Stats
}

// FixedOMAPI always hands out cl.
func FixedOMAPI(cl *omapi.Client) OMAPI { return fixedOMAPI{cl} }

type fixedOMAPI struct{ cl *omapi.Client }

func (f fixedOMAPI) Client(*dhcpdconf.Config) (*omapi.Client, error) { return f.cl, nil }
func (f fixedOMAPI) Stats() omapi.Stats                              { return f.cl.Stats() }

// OMAPIFromConfig follows the flags and dhcpd.conf: it works the settings
// out again (ResolveOMAPI) whenever dhcpd.conf parsed anew or the key file
// named by the flag changed, and replaces its client when the address or
// the key changed. So an exporter started before dhcpd.conf was readable,
// or before its key was, picks them up without a restart. The flags win
// over dhcpd.conf.
type OMAPIFromConfig struct {
	address, keyFile string
	logger           log.Logger
	dial             func(ctx context.Context, network, address string) (net.Conn, error)

	mu       sync.Mutex
	resolved bool              // settings were worked out at least once
	conf     *dhcpdconf.Config // the configuration the settings were worked out from
	keyStamp dhcpdconf.Stamp   // of keyFile then
	settings *OMAPISettings    // nil until resolved
	err      error             // why there are no settings
	client   *omapi.Client     // for settings
	retired  omapi.Stats       // counters of the clients replaced
}

// NewOMAPIFromConfig follows the --omapi.address and --omapi.key-file flags
// ("" to take them from dhcpd.conf). dial may be nil.
func NewOMAPIFromConfig(address, keyFile string, logger log.Logger, dial func(ctx context.Context, network, address string) (net.Conn, error)) *OMAPIFromConfig {
	if logger == nil {
		logger = log.NewNopLogger()
	}
	return &OMAPIFromConfig{address: address, keyFile: keyFile, logger: logger, dial: dial}
}

func (o *OMAPIFromConfig) Client(conf *dhcpdconf.Config) (*omapi.Client, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var stamp dhcpdconf.Stamp
	if o.keyFile != "" {
		stamp, _ = dhcpdconf.StampOf(o.keyFile) // an unreadable file fails ResolveOMAPI, which says why
	}
	if o.resolved && conf == o.conf && stamp == o.keyStamp {
		return o.current()
	}
	o.resolved, o.conf, o.keyStamp = true, conf, stamp
	s, err := ResolveOMAPI(o.address, o.keyFile, conf, nil)
	if err != nil {
		if o.err == nil || o.err.Error() != err.Error() {
			level.Error(o.logger).Log("msg", "cannot work out how to reach dhcpd over OMAPI", "err", err)
		}
		o.err = err
		return o.current()
	}
	o.err = nil
	if s.Same(o.settings) {
		return o.client, nil
	}
	for _, n := range s.Notes {
		level.Info(o.logger).Log("msg", n)
	}
	for _, w := range s.Warnings {
		level.Warn(o.logger).Log("msg", w)
	}
	if o.client != nil {
		level.Info(o.logger).Log("msg", "OMAPI address or key changed; reconnecting", "address", s.Address)
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
func (o *OMAPIFromConfig) current() (*omapi.Client, error) {
	if o.client == nil {
		return nil, o.err
	}
	return o.client, nil
}

func (o *OMAPIFromConfig) Stats() omapi.Stats {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.client == nil {
		return addStats(o.retired, omapi.Stats{})
	}
	return addStats(o.retired, o.client.Stats())
}

// Close closes the current client's connection.
func (o *OMAPIFromConfig) Close() {
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
