// Package collector turns what the omapi and leasefile packages read into
// Prometheus metrics, at scrape time. It follows node_exporter's shape: a
// registry of named collectors, each toggled by --collector.<name>, each
// reported by dhcpd_scrape_collector_{duration_seconds,success}.
package collector

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"sync"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/dhcpd-exporter/dhcpd_exporter/dhcpdconf"
	"github.com/dhcpd-exporter/dhcpd_exporter/omapi"
)

const namespace = "dhcpd"

// subCollector is one data source turned into metrics: one of the
// collectors --collector.<name> turns on or off.
type subCollector interface {
	// families lists every family the collector can emit.
	families() []*family
	// Update emits the collector's series for one scrape.
	Update(ctx context.Context, s *scrape, out *sink) error
}

// scrape is what one scrape shares between collectors.
type scrape struct {
	// OMAPI is the connected, authenticated client, or nil when dhcpd did not
	// answer in this scrape (then OMAPI collectors do not run).
	OMAPI  *omapi.Client
	Config *dhcpdconf.Source
	Logger log.Logger

	// dhcpd.conf as loaded once at the start of the scrape.
	cfg    *dhcpdconf.Config
	cfgErr error

	labels *poolLabelCache
}

// poolLabels returns the label sets of the pools of cfg, the scrape's
// configuration.
func (s *scrape) poolLabels(cfg *dhcpdconf.Config) map[*dhcpdconf.Pool]*poolLabelSet {
	return s.labels.of(cfg)
}

// conf is dhcpd.conf for this scrape: the last configuration that parsed,
// even when the files have a typo now (see dhcpdconf.Source), or the reason
// there is none.
func (s *scrape) conf() (*dhcpdconf.Config, error) {
	switch {
	case s.Config == nil:
		return nil, errNoConfig
	case s.cfg == nil:
		return nil, s.cfgErr
	}
	return s.cfg, nil
}

func (s *scrape) logWarn(keyvals ...any) {
	if s.Logger != nil {
		level.Warn(s.Logger).Log(keyvals...)
	}
}

// errNoConfig is returned by collectors that need dhcpd.conf when none is set.
var errNoConfig = errors.New("no dhcpd.conf configured")

type registration struct {
	defaultEnabled bool
	needsOMAPI     bool
	factory        func(Options) (subCollector, error)
}

var registry = map[string]registration{}

// register adds a collector; called from init functions.
func register(name string, defaultEnabled, needsOMAPI bool, factory func(Options) (subCollector, error)) {
	registry[name] = registration{defaultEnabled, needsOMAPI, factory}
}

// Names lists the registered collectors, sorted.
func Names() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// DefaultEnabled reports whether a collector runs unless disabled.
func DefaultEnabled(name string) bool { return registry[name].defaultEnabled }

// NeedsOMAPI reports whether a collector talks to dhcpd over OMAPI.
func NeedsOMAPI(name string) bool { return registry[name].needsOMAPI }

// OMAPI gives a scrape its OMAPI client: an *omapiconf.Source, which
// follows the flags and dhcpd.conf, or an *omapiconf.Fixed.
type OMAPI interface {
	// Client returns the client to use in this scrape, given dhcpd.conf as
	// loaded for it (nil when none was ever read), or why there is none.
	Client(conf *dhcpdconf.Config) (*omapi.Client, error)
	// Stats adds up the counters of every client handed out so far.
	Stats() omapi.Stats
}

// Options configure an Exporter.
type Options struct {
	Logger log.Logger
	// OMAPI gives the read-only client that talks to dhcpd. It may be nil
	// when no enabled collector needs OMAPI (files only): then the exporter
	// never contacts dhcpd and exports no dhcpd_up.
	OMAPI OMAPI
	// Config reads dhcpd.conf (and its includes) when it changes.
	Config *dhcpdconf.Source
	// FailoverPeers to poll (--collector.failover.peer); empty means every
	// peer declared in dhcpd.conf.
	FailoverPeers []string
	// LeasesFile is dhcpd.leases.
	LeasesFile string
	// LeaseStates are the states of dhcpd_pool_leases to export
	// (--collector.leases.states): binding state names as dhcpd writes
	// them, or "reserved" (leasefile.Buckets). Empty means all. Each state
	// left out saves one series per pool.
	LeaseStates []string
	// SentinelAddresses are sentinel leases whose live state is exported.
	SentinelAddresses []netip.Addr
	// Now is the clock, for tests; nil means time.Now.
	Now func() time.Time
	// Enabled selects collectors by name; a name not in the map uses its default.
	Enabled map[string]bool
}

