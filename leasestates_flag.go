package main

import (
	"strings"

	"github.com/alecthomas/kingpin/v2"

	"github.com/dhcpd-exporter/dhcpd_exporter/collector"
)

// addLeaseStatesFlag declares --collector.leases.states: at thousands of
// pools, dhcpd_pool_leases is most of the exposition, and an operator may
// want only the states they alert on.
func addLeaseStatesFlag(app *kingpin.Application, f *flags) {
	app.Flag("collector.leases.states", "States of dhcpd_pool_leases to export, comma-separated or repeated: free, active, expired, released, abandoned, reset, backup, reserved (default: all). Each state left out saves one series per pool.").PlaceHolder("STATE,...").StringsVar(&f.leaseStates)
}

// setLeaseStates passes the flag on; collector.New rejects an unknown state
// with the list of known ones.
func setLeaseStates(f *flags, o *collector.Options) {
	for _, v := range f.leaseStates {
		for _, s := range strings.Split(v, ",") {
			o.LeaseStates = append(o.LeaseStates, strings.TrimSpace(s))
		}
	}
}
