// Command dhcpd_exporter exports the state of an ISC dhcpd 4.x server —
// failover state and pool capacity, read over OMAPI and from dhcpd.conf and
// dhcpd.leases — as Prometheus metrics. main only wires the packages together.
package main

import (
	"context"
	stdlog "log"
	"net/http"
	"net/netip"
	"os"
	"runtime/debug"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
	"github.com/prometheus/common/promslog"
	promslogflag "github.com/prometheus/common/promslog/flag"
	"github.com/prometheus/common/version"
	"github.com/prometheus/exporter-toolkit/web"
	"github.com/prometheus/exporter-toolkit/web/kingpinflag"

	"github.com/dhcpd-exporter/dhcpd_exporter/collector"
	"github.com/dhcpd-exporter/dhcpd_exporter/dhcpdconf"
	"github.com/dhcpd-exporter/dhcpd_exporter/omapiconf"
)

const exporterName = "dhcpd_exporter"

func main() {
	app := kingpin.CommandLine
	var (
		metricsPath   = app.Flag("web.telemetry-path", "Path under which to expose metrics.").Default("/metrics").String()
		omapiAddress  = app.Flag("omapi.address", "dhcpd's OMAPI address host:port (default: 127.0.0.1 and the omapi-port of dhcpd.conf, else 7911).").String()
		omapiKeyFile  = app.Flag("omapi.key-file", "File holding a dhcpd `key NAME { algorithm ...; secret \"...\"; };` statement (default: the key dhcpd.conf names with omapi-key). The secret is never read from the command line.").String()
		scrapeTimeout = app.Flag("web.scrape-timeout", "Longest a scrape may take, OMAPI and files included; a shorter Prometheus scrape timeout (minus --web.timeout-offset) wins.").Default("5s").Duration()
		timeoutOffset = app.Flag("web.timeout-offset", "Subtracted from Prometheus' X-Prometheus-Scrape-Timeout-Seconds to leave time for sending the answer.").Default("500ms").Duration()
		sentinelAddrs = app.Flag("collector.sentinel.address", "Sentinel lease address whose live state the sentinel collector exports (repeatable).").Strings()
		failoverPeers = app.Flag("collector.failover.peer", "Failover peer the failover collector polls (repeatable; default: every failover peer declared in dhcpd.conf).").Strings()
		configFile    = app.Flag("dhcpd.config-file", "dhcpd's configuration file.").Default("/etc/dhcp/dhcpd.conf").String()
		workDir       = app.Flag("dhcpd.working-directory", "Directory dhcpd was started in: relative include paths in dhcpd.conf resolve against it.").Default("/").String()
		leasesFile    = app.Flag("dhcpd.leases-file", "dhcpd's lease database; read incrementally (only appended bytes) between dhcpd's rewrites.").Default("/var/lib/dhcp/dhcpd.leases").String()
	)
	enabled := map[string]*bool{}
	for _, name := range collector.Names() {
		def := "false"
		if collector.DefaultEnabled(name) {
			def = "true"
		}
		enabled[name] = app.Flag("collector."+name, "Enable the "+name+" collector (default: "+map[string]string{"true": "enabled", "false": "disabled"}[def]+").").Default(def).Bool()
	}
	webConfig := kingpinflag.AddFlags(app, ":9367")
	logConfig := &promslog.Config{}
	promslogflag.AddFlags(app, logConfig)
	app.Version(version.Print(exporterName))
	app.UsageWriter(os.Stdout)
	app.HelpFlag.Short('h')
	kingpin.Parse()

	// The exporter runs next to dhcpd: trade a little CPU for a small
	// footprint (each scrape of many pools builds thousands of short-lived
	// series), unless the operator chose a GOGC.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(50)
	}

	logger, slogger := newLoggers(logConfig)
	level.Info(logger).Log("msg", "Starting "+exporterName, "version", version.Info())
	level.Info(logger).Log("msg", "Build context", "build_context", version.BuildContext())

	// dhcpd.conf is read now for the start-up log, and again whenever it
	// changes; OMAPI's address and key follow it (flags win).
	config := dhcpdconf.NewSource(*configFile, *workDir)
	config.Logger = slogger
	conf, _ := config.Load(context.Background())
	omapiSource := omapiconf.NewSource(*omapiAddress, *omapiKeyFile, slogger, nil)

	var sentinels []netip.Addr
	for _, a := range *sentinelAddrs {
		ip, err := netip.ParseAddr(a)
		if err != nil || !ip.Is4() {
			level.Error(logger).Log("msg", "--collector.sentinel.address must be an IPv4 address", "value", a)
			os.Exit(1)
		}
		sentinels = append(sentinels, ip)
	}

	on := map[string]bool{}
	for name, b := range enabled {
		on[name] = *b
	}
	usesOMAPI := false
	for name, on := range on {
		usesOMAPI = usesOMAPI || (on && collector.NeedsOMAPI(name))
	}
	var omapiOpt collector.OMAPI
	if usesOMAPI {
		_, _ = omapiSource.Client(conf) // logs where dhcpd is, or why that is unknown yet
		omapiOpt = omapiSource
	} else {
		level.Info(logger).Log("msg", "no OMAPI collector enabled: the exporter reads files only and never contacts dhcpd")
	}
	exporter, err := collector.New(collector.Options{
		Logger:            logger,
		OMAPI:             omapiOpt,
		Config:            config,
		FailoverPeers:     *failoverPeers,
		LeasesFile:        *leasesFile,
		SentinelAddresses: sentinels,
		Enabled:           on,
	})
	if err != nil {
		level.Error(logger).Log("msg", "cannot create exporter", "err", err)
		os.Exit(1)
	}

	own := prometheus.NewRegistry()
	own.MustRegister(
		versioncollector.NewCollector(exporterName),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	http.Handle(*metricsPath, collector.NewHandler(exporter, collector.HandlerOpts{
		Timeout: *scrapeTimeout, TimeoutOffset: *timeoutOffset, Gatherer: own, Logger: logger,
	}))
	if *metricsPath != "/" {
		landing, err := web.NewLandingPage(web.LandingConfig{
			Name:        "ISC dhcpd exporter",
			Description: "Prometheus exporter for ISC dhcpd 4.x: failover state and pool capacity over OMAPI, dhcpd.conf and dhcpd.leases",
			Version:     version.Info(),
			Links:       []web.LandingLinks{{Address: *metricsPath, Text: "Metrics"}},
			Profiling:   "false",
		})
		if err != nil {
			level.Error(logger).Log("msg", "landing page", "err", err)
			os.Exit(1)
		}
		http.Handle("/", landing)
	}
	// Errors of the HTTP server itself (a failed TLS handshake, a bad
	// request) go through the exporter's logger and format too.
	server := &http.Server{ReadHeaderTimeout: 10 * time.Second, ErrorLog: stdlog.New(log.NewStdlibAdapter(level.Warn(logger)), "", 0)}
	if err := web.ListenAndServe(server, webConfig, slogger); err != nil {
		level.Error(logger).Log("msg", "HTTP server", "err", err)
		os.Exit(1)
	}
}
