// Package dhcpdconf reads ISC dhcpd 4.x's configuration, dhcpd.conf with
// its includes, into the model an exporter needs: the shared networks and
// their pools exactly as dhcpd 4.4.3 builds them (merging, ad-hoc pools and
// their bug included), failover peers, keys, and the OMAPI port and key.
// ParseFile and Parse read it once; Source reads it again whenever one of
// its files changes and keeps the last configuration that parsed, as dhcpd
// keeps running what it read at its start.
//
// It knows nothing of Prometheus, OMAPI or dhcpd.leases (leasefile reads
// that), and uses only the standard library and the lexer it shares with
// leasefile (internal/conflex, after dhcpd's common/conflex.c). Errors name
// the file and line. Secrets found in key statements are held in a Secret,
// which never prints its contents.
package dhcpdconf
