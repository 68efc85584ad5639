package main

import (
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/prometheus/common/promslog"
	promslogflag "github.com/prometheus/common/promslog/flag"
	"github.com/prometheus/exporter-toolkit/web"
	"github.com/prometheus/exporter-toolkit/web/kingpinflag"

	"github.com/dhcpd-exporter/dhcpd_exporter/collector"
)

// flags are the command line. They are declared in the order --help lists
// them: what to check first, then where dhcpd is, then what to collect,
// then how to serve and log.
type flags struct {
	check bool

	omapiAddress, omapiKeyFile string

	configFile, workDir, leasesFile string

	enabled        map[string]*bool
	sentinelAddrs  []string
	failoverPeers  []string
	leaseStates    []string
	probe          *probeFlags
	metricsPath    string
	scrapeTimeout  time.Duration
	timeoutOffset  time.Duration
	maxRequests    int
	disableOwnMets bool
	web            *web.FlagConfig
	log            *promslog.Config
}

func addFlags(app *kingpin.Application) *flags {
	f := &flags{enabled: map[string]*bool{}, log: &promslog.Config{}}

	app.Flag("check", "Read dhcpd.conf, the key, the lease file and --config.file, ask dhcpd once over OMAPI, print what was found and exit: 0 when every enabled collector works, 1 otherwise, with the reason and the fix. Writes nothing.").BoolVar(&f.check)

	app.Flag("omapi.address", "dhcpd's OMAPI address host:port (default: 127.0.0.1 and the omapi-port of dhcpd.conf, else 7911).").StringVar(&f.omapiAddress)
	app.Flag("omapi.key-file", "File holding a dhcpd `key NAME { algorithm ...; secret \"...\"; };` statement (default: the key dhcpd.conf names with omapi-key). The secret is never read from the command line.").StringVar(&f.omapiKeyFile)

	app.Flag("dhcpd.config-file", "dhcpd's configuration file.").Default("/etc/dhcp/dhcpd.conf").StringVar(&f.configFile)
	app.Flag("dhcpd.working-directory", "Directory dhcpd was started in: relative include paths in dhcpd.conf resolve against it.").Default("/").StringVar(&f.workDir)
	app.Flag("dhcpd.leases-file", "dhcpd's lease database; read incrementally (only appended bytes) between dhcpd's rewrites.").Default("/var/lib/dhcp/dhcpd.leases").StringVar(&f.leasesFile)

	// Each collector's switch, then its options.
	for _, name := range collector.Names() {
		def, word := "false", "disabled"
		if collector.DefaultEnabled(name) {
			def, word = "true", "enabled"
		}
		f.enabled[name] = app.Flag("collector."+name, "Enable the "+name+" collector (default: "+word+").").Default(def).Bool()
		switch name {
		case "failover":
			app.Flag("collector.failover.peer", "Failover peer the failover collector polls (repeatable; default: every failover peer declared in dhcpd.conf).").StringsVar(&f.failoverPeers)
		case "leases":
			addLeaseStatesFlag(app, f)
		case "sentinel":
			app.Flag("collector.sentinel.address", "Sentinel lease address whose live state the sentinel collector exports (repeatable).").StringsVar(&f.sentinelAddrs)
		}
	}

	f.probe = addProbeFlags(app)

	f.web = kingpinflag.AddFlags(app, ":9367")
	app.Flag("web.telemetry-path", "Path under which to expose metrics.").Default("/metrics").StringVar(&f.metricsPath)
	app.Flag("web.scrape-timeout", "Longest a scrape may take, OMAPI and files included; a shorter Prometheus scrape timeout (minus --web.timeout-offset) wins.").Default("5s").DurationVar(&f.scrapeTimeout)
	app.Flag("web.timeout-offset", "Subtracted from Prometheus' X-Prometheus-Scrape-Timeout-Seconds to leave time for sending the answer.").Default("500ms").DurationVar(&f.timeoutOffset)
	app.Flag("web.max-requests", "Most scrapes of the metrics path served at once; more get HTTP 503. 0 means no limit.").Default("40").IntVar(&f.maxRequests)
	app.Flag("web.disable-exporter-metrics", "Leave out the exporter's own metrics (promhttp_*, process_*, go_*).").BoolVar(&f.disableOwnMets)

	promslogflag.AddFlags(app, f.log)
	return f
}
