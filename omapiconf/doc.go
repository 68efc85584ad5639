// Package omapiconf works out how to reach dhcpd over OMAPI from the
// exporter's flags and dhcpd.conf: the address (omapi-port), the key
// (omapi-key and the file that declares it), and warnings about what dhcpd
// will refuse (another key name, algorithm or secret than dhcpd.conf
// requires; a key file everyone can read). Resolve does it once; Source
// follows dhcpd.conf and the key file and hands out a read-only
// omapi.Client for the settings in force, replacing it when they change.
//
// Every caller that talks to a dhcpd needs this: the exporter's scrapes,
// and a configuration check or a probe of another server. It knows nothing
// of Prometheus, and logs through log/slog.
package omapiconf
