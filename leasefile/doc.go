// Package leasefile reads the two files ISC dhcpd 4.x keeps on disk: its
// configuration (dhcpd.conf, with includes) and its lease database
// (dhcpd.leases). Both share dhcpd's lexical rules (common/conflex.c), so one
// tokenizer serves both parsers.
//
// The package knows nothing of Prometheus or OMAPI: it turns files into plain
// models. Errors name the file and line. Secrets found in key statements are
// held in a Secret, which never prints its contents.
package leasefile
