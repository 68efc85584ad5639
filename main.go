// Command dhcpd_exporter exports the state of an ISC dhcpd 4.x server —
// failover state and pool capacity, read over OMAPI and from dhcpd.conf and
// dhcpd.leases — as Prometheus metrics. main only wires the packages together.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"runtime/debug"

	"github.com/alecthomas/kingpin/v2"
	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/common/version"

	"github.com/dhcpd-exporter/dhcpd_exporter/collector"
	"github.com/dhcpd-exporter/dhcpd_exporter/dhcpdconf"
	"github.com/dhcpd-exporter/dhcpd_exporter/omapiconf"
)

const exporterName = "dhcpd_exporter"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is main with its exit code returned: 0 after --check found nothing
// wrong or after SIGTERM, 1 on a problem.
func run(args []string, stdout, stderr io.Writer) int {
	app := kingpin.New(exporterName, "Prometheus exporter for ISC dhcpd 4.x: failover state and pool capacity over OMAPI, dhcpd.conf and dhcpd.leases.")
	f := addFlags(app)
	app.Version(version.Print(exporterName))
	app.UsageWriter(stdout)
	app.ErrorWriter(stderr)
	app.HelpFlag.Short('h')
	app.Terminate(func(code int) { panic(exitCode(code)) })
	if code, done := parseArgs(app, args, stderr); done {
		return code
	}

	// The exporter runs next to dhcpd: trade a little CPU for a small
	// footprint (each scrape of many pools builds thousands of short-lived
	// series), unless the operator chose a GOGC.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(50)
	}

	if f.check {
		return runCheck(f, stdout)
	}

	logger, slogger := newLoggersTo(stderr, f.log)
	level.Info(logger).Log("msg", "Starting "+exporterName, "version", version.Info())
	level.Info(logger).Log("msg", "Build context", "build_context", version.BuildContext())

	w, err := wire(f, logger, slogger)
	if err != nil {
		level.Error(logger).Log("msg", "cannot create exporter", "err", err)
		return 1
	}
	return serve(f, w, logger, slogger)
}

// exitCode carries kingpin's exit (after --help, --version or a bad flag)
// out of Parse, so run returns it instead of the process exiting in tests.
type exitCode int

func parseArgs(app *kingpin.Application, args []string, stderr io.Writer) (code int, done bool) {
	defer func() {
		if r := recover(); r != nil {
			c, ok := r.(exitCode)
			if !ok {
				panic(r)
			}
			code, done = int(c), true
		}
	}()
	if _, err := app.Parse(args); err != nil {
		fmt.Fprintf(stderr, "%s: error: %v, try --help\n", exporterName, err)
		return 2, true
	}
	return 0, false
}

// wired is the exporter built from the flags.
type wired struct {
	config   *dhcpdconf.Source
	omapi    *omapiconf.Source // nil when no enabled collector uses OMAPI
	exporter *collector.Exporter
}

// wire builds dhcpd.conf's source, the OMAPI source and the collectors.
func wire(f *flags, logger log.Logger, slogger *slog.Logger) (*wired, error) {
	// dhcpd.conf is read now for the start-up log, and again whenever it
	// changes; OMAPI's address and key follow it (flags win).
	w := &wired{config: dhcpdconf.NewSource(f.configFile, f.workDir)}
	w.config.Logger = slogger
	conf, _ := w.config.Load(context.Background())

	var sentinels []netip.Addr
	for _, a := range f.sentinelAddrs {
		ip, err := netip.ParseAddr(a)
		if err != nil || !ip.Is4() {
			return nil, fmt.Errorf("--collector.sentinel.address must be an IPv4 address, not %q", a)
		}
		sentinels = append(sentinels, ip)
	}

	on := map[string]bool{}
	usesOMAPI := false
	for name, b := range f.enabled {
		on[name] = *b
		usesOMAPI = usesOMAPI || (*b && collector.NeedsOMAPI(name))
	}
	opts := collector.Options{
		Logger:            logger,
		Config:            w.config,
		FailoverPeers:     f.failoverPeers,
		LeasesFile:        f.leasesFile,
		SentinelAddresses: sentinels,
		Enabled:           on,
	}
	setLeaseStates(f, &opts)
	if usesOMAPI {
		w.omapi = omapiconf.NewSource(f.omapiAddress, f.omapiKeyFile, slogger, nil)
		_, _ = w.omapi.Client(conf) // logs where dhcpd is, or why that is unknown yet
		opts.OMAPI = w.omapi
	} else {
		level.Info(logger).Log("msg", "no OMAPI collector enabled: the exporter reads files only and never contacts dhcpd")
	}
	var err error
	w.exporter, err = collector.New(opts)
	return w, err
}
