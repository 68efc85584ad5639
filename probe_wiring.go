package main

import (
	"fmt"
	"net/http"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/dhcpd-exporter/dhcpd_exporter/probe"
)

// probeFlags configure /probe, the multi-target mode (docs/probe.md).
type probeFlags struct {
	configFile  string
	maxTargets  int
	idleTimeout time.Duration
}

func addProbeFlags(app *kingpin.Application) *probeFlags {
	f := &probeFlags{}
	app.Flag("config.file", "Probe configuration (YAML modules, docs/probe.md): enables /probe?target=HOST:PORT&module=NAME for dhcpd servers reached over OMAPI. Reloaded on SIGHUP and POST /-/reload.").StringVar(&f.configFile)
	app.Flag("probe.max-targets", "Most /probe targets (OMAPI address and key) open at once, one OMAPI connection each; the least recently probed idle one is closed to make room, else the probe gets HTTP 503.").Default("200").IntVar(&f.maxTargets)
	app.Flag("probe.idle-timeout", "A /probe target not probed for this long has its OMAPI connection closed.").Default("5m").DurationVar(&f.idleTimeout)
	return f
}

// install registers /probe and /-/reload on mux and the probe metrics on
// reg. reload reads --config.file again (for SIGHUP); without
// --config.file, /probe answers 404 and reload does nothing.
func (f *probeFlags) install(mux *http.ServeMux, reg prometheus.Registerer, logger log.Logger, scrapeTimeout, timeoutOffset time.Duration) (reload func() error, err error) {
	if f.configFile == "" {
		mux.HandleFunc("/probe", func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "/probe needs a probe configuration: start the exporter with --config.file (docs/probe.md)", http.StatusNotFound)
		})
		reload = func() error { return nil }
		mux.Handle("/-/reload", probe.ReloadHandler(reload))
		return reload, nil
	}
	p, err := probe.New(probe.Options{
		ConfigFile:    f.configFile,
		MaxTargets:    f.maxTargets,
		IdleTimeout:   f.idleTimeout,
		ScrapeTimeout: scrapeTimeout,
		TimeoutOffset: timeoutOffset,
		Logger:        logger,
	})
	if err != nil {
		return nil, fmt.Errorf("--config.file: %w", err)
	}
	if err := reg.Register(p); err != nil {
		p.Close()
		return nil, err
	}
	mux.Handle("/probe", p)
	mux.Handle("/-/reload", p.ReloadHandler())
	return p.Reload, nil
}
