package main

import (
	"context"
	"errors"
	"fmt"
	stdlog "log"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/exporter-toolkit/web"

	"github.com/dhcpd-exporter/dhcpd_exporter/collector"
)

// shutdownGrace is how long scrapes in flight may finish after SIGTERM.
const shutdownGrace = 5 * time.Second

// serve runs the HTTP server until SIGTERM or SIGINT (exit 0) or until it
// fails (exit 1). SIGHUP reloads --config.file.
func serve(f *flags, w *wired, logger log.Logger, slogger *slog.Logger) int {
	own := prometheus.NewRegistry()
	own.MustRegister(versioncollector.NewCollector(exporterName))
	if !f.disableOwnMets {
		own.MustRegister(
			collectors.NewGoCollector(),
			collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		)
	}

	mux := http.NewServeMux()
	metrics := collector.NewHandler(w.exporter, collector.HandlerOpts{
		Timeout: f.scrapeTimeout, TimeoutOffset: f.timeoutOffset, Gatherer: own, Logger: logger,
	})
	metrics = limitRequests(metrics, f.maxRequests)
	if !f.disableOwnMets {
		metrics = promhttp.InstrumentMetricHandler(own, metrics)
	}
	mux.Handle(f.metricsPath, metrics)
	mux.HandleFunc("/-/healthy", plain("Healthy"))
	// Ready once serving: whether dhcpd answers is dhcpd_up's to say; an
	// exporter reported not ready would hide exactly that from Prometheus.
	mux.HandleFunc("/-/ready", plain("Ready"))

	reload, err := f.probe.install(mux, own, logger, f.scrapeTimeout, f.timeoutOffset)
	if err != nil {
		level.Error(logger).Log("msg", "cannot start the /probe endpoint", "err", err)
		return 1
	}
	if f.metricsPath != "/" {
		mux.Handle("/", &landingPage{metricsPath: f.metricsPath, w: w})
	}

	// Errors of the HTTP server itself (a failed TLS handshake, a bad
	// request) go through the exporter's logger and format too.
	server := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          stdlog.New(log.NewStdlibAdapter(level.Warn(logger)), "", 0),
	}
	served := make(chan error, 1)
	go func() { served <- web.ListenAndServe(server, f.web, slogger) }()

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	defer signal.Stop(signals)
	for {
		select {
		case err := <-served:
			level.Error(logger).Log("msg", "HTTP server", "err", err)
			return 1
		case sig := <-signals:
			if sig == syscall.SIGHUP {
				if err := reload(); err != nil {
					level.Error(logger).Log("msg", "reload on SIGHUP failed; keeping the previous configuration", "err", err)
				}
				continue
			}
			level.Info(logger).Log("msg", "shutting down", "signal", sig.String())
			ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
			err := server.Shutdown(ctx)
			cancel()
			if err != nil && !errors.Is(err, context.DeadlineExceeded) {
				level.Warn(logger).Log("msg", "shutdown", "err", err)
			}
			if w.omapi != nil {
				w.omapi.Close()
			}
			return 0
		}
	}
}

// plain answers GET and HEAD with a fixed text, like Prometheus' own
// /-/healthy and /-/ready.
func plain(text string) http.HandlerFunc {
	return func(rw http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			rw.Header().Set("Allow", "GET, HEAD")
			http.Error(rw, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(rw, text)
	}
}

// limitRequests answers 503 beyond max scrapes in flight (0: no limit), as
// node_exporter's --web.max-requests does: a scrape storm must not pile
// up OMAPI requests towards dhcpd or memory in the exporter.
func limitRequests(h http.Handler, limit int) http.Handler {
	if limit <= 0 {
		return h
	}
	slots := make(chan struct{}, limit)
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		select {
		case slots <- struct{}{}:
			defer func() { <-slots }()
			h.ServeHTTP(rw, r)
		default:
			http.Error(rw, fmt.Sprintf("Limit of concurrent requests reached (%d), try again later.", limit), http.StatusServiceUnavailable)
		}
	})
}