// Exporter runs the enabled collectors.
type Exporter struct {
	opts       Options
	logger     log.Logger
	collectors map[string]subCollector
	needsOMAPI map[string]bool
	usesOMAPI  bool // some enabled collector needs OMAPI
	status     statusBook
	labels     poolLabelCache
	names      []string  // the enabled collectors, sorted
	sinks      sync.Pool // of *[]*sink for a scrape, see scrape
}

// New builds an Exporter with the enabled collectors.
func New(opts Options) (*Exporter, error) {
	if opts.Logger == nil {
		opts.Logger = log.NewNopLogger()
	}
	e := &Exporter{opts: opts, logger: opts.Logger, collectors: map[string]subCollector{}, needsOMAPI: map[string]bool{}}
	for name, reg := range registry {
		on, set := opts.Enabled[name]
		if !set {
			on = reg.defaultEnabled
		}
		if !on {
			continue
		}
		c, err := reg.factory(opts)
		if err != nil {
			return nil, fmt.Errorf("collector %s: %w", name, err)
		}
		e.collectors[name] = c
		e.needsOMAPI[name] = reg.needsOMAPI
		e.usesOMAPI = e.usesOMAPI || reg.needsOMAPI
	}
	if e.usesOMAPI && opts.OMAPI == nil {
		return nil, errors.New("collector: OMAPI collectors are enabled but no OMAPI client is given")
	}
	e.names = e.EnabledCollectors()
	return e, nil
}

var (
	upFamily = newGauge(namespace+"_up",
		"1 when dhcpd answered OMAPI and accepted the key in this scrape, else 0 (and no OMAPI-derived series are exported).")
	durationFamily = newGauge(namespace+"_scrape_collector_duration_seconds",
		"Time a collector took in this scrape.", "collector")
	successFamily = newGauge(namespace+"_scrape_collector_success",
		"1 when a collector succeeded in this scrape, else 0.", "collector")
	omapiRequestsFamily = newCounter(namespace+"_exporter_omapi_requests_total",
		"OMAPI requests the exporter sent to dhcpd.")
	omapiWindowsFamily = newCounter(namespace+"_exporter_omapi_windows_total",
		"Pipelined OMAPI request windows the exporter sent (each kept under dhcpd's 4 KB output buffer).")
	omapiConnectsFamily = newCounter(namespace+"_exporter_omapi_connects_total",
		"OMAPI connections the exporter established and authenticated.")
	omapiFailuresFamily = newCounter(namespace+"_exporter_omapi_failures_total",
		"OMAPI exchanges that failed, by reason: connect (refused, unreachable, connection closed or reset), timeout (dhcpd did not answer in time, or another scrape held the connection), auth (dhcpd rejected the key, or a reply's signature did not verify), protocol (a malformed, oversized or unexpected reply).",
		"reason")
	configReloadFamily = newGauge(namespace+"_config_last_reload_successful",
		"1 when dhcpd.conf (with its includes) parsed when last read, else 0: then the exporter goes on with the configuration that parsed last, as dhcpd does until it restarts.")
	configReloadTimeFamily = newGauge(namespace+"_config_last_reload_success_timestamp_seconds",
		"When the dhcpd.conf in use was read (the last read that parsed); 0 when none did.")
)

// Collector returns a prometheus.Collector whose Collect runs one scrape
// bounded by ctx.
func (e *Exporter) Collector(ctx context.Context) prometheus.Collector {
	return &boundExporter{e: e, ctx: ctx}
}

type boundExporter struct {
	e   *Exporter
	ctx context.Context
}

func (b *boundExporter) Describe(ch chan<- *prometheus.Desc) { b.e.Describe(ch) }

// Collect sends the scrape's series through the registry, which checks
// them; the handler skips that (see family). The sinks are not reused: the
// registry may write a metric after Collect returned.
func (b *boundExporter) Collect(ch chan<- prometheus.Metric) {
	for _, s := range b.e.scrape(b.ctx) {
		for _, fb := range s.order {
			for _, m := range fb.toDTO().Metric {
				ch <- builtMetric{desc: fb.f.desc, m: m}
			}
		}
	}
}

// gather runs one scrape and returns the families it emitted, sorted by
// name, valid until release is called.
func (e *Exporter) gather(ctx context.Context) (fams []*familyBuffer, release func()) {
	sinks := e.scrape(ctx)
	return emitted(sinks), func() {
		for _, s := range sinks {
			s.reset()
		}
		e.sinks.Put(&sinks)
	}
}

