package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/dhcpd-exporter/dhcpd_exporter/collector"
	"github.com/dhcpd-exporter/dhcpd_exporter/dhcpdconf"
	"github.com/dhcpd-exporter/dhcpd_exporter/omapi"
	"github.com/dhcpd-exporter/dhcpd_exporter/omapiconf"
	"github.com/dhcpd-exporter/dhcpd_exporter/probe"
)

// runCheck is --check: one scrape, done the way the server does it, told as
// an operator needs it the first time: what was found, and for every
// problem the reason and the fix. It writes nothing and exits 0 only when
// every enabled collector works.
func runCheck(f *flags, out io.Writer) int {
	c := &checkReport{out: out}
	// Logs would repeat what the report says; the report is the output.
	w, err := wire(f, log.NewNopLogger(), slog.New(slog.DiscardHandler))
	if err != nil {
		c.problem(err.Error(), "correct the flag")
		return c.finish()
	}
	ctx, cancel := context.WithTimeout(context.Background(), f.scrapeTimeout)
	defer cancel()

	conf, confErr := w.config.Load(ctx)
	c.config(f, conf, confErr)
	if w.omapi != nil {
		c.omapiSettings(f, conf, confErr)
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(w.exporter.Collector(ctx))
	families, _ := reg.Gather() // failures are in Status, with their reasons
	m := indexFamilies(families)
	st := w.exporter.Status()
	if w.omapi != nil {
		c.dhcpd(st, f.scrapeTimeout)
		w.omapi.Close()
	}
	c.failover(m)
	if conf != nil {
		c.pools(conf, m, *f.enabled["pools"])
	}
	if *f.enabled["leases"] {
		c.leaseFile(f.leasesFile)
	}
	c.collectors(st)
	if f.probe.configFile != "" {
		c.probeConfig(f.probe.configFile)
	}
	return c.finish()
}

// checkReport prints findings as aligned "what: found" lines and counts
// the problems.
type checkReport struct {
	out      io.Writer
	problems int
	confErr  error // dhcpd.conf's, reported once: collectors failing for it are not problems of their own
}

func (c *checkReport) line(what, format string, args ...any) {
	fmt.Fprintf(c.out, "%-14s %s\n", what, fmt.Sprintf(format, args...))
}

func (c *checkReport) problem(reason, fix string) {
	c.problems++
	fmt.Fprintf(c.out, "PROBLEM        %s\n", reason)
	if fix != "" {
		fmt.Fprintf(c.out, "  fix:         %s\n", fix)
	}
}

func (c *checkReport) finish() int {
	if c.problems > 0 {
		fmt.Fprintf(c.out, "\n%d problem(s): the exporter would not report everything it should.\n", c.problems)
		return 1
	}
	fmt.Fprintln(c.out, "\nOK: every enabled collector works.")
	return 0
}

func (c *checkReport) config(f *flags, conf *dhcpdconf.Config, err error) {
	if conf == nil {
		c.confErr = err
		c.line("dhcpd.conf", "%s: cannot be used", f.configFile)
		c.problem(err.Error(), fmt.Sprintf("correct dhcpd.conf where the message says (`dhcpd -t -cf %s` checks it as dhcpd would); the exporter needs it for pools and failover peers, and for the OMAPI port and key unless --omapi.address and --omapi.key-file are given", f.configFile))
		return
	}
	peers, pools := len(conf.FailoverPeers), 0
	conf.EachPool(func(*dhcpdconf.SharedNetwork, *dhcpdconf.Pool) { pools++ })
	c.line("dhcpd.conf", "%s: parsed, %d file(s), %d shared network(s), %d pool(s), %d failover peer(s)", f.configFile, len(conf.Files), len(conf.SharedNetworks), pools, peers)
	for _, w := range conf.Warnings {
		c.line("  warning", "%s", w)
	}
}

// omapiSettings says where dhcpd will be asked and with which key, and
// where each came from (never the secret).
func (c *checkReport) omapiSettings(f *flags, conf *dhcpdconf.Config, confErr error) {
	s, err := omapiconf.Resolve(f.omapiAddress, f.omapiKeyFile, conf, confErr)
	if err != nil && conf == nil && c.confErr != nil {
		c.line("OMAPI", "address and key unknown until dhcpd.conf parses (--omapi.address and --omapi.key-file make the exporter independent of it)")
		return
	}
	if err != nil {
		c.problem(err.Error(), "give --omapi.key-file FILE (a file with the `key` statement dhcpd.conf's omapi-key names) readable by the exporter's user, or correct dhcpd.conf")
		return
	}
	from := "--omapi.address"
	if f.omapiAddress == "" {
		from = "127.0.0.1 and dhcpd.conf's omapi-port"
		if conf == nil || conf.OMAPIPort == 0 {
			from = "the default port; dhcpd.conf has no omapi-port"
		}
	}
	c.line("OMAPI", "%s (%s)", s.Address, from)
	if s.Key == nil {
		c.line("key", "none: connecting unauthenticated (dhcpd.conf has no omapi-key)")
	} else {
		via := "named by omapi-key in dhcpd.conf"
		if f.omapiKeyFile != "" {
			via = "--omapi.key-file"
		}
		c.line("key", "%q, %s, from %s (%s)", s.Key.Name(), s.Key.Algorithm(), s.KeyFile, via)
	}
	for _, w := range s.Warnings {
		c.line("  warning", "%s", w)
	}
}

// dhcpd reports the OMAPI exchange of the scrape, with the fix for each
// way it fails.
func (c *checkReport) dhcpd(st collector.Status, timeout time.Duration) {
	if st.OMAPIErr == nil {
		c.line("dhcpd", "answered at %s, key accepted", st.OMAPIAddress)
		return
	}
	if st.OMAPIAddress == "" {
		return // settings unknown: omapiSettings said why
	}
	err := st.OMAPIErr
	switch omapi.Reason(err) {
	case omapi.ReasonAuth:
		c.problem(fmt.Sprintf("dhcpd at %s rejected the exporter's OMAPI key: %v", st.OMAPIAddress, err),
			"the key name, algorithm and secret must be those of the key dhcpd.conf names with omapi-key; dhcpd reads its key only at start: restart dhcpd after changing the key")
	case omapi.ReasonTimeout:
		c.problem(fmt.Sprintf("dhcpd at %s did not answer OMAPI within %s: %v", st.OMAPIAddress, timeout, err),
			"dhcpd may be hung or overloaded (check its log and CPU), or a firewall drops the packets; --web.scrape-timeout sets the wait")
	case omapi.ReasonProtocol:
		c.problem(fmt.Sprintf("%s answered, but not as dhcpd's OMAPI: %v", st.OMAPIAddress, err),
			"check that the address is dhcpd's omapi-port (--omapi.address)")
	default:
		c.problem(fmt.Sprintf("dhcpd does not answer OMAPI at %s: %v", st.OMAPIAddress, err),
			"is dhcpd running (`pidof dhcpd`)? dhcpd listens for OMAPI only with `omapi-port N;` in dhcpd.conf; check --omapi.address and that dhcpd was restarted after omapi-port was added")
	}
}

// metricIndex finds series by name and labels.
type metricIndex map[string][]*dto.Metric

func indexFamilies(fams []*dto.MetricFamily) metricIndex {
	m := metricIndex{}
	for _, f := range fams {
		m[f.GetName()] = f.GetMetric()
	}
	return m
}

func labelsOf(s *dto.Metric) map[string]string {
	l := map[string]string{}
	for _, p := range s.GetLabel() {
		l[p.GetName()] = p.GetValue()
	}
	return l
}

// value is the series of name whose labels include want, or ok=false.
func (m metricIndex) value(name string, want map[string]string) (v float64, ok bool) {
	for _, s := range m[name] {
		l := labelsOf(s)
		match := true
		for k, v := range want {
			match = match && l[k] == v
		}
		if match {
			return s.GetGauge().GetValue(), true
		}
	}
	return 0, false
}

func (c *checkReport) failover(m metricIndex) {
	for _, info := range m["dhcpd_failover_peer_info"] {
		l := labelsOf(info)
		states := map[string]string{"local": "unknown", "partner": "unknown"}
		for _, s := range m["dhcpd_failover_state"] {
			sl := labelsOf(s)
			if sl["peer"] == l["peer"] && s.GetGauge().GetValue() == 1 {
				states[sl["side"]] = sl["state"]
			}
		}
		c.line("failover peer", "%s: role %s, local %s, partner %s", l["peer"], l["role"], states["local"], states["partner"])
	}
}

// pools tabulates every pool of dhcpd.conf with what dhcpd and the lease
// file say of it; a pool dhcpd has not loaded is a problem (dhcpd runs an
// older configuration).
func (c *checkReport) pools(conf *dhcpdconf.Config, m metricIndex, poolsOn bool) {
	tw := tabwriter.NewWriter(c.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "pools\tshared network\tpool\tpeer\tconfigured\tloaded\tfree local\tfree partner\tleased")
	var notLoaded []string
	conf.EachPool(func(sn *dhcpdconf.SharedNetwork, p *dhcpdconf.Pool) {
		labels := map[string]string{"shared_network": sn.Name, "pool": p.ID, "failover_peer": p.FailoverPeer}
		with := func(k, v string) map[string]string {
			out := map[string]string{k: v}
			for a, b := range labels {
				out[a] = b
			}
			return out
		}
		cell := func(name string, want map[string]string) string {
			if v, ok := m.value(name, want); ok {
				return fmt.Sprint(v)
			}
			return "-"
		}
		peer := p.FailoverPeer
		if peer == "" {
			peer = "(none)"
		}
		partner := "-"
		if p.FailoverPeer != "" {
			partner = cell("dhcpd_pool_free_addresses", with("owner", "partner"))
		}
		fmt.Fprintf(tw, "\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", sn.Name, p.ID, peer, p.Size(),
			cell("dhcpd_pool_loaded_addresses", labels), cell("dhcpd_pool_free_addresses", with("owner", "local")), partner,
			cell("dhcpd_pool_leases", with("state", "active")))
		if v, ok := m.value("dhcpd_pool_loaded_addresses", labels); ok && v == 0 && poolsOn {
			notLoaded = append(notLoaded, fmt.Sprintf("%s %s (%s)", sn.Name, p.ID, p.Pos))
		}
	})
	tw.Flush()
	for _, p := range notLoaded {
		c.problem("dhcpd has not loaded the pool "+p+": it runs an older dhcpd.conf",
			"restart dhcpd to load the current dhcpd.conf (check it first with `dhcpd -t`)")
	}
}

func (c *checkReport) leaseFile(path string) {
	fi, err := os.Stat(path)
	if err != nil {
		c.line("lease file", "%s: %v", path, err)
		return // the leases collector fails too and says what to do
	}
	c.line("lease file", "%s: %d bytes, last written %s ago", path, fi.Size(), time.Since(fi.ModTime()).Round(time.Second))
}

// collectors lists each collector's result; a failed one is a problem
// unless an earlier finding (dhcpd down, dhcpd.conf unusable) explains it.
func (c *checkReport) collectors(st collector.Status) {
	var names []string
	for _, s := range st.Collectors {
		result := "ok"
		if !s.Success {
			result = "FAILED"
		}
		names = append(names, s.Name+" "+result)
	}
	sort.Strings(names)
	c.line("collectors", "%s", strings.Join(names, ", "))
	for _, s := range st.Collectors {
		if s.Success || errors.Is(s.Err, collector.ErrOMAPIDown) || (c.confErr != nil && strings.Contains(s.Err.Error(), c.confErr.Error())) {
			continue
		}
		c.problem(fmt.Sprintf("collector %s: %v", s.Name, s.Err), collectorFix(s))
	}
}

// probeConfig checks --config.file as a start or a reload would read it.
func (c *checkReport) probeConfig(path string) {
	cfg, err := probe.LoadFile(path)
	if err != nil {
		c.problem("--config.file: "+err.Error(), "correct the probe configuration (docs/probe.md); the exporter would not start with it, and a reload would keep the modules before it")
		return
	}
	names := make([]string, 0, len(cfg.Modules))
	for n := range cfg.Modules {
		names = append(names, n)
	}
	sort.Strings(names)
	c.line("probe config", "%s: %d module(s): %s", path, len(names), strings.Join(names, ", "))
}

func collectorFix(s collector.CollectorStatus) string {
	msg := s.Err.Error()
	switch {
	case errors.Is(s.Err, os.ErrPermission) || strings.Contains(msg, "permission denied"):
		return "give the exporter's user read access to the file (e.g. add it to the file's group); it needs no write access"
	case errors.Is(s.Err, os.ErrNotExist) || strings.Contains(msg, "no such file"):
		return "check --dhcpd.leases-file and --dhcpd.config-file: they must be the files dhcpd uses"
	case errors.Is(s.Err, context.DeadlineExceeded):
		return "the read did not finish in --web.scrape-timeout: a hung file system, or a very large file on a slow disk"
	}
	return ""
}
