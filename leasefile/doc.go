// Package leasefile reads ISC dhcpd 4.x's lease database, dhcpd.leases, and
// counts addresses by the binding state dhcpd holds them in now
// (docs/lease-states.md has every rule with its dhcpd source lines).
// LeaseFile follows the file across dhcpd's appends and rewrites, reading
// only what was appended; LeaseDB keeps the last record of every address
// and counts a range of addresses (CountRange) in a pool with or without
// failover.
//
// It knows nothing of Prometheus, OMAPI or dhcpd.conf: a caller gives it
// the ranges to count (dhcpdconf reads them). It uses only the standard
// library, dhcpd's binding states (binding) and the lexer it shares with
// dhcpdconf (internal/conflex, after dhcpd's common/conflex.c). Errors name
// the file and line.
package leasefile
