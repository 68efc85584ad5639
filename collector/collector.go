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
	// Describe sends every Desc the collector can emit.
	Describe(ch chan<- *prometheus.Desc)
	// Update sends the collector's metrics for one scrape.
	Update(ctx context.Context, s *scrape, ch chan<- prometheus.Metric) error
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
	return e, nil
}

var (
	upDesc = prometheus.NewDesc(namespace+"_up",
		"1 when dhcpd answered OMAPI and accepted the key in this scrape, else 0 (and no OMAPI-derived series are exported).",
		nil, nil)
	durationDesc = prometheus.NewDesc(namespace+"_scrape_collector_duration_seconds",
		"Time a collector took in this scrape.", []string{"collector"}, nil)
	successDesc = prometheus.NewDesc(namespace+"_scrape_collector_success",
		"1 when a collector succeeded in this scrape, else 0.", []string{"collector"}, nil)
	omapiRequestsDesc = prometheus.NewDesc(namespace+"_exporter_omapi_requests_total",
		"OMAPI requests the exporter sent to dhcpd.", nil, nil)
	omapiWindowsDesc = prometheus.NewDesc(namespace+"_exporter_omapi_windows_total",
		"Pipelined OMAPI request windows the exporter sent (each kept under dhcpd's 4 KB output buffer).", nil, nil)
	omapiConnectsDesc = prometheus.NewDesc(namespace+"_exporter_omapi_connects_total",
		"OMAPI connections the exporter established and authenticated.", nil, nil)
	omapiFailuresDesc = prometheus.NewDesc(namespace+"_exporter_omapi_failures_total",
		"OMAPI exchanges that failed, by reason: connect (refused, unreachable, connection closed or reset), timeout (dhcpd did not answer in time, or another scrape held the connection), auth (dhcpd rejected the key, or a reply's signature did not verify), protocol (a malformed, oversized or unexpected reply).",
		[]string{"reason"}, nil)
	configReloadDesc = prometheus.NewDesc(namespace+"_config_last_reload_successful",
		"1 when dhcpd.conf (with its includes) parsed when last read, else 0: then the exporter goes on with the configuration that parsed last, as dhcpd does until it restarts.",
		nil, nil)
	configReloadTimeDesc = prometheus.NewDesc(namespace+"_config_last_reload_success_timestamp_seconds",
		"When the dhcpd.conf in use was read (the last read that parsed); 0 when none did.",
		nil, nil)
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
func (b *boundExporter) Collect(ch chan<- prometheus.Metric) { b.e.collect(b.ctx, ch) }

// Describe sends every Desc the enabled collectors can emit. Dashboards and
// alert rules are checked against these, so a rename breaks the build.
func (e *Exporter) Describe(ch chan<- *prometheus.Desc) {
	ch <- durationDesc
	ch <- successDesc
	if e.usesOMAPI {
		for _, d := range []*prometheus.Desc{upDesc, omapiRequestsDesc, omapiWindowsDesc, omapiConnectsDesc, omapiFailuresDesc} {
			ch <- d
		}
	}
	if e.opts.Config != nil {
		ch <- configReloadDesc
		ch <- configReloadTimeDesc
	}
	for _, c := range e.collectors {
		c.Describe(ch)
	}
}

func (e *Exporter) collect(ctx context.Context, ch chan<- prometheus.Metric) {
	s := &scrape{Config: e.opts.Config, Logger: e.logger}
	if s.Config != nil {
		s.cfg, s.cfgErr = s.Config.Load(ctx)
		ok, at := s.Config.LastReload()
		ch <- prometheus.MustNewConstMetric(configReloadDesc, prometheus.GaugeValue, boolValue(ok))
		ch <- prometheus.MustNewConstMetric(configReloadTimeDesc, prometheus.GaugeValue, unixSeconds(at))
	}
	if e.usesOMAPI {
		s.OMAPI = e.connect(ctx, s.cfg)
		ch <- prometheus.MustNewConstMetric(upDesc, prometheus.GaugeValue, boolValue(s.OMAPI != nil))
	}

	var wg sync.WaitGroup
	for name, c := range e.collectors {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.run(ctx, name, c, s, ch)
		}()
	}
	wg.Wait()

	if !e.usesOMAPI {
		return
	}
	st := e.opts.OMAPI.Stats()
	ch <- prometheus.MustNewConstMetric(omapiRequestsDesc, prometheus.CounterValue, float64(st.Requests))
	ch <- prometheus.MustNewConstMetric(omapiWindowsDesc, prometheus.CounterValue, float64(st.Windows))
	ch <- prometheus.MustNewConstMetric(omapiConnectsDesc, prometheus.CounterValue, float64(st.Connects))
	for _, r := range omapi.Reasons() {
		ch <- prometheus.MustNewConstMetric(omapiFailuresDesc, prometheus.CounterValue, float64(st.FailuresByReason[r]), string(r))
	}
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

func (e *Exporter) run(ctx context.Context, name string, c subCollector, s *scrape, ch chan<- prometheus.Metric) {
	begin := time.Now()
	var err error
	if e.needsOMAPI[name] && s.OMAPI == nil {
		err = errOMAPIDown
	} else {
		err = c.Update(ctx, s, ch)
	}
	e.status.record(name, begin, err)
	ch <- prometheus.MustNewConstMetric(durationDesc, prometheus.GaugeValue, time.Since(begin).Seconds(), name)
	success := 1.0
	if err != nil {
		success = 0
		if err != errOMAPIDown {
			level.Error(e.logger).Log("msg", "collector failed", "collector", name, "err", err)
		}
	}
	ch <- prometheus.MustNewConstMetric(successDesc, prometheus.GaugeValue, success, name)
}
