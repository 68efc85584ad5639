package main

import (
	"bytes"
	"html/template"
	"net/http"
	"time"

	"github.com/prometheus/common/version"
	"github.com/prometheus/exporter-toolkit/web"
)

// landingPage is the exporter-toolkit landing page plus the exporter's
// state: where it looks for dhcpd, how each collector did in the last
// scrape and whether dhcpd.conf parsed. It answers "why is my dashboard
// empty?" without reading logs.
type landingPage struct {
	metricsPath string
	w           *wired
}

var statusTemplate = template.Must(template.New("status").Parse(`
<h2>Status</h2>
<table class="status">
<tr><th>OMAPI</th><td>{{if not .OMAPIUsed}}not used: no OMAPI collector is enabled{{else if .OMAPIAddress}}{{.OMAPIAddress}}: {{if .OMAPIErr}}<span class="bad">{{.OMAPIErr}}</span>{{else}}<span class="ok">answered, key accepted</span>{{end}}{{else if .OMAPIErr}}<span class="bad">{{.OMAPIErr}}</span>{{else}}not contacted yet{{end}}</td></tr>
<tr><th>dhcpd.conf</th><td>{{.ConfigPath}}: {{if .ConfigErr}}<span class="bad">{{.ConfigErr}}</span>{{if .ConfigAt}} (using the configuration read {{.ConfigAt}}){{end}}{{else if .ConfigAt}}<span class="ok">parsed</span>, read {{.ConfigAt}}{{else}}not read yet{{end}}</td></tr>
<tr><th>Last scrape</th><td>{{if .Scraped}}{{.LastScrape}}{{else}}none yet: the collectors run when {{.MetricsPath}} is scraped{{end}}</td></tr>
</table>
{{if .Collectors}}
<table class="status">
<tr><th>Collector</th><th>Last result</th><th>At</th><th>Took</th></tr>
{{range .Collectors}}<tr><td>{{.Name}}</td><td>{{if .Success}}<span class="ok">ok</span>{{else}}<span class="bad">{{.Err}}</span>{{end}}</td><td>{{.At.UTC.Format "2006-01-02 15:04:05 UTC"}}</td><td>{{.Duration}}</td></tr>
{{end}}</table>
{{end}}`))

const statusCSS = `table.status { border-collapse: collapse; margin-bottom: 1em; }
table.status th, table.status td { text-align: left; padding: 0.2em 0.8em; border-bottom: 1px solid #ddd; vertical-align: top; }
.ok { color: #1a7f37; } .bad { color: #cf222e; }`

func (l *landingPage) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" {
		http.NotFound(rw, r)
		return
	}
	st := l.w.exporter.Status()
	_, at := l.w.config.LastReload()
	data := struct {
		OMAPIUsed    bool
		OMAPIAddress string
		OMAPIErr     error
		ConfigPath   string
		ConfigErr    error
		ConfigAt     string
		Scraped      bool
		LastScrape   string
		MetricsPath  string
		Collectors   any
	}{
		OMAPIUsed: st.OMAPIUsed, OMAPIAddress: st.OMAPIAddress, OMAPIErr: st.OMAPIErr,
		ConfigPath: l.w.config.Path(), ConfigErr: l.w.config.LastError(),
		Scraped: st.Scraped, MetricsPath: l.metricsPath, Collectors: st.Collectors,
	}
	if !at.IsZero() {
		data.ConfigAt = at.UTC().Format("2006-01-02 15:04:05 UTC")
	}
	if st.Scraped {
		data.LastScrape = st.LastScrape.UTC().Format("2006-01-02 15:04:05 UTC") + " (" + time.Since(st.LastScrape).Round(time.Second).String() + " ago)"
	}
	var extra bytes.Buffer
	if err := statusTemplate.Execute(&extra, data); err != nil {
		http.Error(rw, err.Error(), http.StatusInternalServerError)
		return
	}
	page, err := web.NewLandingPage(web.LandingConfig{
		Name:        "ISC dhcpd exporter",
		Description: "Prometheus exporter for ISC dhcpd 4.x: failover state and pool capacity over OMAPI, dhcpd.conf and dhcpd.leases",
		Version:     version.Info(),
		Links: []web.LandingLinks{
			{Address: l.metricsPath, Text: "Metrics"},
			{Address: "/-/healthy", Text: "Health"},
		},
		ExtraHTML: extra.String(),
		ExtraCSS:  statusCSS,
		Profiling: "false",
	})
	if err != nil {
		http.Error(rw, err.Error(), http.StatusInternalServerError)
		return
	}
	page.ServeHTTP(rw, r)
}
