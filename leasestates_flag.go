package main

import (
	"github.com/alecthomas/kingpin/v2"

	"github.com/dhcpd-exporter/dhcpd_exporter/collector"
)

// addLeaseStatesFlag declares --collector.leases.states (wired into
// collector.Options once the collector supports it).
func addLeaseStatesFlag(app *kingpin.Application, f *flags) {}

func setLeaseStates(f *flags, o *collector.Options) {}
