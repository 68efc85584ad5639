// Package probe serves /probe?target=HOST:PORT&module=NAME: one exporter
// watching many dhcpd servers over OMAPI, the way snmp_exporter and
// blackbox_exporter watch switches and websites. The module (from a strict
// YAML file, Config) says how to talk to a target: the OMAPI key, the
// failover peers to poll, the timeout, and optionally a copy of the target's
// dhcpd.conf for pool counters and peer details.
//
// Each probe is one scrape of the collector package's Exporter with a fresh
// registry (collector.NewHandler), so /probe exports the same metric names
// as the local /metrics mode. Lease-file counts stay in the local mode: a
// probe reads only what OMAPI tells.
//
// dhcpd 4.4.3 listens for OMAPI with a backlog of 1, so the Pool keeps ONE
// omapi.Client per target (address and key) between probes and lets
// concurrent probes of a target share it (the client serialises windows).
// Targets not probed for a while are closed, and the number of targets open
// at once is bounded.
package probe
