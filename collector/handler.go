package collector

import (
	"context"
	stdlog "log"
	"net/http"
	"strconv"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// HandlerOpts configure the /metrics handler.
type HandlerOpts struct {
	// Timeout bounds a scrape (--web.scrape-timeout); a shorter Prometheus
	// scrape timeout, minus TimeoutOffset (--web.timeout-offset), wins.
	Timeout       time.Duration
	TimeoutOffset time.Duration
	// Gatherer adds the exporter's own metrics (build info, Go runtime, process).
	Gatherer prometheus.Gatherer
	Logger   log.Logger
}

// minScrapeTimeout keeps a tiny or negative header from making every scrape fail at once.
const minScrapeTimeout = 100 * time.Millisecond

// scrapeTimeout is how long a scrape may take: the smaller of timeout and the
// X-Prometheus-Scrape-Timeout-Seconds header minus offset.
func scrapeTimeout(r *http.Request, timeout, offset time.Duration) time.Duration {
	if h := r.Header.Get("X-Prometheus-Scrape-Timeout-Seconds"); h != "" {
		if secs, err := strconv.ParseFloat(h, 64); err == nil && secs > 0 {
			if t := time.Duration(secs*float64(time.Second)) - offset; t < timeout {
				timeout = t
			}
		}
	}
	return max(timeout, minScrapeTimeout)
}

// NewHandler serves one scrape per request, bounded by scrapeTimeout.
func NewHandler(e *Exporter, o HandlerOpts) http.Handler {
	if o.Logger == nil {
		o.Logger = log.NewNopLogger()
	}
	errorLog := stdlog.New(log.NewStdlibAdapter(level.Error(o.Logger)), "", 0)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), scrapeTimeout(r, o.Timeout, o.TimeoutOffset))
		defer cancel()
		reg := prometheus.NewRegistry()
		reg.MustRegister(e.Collector(ctx))
		gatherers := prometheus.Gatherers{reg}
		if o.Gatherer != nil {
			gatherers = append(gatherers, o.Gatherer)
		}
		promhttp.HandlerFor(gatherers, promhttp.HandlerOpts{
			ErrorLog:      errorLog,
			ErrorHandling: promhttp.ContinueOnError,
		}).ServeHTTP(w, r)
	})
}
