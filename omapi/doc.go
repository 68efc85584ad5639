// Package omapi is a client for OMAPI, the object management protocol of ISC
// dhcpd 4.x (TCP, HMAC-signed). dhcpd has no default OMAPI port: it listens
// only where dhcpd.conf's omapi-port says, usually 7911.
//
// It knows nothing of Prometheus. It speaks the wire protocol as dhcpd 4.4.3
// really implements it (24-byte header authid, authlen, op, handle, id, rid,
// in that order on the wire, omapip/protocol.c:205-267 and 508-533, whatever
// the order of omapi_protocol_header_t's fields, omapip_p.h:79-87), signs
// requests and verifies the
// signatures of replies for every HMAC algorithm dhcpd accepts, and decodes
// the objects dhcpd serves into typed values.
//
// # Never harm dhcpd
//
// dhcpd is single-threaded and its OMAPI listener has a backlog of 1, so a
// Client keeps exactly one connection per server and serialises its users.
// Requests are pipelined only in bounded windows: dhcpd 4.4.3 aborts
// (dst_api.c REQUIRE) when, in one pass of its event loop, the signed replies
// it queues cross a boundary of its 4,047-byte output buffer inside the first
// signed field of a reply (omapip/buffer.c, omapi_connection_copyin keeps
// SIG_MODE_INIT set across loop iterations). Its output buffers are freed once
// they drain, and a window's replies are all read before the next window is
// sent, so a window whose replies add up to less than 4,044 bytes cannot
// trigger it. The client only estimates reply sizes: the estimates are
// conservative, keep a margin of about 1 KB, and are corrected from the
// replies of each window before the next is planned; the first request of a
// kind of reply not seen yet ends its window, so no reply is queued behind
// one of unknown size. See window.go.
//
// A Client is read-only unless Config.AllowWrites is set: it then refuses, before
// anything is sent, every operation other than OPEN without create, update or
// exclusive flags and REFRESH. The exporter only ever builds read-only clients.
// Lookups dhcpd would turn into a create (an empty or missing key) are refused
// too, whatever AllowWrites says.
//
// # Deadlines
//
// Nothing in a call waits longer than its context allows: not the turn to
// use the connection another caller holds (a waiter gives up when its own
// deadline passes, not the holder's), not the dial (even through a
// Config.Dial that ignores its context), the intro, the authentication, nor
// any read or write. A call whose context has no deadline and is never
// cancelled can wait as long as dhcpd does. Stats, Generation and Close
// never wait for a caller that holds the connection.
//
// # Failures
//
// Stats counts failures by FailureReason (connect, timeout, auth,
// protocol), and Reason classifies an error a call returned, so that an
// exporter can say "dhcpd rejected the key" rather than "dhcpd does not
// answer".
package omapi
