package probe

import (
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"
	sloggokit "github.com/tjhop/slog-gokit"

	"github.com/dhcpd-exporter/dhcpd_exporter/collector"
	"github.com/dhcpd-exporter/dhcpd_exporter/dhcpdconf"
	"github.com/dhcpd-exporter/dhcpd_exporter/omapiconf"
)

// DefaultPort is the OMAPI port a target without one is probed on: the
// port omshell and most dhcpd.conf files use.
const DefaultPort = "7911"

// Options configure a Prober.
type Options struct {
	// ConfigFile is the YAML file of modules (--config.file).
	ConfigFile string
	// MaxTargets bounds the targets open at once (--probe.max-targets).
	MaxTargets int
	// IdleTimeout closes a target not probed for that long (--probe.idle-timeout).
	IdleTimeout time.Duration
	// ScrapeTimeout caps every probe (--web.scrape-timeout), whatever the
	// module's timeout; TimeoutOffset is subtracted from Prometheus'
	// scrape timeout header (--web.timeout-offset).
	ScrapeTimeout, TimeoutOffset time.Duration
	Logger                       log.Logger
	// Dial replaces net.Dialer for OMAPI connections (tests reach dhcpd in
	// a network namespace with it); nil for the real network.
	Dial func(ctx context.Context, network, address string) (net.Conn, error)
}

// Prober serves /probe. It is safe for concurrent use.
type Prober struct {
	opts    Options
	logger  log.Logger
	slogger *slog.Logger
	pool    *Pool
	state   atomic.Pointer[loaded]

	reloadMu      sync.Mutex // one reload at a time
	mu            sync.Mutex
	lastReloadOK  bool
	lastSuccessAt time.Time

	requests *prometheus.CounterVec
}

// loaded is a configuration in force, with a dhcpd.conf reader per module
// that has one (they keep the last dhcpd.conf that parsed).
type loaded struct {
	cfg   *Config
	confs map[string]*dhcpdconf.Source
}

// New reads the configuration; a bad file is an error.
func New(o Options) (*Prober, error) {
	if o.Logger == nil {
		o.Logger = log.NewNopLogger()
	}
	if o.MaxTargets < 1 {
		return nil, fmt.Errorf("the target bound (--probe.max-targets) must be at least 1, not %d", o.MaxTargets)
	}
	if o.IdleTimeout <= 0 {
		return nil, fmt.Errorf("the idle timeout (--probe.idle-timeout) must be positive, not %s", o.IdleTimeout)
	}
	if o.ScrapeTimeout <= 0 {
		return nil, fmt.Errorf("the scrape timeout must be positive, not %s", o.ScrapeTimeout)
	}
	p := &Prober{
		opts:    o,
		logger:  o.Logger,
		slogger: slog.New(sloggokit.NewGoKitHandler(o.Logger, slog.LevelDebug)), // o.Logger filters
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dhcpd_exporter_probe_requests_total",
			Help: "Requests of /probe by result: probed (a probe ran; its dhcpd_up says whether the target answered), bad_request (HTTP 400: no target, a malformed target, an unknown module), too_many_targets (HTTP 503: --probe.max-targets targets were being probed).",
		}, []string{"result"}),
	}
	for _, r := range []string{"probed", "bad_request", "too_many_targets"} {
		p.requests.WithLabelValues(r)
	}
	if err := p.Reload(); err != nil {
		return nil, err
	}
	p.pool = NewPool(o.MaxTargets, o.IdleTimeout, o.Dial)
	return p, nil
}

