// Package omapi is a client for OMAPI, the object management protocol of ISC
// dhcpd 4.x (TCP, HMAC-signed, default port 7911).
//
// It knows nothing of Prometheus. It speaks the wire protocol as dhcpd 4.4.3
// really implements it (24-byte header authid, authlen, op, handle, id, rid;
// see ../shared/docs/isc-dhcp-facts.md §1), signs requests and verifies the
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
// they drain, so a window whose replies add up to well under 4,044 bytes, whose
// replies are all read before the next window is sent, can never trigger it.
// See window.go.
//
// A Client is read-only unless Config.AllowWrites is set: it then refuses, before
// anything is sent, every operation other than OPEN without create, update or
// exclusive flags and REFRESH. The exporter only ever builds read-only clients.
package omapi