// Describe sends every Desc the enabled collectors can emit. Dashboards and
// alert rules are checked against these, so a rename breaks the build.
func (e *Exporter) Describe(ch chan<- *prometheus.Desc) {
	ch <- durationFamily.desc
	ch <- successFamily.desc
	if e.usesOMAPI {
		for _, f := range []*family{upFamily, omapiRequestsFamily, omapiWindowsFamily, omapiConnectsFamily, omapiFailuresFamily} {
			ch <- f.desc
		}
	}
	if e.opts.Config != nil {
		ch <- configReloadFamily.desc
		ch <- configReloadTimeFamily.desc
	}
	for _, c := range e.collectors {
		for _, f := range c.families() {
			ch <- f.desc
		}
	}
}

// scrape runs the enabled collectors, concurrently, and returns what they
// emitted: the exporter's own series in the first sink, then one sink per
// collector in name order. The sinks come from earlier scrapes when a
// gather released them.
func (e *Exporter) scrape(ctx context.Context) []*sink {
	var sinks []*sink
	if p, ok := e.sinks.Get().(*[]*sink); ok {
		sinks = *p
	} else {
		sinks = make([]*sink, 1+len(e.names))
		for i := range sinks {
			sinks[i] = &sink{}
		}
	}
	meta := sinks[0]
	s := &scrape{Config: e.opts.Config, Logger: e.logger, labels: &e.labels}
	if s.Config != nil {
		s.cfg, s.cfgErr = s.Config.Load(ctx)
		ok, at := s.Config.LastReload()
		meta.add(configReloadFamily, boolValue(ok), nil)
		meta.add(configReloadTimeFamily, unixSeconds(at), nil)
	}
	if e.usesOMAPI {
		s.OMAPI = e.connect(ctx, s.cfg)
		meta.add(upFamily, boolValue(s.OMAPI != nil), nil)
	}

	names := e.names
	outcomes := make([]outcome, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			outcomes[i] = e.run(ctx, name, e.collectors[name], s, sinks[1+i])
		}()
	}
	wg.Wait()
	for i, name := range names {
		meta.addValues(durationFamily, outcomes[i].duration.Seconds(), name)
	}
	for i, name := range names {
		meta.addValues(successFamily, boolValue(outcomes[i].err == nil), name)
	}

	if e.usesOMAPI {
		st := e.opts.OMAPI.Stats()
		meta.add(omapiRequestsFamily, float64(st.Requests), nil)
		meta.add(omapiWindowsFamily, float64(st.Windows), nil)
		meta.add(omapiConnectsFamily, float64(st.Connects), nil)
		for _, r := range omapi.Reasons() {
			meta.addValues(omapiFailuresFamily, float64(st.FailuresByReason[r]), string(r))
		}
	}
	return sinks
}

// connect returns the client for this scrape once dhcpd has answered it
// and accepted the key, else nil (logged with the reason).
func (e *Exporter) connect(ctx context.Context, cfg *dhcpdconf.Config) *omapi.Client {
	cl, err := e.opts.OMAPI.Client(cfg)
	if err != nil {
		e.status.setOMAPI("", err)
		return nil // the source logs why, once
	}
	err = cl.Ping(ctx)
	e.status.setOMAPI(cl.Address(), err)
	if err == nil {
		return cl
	}
	msg, reason := "dhcpd does not answer OMAPI", omapi.Reason(err)
	if reason == omapi.ReasonAuth {
		msg = "dhcpd rejected the exporter's OMAPI key: check that the key name, algorithm and secret are those of dhcpd.conf's omapi-key, and that dhcpd was restarted after the key changed"
	}
	level.Error(e.logger).Log("msg", msg, "address", cl.Address(), "reason", reason, "err", err)
	return nil
}

// errOMAPIDown is what an OMAPI collector reports when dhcpd_up is 0.
var errOMAPIDown = errors.New("skipped: dhcpd does not answer OMAPI")

// outcome is how one collector did in one scrape.
type outcome struct {
	duration time.Duration
	err      error
}

func (e *Exporter) run(ctx context.Context, name string, c subCollector, s *scrape, out *sink) outcome {
	begin := time.Now()
	var err error
	if e.needsOMAPI[name] && s.OMAPI == nil {
		err = errOMAPIDown
	} else {
		err = c.Update(ctx, s, out)
	}
	e.status.record(name, begin, err)
	if err != nil && err != errOMAPIDown {
		level.Error(e.logger).Log("msg", "collector failed", "collector", name, "err", err)
	}
	return outcome{duration: time.Since(begin), err: err}
}