// Reload reads the configuration file again. When it is bad, the modules
// in force stay, the error is logged and returned, and
// dhcpd_exporter_config_last_reload_successful turns 0.
func (p *Prober) Reload() error {
	p.reloadMu.Lock()
	defer p.reloadMu.Unlock()
	cfg, err := LoadFile(p.opts.ConfigFile)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lastReloadOK = err == nil
	if err != nil {
		level.Error(p.logger).Log("msg", "probe configuration not loaded; the modules in force stay", "file", p.opts.ConfigFile, "err", err)
		return err
	}
	p.lastSuccessAt = time.Now()
	l := &loaded{cfg: cfg, confs: map[string]*dhcpdconf.Source{}}
	for name, m := range cfg.Modules {
		if m.DhcpdConfigFile != "" {
			src := dhcpdconf.NewSource(m.DhcpdConfigFile, filepath.Dir(m.DhcpdConfigFile))
			src.Logger = p.slogger.With("module", name)
			l.confs[name] = src
		}
	}
	for _, w := range cfg.Warnings {
		level.Warn(p.logger).Log("msg", w)
	}
	p.state.Store(l)
	if p.pool != nil { // nil at the first load, in New
		keys := map[[sha256.Size]byte]bool{}
		for _, m := range cfg.Modules {
			keys[m.keyID] = true
		}
		p.pool.keepKeys(keys)
	}
	level.Info(p.logger).Log("msg", "probe configuration loaded", "file", p.opts.ConfigFile, "modules", strings.Join(sortedKeys(cfg.Modules), ","))
	return nil
}

// Modules lists the modules in force, sorted.
func (p *Prober) Modules() []string { return sortedKeys(p.state.Load().cfg.Modules) }

// Close closes every target's connection.
func (p *Prober) Close() { p.pool.Close() }

// ServeHTTP probes ?target=HOST:PORT with ?module=NAME.
func (p *Prober) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	l := p.state.Load()
	bad := func(format string, args ...any) {
		p.requests.WithLabelValues("bad_request").Inc()
		http.Error(w, fmt.Sprintf(format, args...), http.StatusBadRequest)
	}
	target, modName := q.Get("target"), q.Get("module")
	if target == "" {
		bad("missing target parameter: /probe?target=HOST:PORT&module=NAME")
		return
	}
	address, err := targetAddress(target)
	if err != nil {
		bad("target %q: %v", target, err)
		return
	}
	mod := l.cfg.Modules[modName]
	if mod == nil {
		if modName == "" {
			bad("missing module parameter: /probe?target=HOST:PORT&module=NAME (modules: %s)", strings.Join(sortedKeys(l.cfg.Modules), ", "))
		} else {
			bad("unknown module %q (modules: %s)", modName, strings.Join(sortedKeys(l.cfg.Modules), ", "))
		}
		return
	}
	t, err := p.pool.acquire(address, mod.Key, mod.keyID)
	if err != nil {
		p.requests.WithLabelValues("too_many_targets").Inc()
		level.Warn(p.logger).Log("msg", "probe refused", "target", address, "module", mod.Name, "err", err)
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	defer p.pool.release(t)
	h, err := p.handler(t, mod, l)
	if err != nil {
		level.Error(p.logger).Log("msg", "cannot build the probe", "target", address, "module", mod.Name, "err", err)
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	p.requests.WithLabelValues("probed").Inc()
	h.ServeHTTP(w, r)
}

// targetAddress checks a target and adds the default port when it has none.
func targetAddress(s string) (string, error) {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		if !strings.Contains(err.Error(), "missing port") {
			return "", fmt.Errorf("want HOST:PORT (%w)", err)
		}
		host, port = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]"), DefaultPort
	}
	if host == "" || strings.ContainsFunc(host, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '/' }) {
		return "", fmt.Errorf("want HOST:PORT with a host name or address")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("port %q is not a number from 1 to 65535", port)
	}
	return net.JoinHostPort(host, port), nil
}

// moduleHandler is the scrape handler of one module on one target, kept
// while the module is in force.
type moduleHandler struct {
	mod *Module
	h   http.Handler
}

