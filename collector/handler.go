package collector

import (
	"context"
	stdlog "log"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
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

// NewHandler serves one scrape per request, bounded by scrapeTimeout. The
// text format, what Prometheus asks for, is written from the label texts
// rendered once per configuration (textformat.go); protobuf goes through
// client_golang's promhttp and expfmt. Either way with gzip when asked.
func NewHandler(e *Exporter, o HandlerOpts) http.Handler {
	if o.Logger == nil {
		o.Logger = log.NewNopLogger()
	}
	errorLog := stdlog.New(log.NewStdlibAdapter(level.Error(o.Logger)), "", 0)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), scrapeTimeout(r, o.Timeout, o.TimeoutOffset))
		defer cancel()
		fams, release := e.gather(ctx)
		defer release() // once encoded
		// promhttp.HandlerFor negotiates the same way (no OpenMetrics).
		format := expfmt.NegotiateAccept(r.Header, expfmt.DefaultAcceptedFormats()...)
		w, done := compressed(w, r)
		defer done()
		if format.FormatType() == expfmt.TypeTextPlain {
			serveText(w, r, format, fams, o.Gatherer, errorLog)
			return
		}
		mfs := make([]*dto.MetricFamily, len(fams))
		for i, fb := range fams {
			mfs[i] = fb.toDTO()
		}
		g := prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) {
			return mergeGathered(mfs, o.Gatherer)
		})
		promhttp.HandlerFor(g, promhttp.HandlerOpts{
			ErrorLog:           errorLog,
			ErrorHandling:      promhttp.ContinueOnError,
			DisableCompression: true, // compressed does it, faster
		}).ServeHTTP(w, r)
	})
}

// serveText writes the scrape's families and other's (the exporter's own
// metrics), in name order, as promhttp would in the text format, including
// its name[] filter.
func serveText(w http.ResponseWriter, r *http.Request, format expfmt.Format, fams []*familyBuffer, other prometheus.Gatherer, errorLog *stdlog.Logger) {
	var own []*dto.MetricFamily
	if other != nil {
		var err error
		if own, err = other.Gather(); err != nil {
			errorLog.Println("error gathering metrics:", err)
		}
	}
	var only map[string]bool
	if r.URL != nil {
		if names := r.URL.Query()["name[]"]; len(names) > 0 {
			only = map[string]bool{}
			for _, n := range names {
				only[n] = true
			}
		}
	}
	w.Header().Add("Vary", "Accept")
	w.Header().Set("Content-Type", string(format))
	tw := newTextWriter(w)
	enc := expfmt.NewEncoder(w, format)
	ours := make(map[string]bool, len(fams))
	for _, fb := range fams {
		ours[fb.f.name] = true
	}
	i, j := 0, 0
	for i < len(fams) || j < len(own) {
		if j == len(own) || i < len(fams) && fams[i].f.name <= own[j].GetName() {
			if only == nil || only[fams[i].f.name] {
				tw.family(fams[i])
			}
			i++
			continue
		}
		mf := own[j]
		j++
		switch {
		case ours[mf.GetName()]:
			errorLog.Println("error gathering metrics: the exporter's own metrics have a family of the scrape's name, left out:", mf.GetName())
		case only == nil || only[mf.GetName()]:
			if err := tw.flush(); err != nil {
				break
			}
			if err := enc.Encode(mf); err != nil {
				errorLog.Println("error encoding and sending metric family:", err)
			}
		}
	}
	if err := tw.flush(); err != nil {
		errorLog.Println("error encoding and sending metric family:", err)
	}
}

// mergeGathered adds other's families (the exporter's own metrics) to a
// scrape's. prometheus.Gatherers would check and sort every series again;
// the names differ, so the families only need to be put in name order.
// Should a name be in both, prometheus.Gatherers merges them, or reports
// why it cannot.
func mergeGathered(scraped []*dto.MetricFamily, other prometheus.Gatherer) ([]*dto.MetricFamily, error) {
	if other == nil {
		return scraped, nil
	}
	own, err := other.Gather()
	names := make(map[string]bool, len(scraped))
	for _, mf := range scraped {
		names[mf.GetName()] = true
	}
	for _, mf := range own {
		if names[mf.GetName()] {
			return prometheus.Gatherers{fixedGatherer(scraped), other}.Gather()
		}
	}
	all := append(append(make([]*dto.MetricFamily, 0, len(scraped)+len(own)), scraped...), own...)
	sort.Slice(all, func(i, j int) bool { return all[i].GetName() < all[j].GetName() })
	return all, err
}

type fixedGatherer []*dto.MetricFamily

func (g fixedGatherer) Gather() ([]*dto.MetricFamily, error) { return g, nil }