// handler returns the module's handler for t, built on the first probe
// after the module (re)loaded. The collector.Exporter it wraps keeps what
// the pools collector learned (handles, roles) between probes.
func (p *Prober) handler(t *target, mod *Module, l *loaded) (http.Handler, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if mh := t.handlers[mod.Name]; mh != nil && mh.mod == mod {
		return mh.h, nil
	}
	on := map[string]bool{}
	for _, name := range collector.Names() {
		on[name] = false // the leases collector, and any collector of local files
	}
	on["sentinel"] = true // does nothing without addresses, and keeps dhcpd_up in every module
	on["failover"] = len(mod.FailoverPeers) > 0
	on["pools"] = mod.DhcpdConfigFile != ""
	opts := collector.Options{
		Logger:            log.With(p.logger, "target", t.key.address, "module", mod.Name),
		OMAPI:             omapiconf.NewFixed(t.client),
		FailoverPeers:     mod.FailoverPeers,
		SentinelAddresses: mod.SentinelAddresses,
		Enabled:           on,
	}
	if src := l.confs[mod.Name]; src != nil {
		opts.Config = src
	}
	exp, err := collector.New(opts)
	if err != nil {
		return nil, err
	}
	timeout := p.opts.ScrapeTimeout
	if mod.Timeout > 0 && mod.Timeout < timeout {
		timeout = mod.Timeout
	}
	h := collector.NewHandler(exp, collector.HandlerOpts{Timeout: timeout, TimeoutOffset: p.opts.TimeoutOffset, Logger: p.logger})
	t.handlers[mod.Name] = &moduleHandler{mod: mod, h: h}
	return h, nil
}

// ReloadHandler serves POST /-/reload: 200 when the file loaded, 500 with
// the error when it did not (the modules in force stay), 405 for another
// method.
func (p *Prober) ReloadHandler() http.Handler {
	return ReloadHandler(p.Reload)
}

// ReloadHandler serves POST /-/reload with reload.
func ReloadHandler(reload func() error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "only POST reloads the configuration", http.StatusMethodNotAllowed)
			return
		}
		if err := reload(); err != nil {
			http.Error(w, "reload failed; the configuration in force stays: "+err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprintln(w, "configuration reloaded")
	})
}

var (
	reloadOKDesc = prometheus.NewDesc("dhcpd_exporter_config_last_reload_successful",
		"1 when the probe configuration file (--config.file) loaded at the last (re)load, else 0: then the modules of the last good load stay in force.",
		nil, nil)
	reloadTimeDesc = prometheus.NewDesc("dhcpd_exporter_config_last_reload_success_timestamp_seconds",
		"When the probe configuration in force was loaded.",
		nil, nil)
	targetsOpenDesc = prometheus.NewDesc("dhcpd_exporter_probe_targets_open",
		"Targets (OMAPI address and key) the exporter holds a client for: at most one OMAPI connection each, shared by the target's probes.",
		nil, nil)
	targetsMaxDesc = prometheus.NewDesc("dhcpd_exporter_probe_targets_max",
		"Most targets open at once (--probe.max-targets); a probe of another target then closes the least recently probed idle one, or is refused with HTTP 503.",
		nil, nil)
	targetsClosedDesc = prometheus.NewDesc("dhcpd_exporter_probe_targets_closed_total",
		"Targets closed, by reason: idle (not probed for --probe.idle-timeout), limit (to make room under --probe.max-targets), reload (their key is no module's after a reload).",
		[]string{"reason"}, nil)
)

// Describe implements prometheus.Collector: the exporter's own probe
// metrics, for its /metrics.
func (p *Prober) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{reloadOKDesc, reloadTimeDesc, targetsOpenDesc, targetsMaxDesc, targetsClosedDesc} {
		ch <- d
	}
	p.requests.Describe(ch)
}

// Collect implements prometheus.Collector.
func (p *Prober) Collect(ch chan<- prometheus.Metric) {
	p.mu.Lock()
	ok, at := p.lastReloadOK, p.lastSuccessAt
	p.mu.Unlock()
	okValue := 0.0
	if ok {
		okValue = 1
	}
	ch <- prometheus.MustNewConstMetric(reloadOKDesc, prometheus.GaugeValue, okValue)
	ch <- prometheus.MustNewConstMetric(reloadTimeDesc, prometheus.GaugeValue, float64(at.UnixNano())/1e9)
	st := p.pool.Stats()
	ch <- prometheus.MustNewConstMetric(targetsOpenDesc, prometheus.GaugeValue, float64(st.Open))
	ch <- prometheus.MustNewConstMetric(targetsMaxDesc, prometheus.GaugeValue, float64(st.Max))
	for _, r := range []string{"idle", "limit", "reload"} {
		ch <- prometheus.MustNewConstMetric(targetsClosedDesc, prometheus.CounterValue, float64(st.Closed[r]), r)
	}
	p.requests.Collect(ch)
}
