package dhcpdconf

import (
	"errors"
	"strings"
	"testing"
)

const subnet10 = "subnet 10.0.0.0 netmask 255.255.255.0 {\n"

// configErrorCases: malformed statements and misplaced declarations are
// errors that name the file and line. Cases marked [live] are refused by a
// real dhcpd too (TestRealDhcpdRefuses).
var configErrorCases = []struct{ conf, want string }{
	// Values.
	{"omapi-port abc;", `test.conf:1: omapi-port: expected a number from 0 to 65535, found "abc" [live]`},
	{"omapi-port 70000;", `test.conf:1: omapi-port: expected a number from 0 to 65535, found "70000" [live]`},
	{"omapi-port 7911", "test.conf:1: omapi-port: expected ';', found end of file [live]"},
	{"omapi-key ;", "test.conf:1: omapi-key: expected a name, found \";\" [live]"},
	{"\n\nsubnet 10.0.0.1 netmask 255.255.255.0 { }", "test.conf:3: subnet 10.0.0.1 netmask 255.255.255.0: bad subnet number/mask combination (the network has host bits set) [live]"},
	{"subnet 10.0.0.0 netmask 255.0.255.0 { }", "test.conf:1: subnet 10.0.0.0: netmask 255.0.255.0 is not contiguous"},
	{"subnet 10.0.0 netmask 255.255.255.0 { }", `test.conf:1: expected an IPv4 address, found "netmask" [live]`},
	{"subnet 10.0.0.0 mask 255.255.255.0 { }", `test.conf:1: subnet 10.0.0.0: expected netmask, found "mask" [live]`},
	{subnet10 + " range 10.0.0.1 x;\n}", `test.conf:2: expected an IPv4 address, found "x" [live]`},
	{subnet10 + " range 10.0.0.1 10.0.0.2\n}", `test.conf:3: range: expected ';', found "}" [live]`},
	{subnet10 + " range dynamic-bootp;\n}", `test.conf:2: expected an IPv4 address, found ";" [live]`},
	// Ranges outside their subnet.
	{subnet10 + " range 10.0.1.1;\n}", "test.conf:2: range 10.0.1.1-10.0.1.1: bad range, not inside subnet 10.0.0.0/24 [live]"},
	{subnet10 + " range 10.0.0.250 10.0.1.1;\n}", "test.conf:2: range 10.0.0.250-10.0.1.1: bad range, not inside subnet 10.0.0.0/24 [live]"},
	{"shared-network s {\n pool { range 10.0.0.1; }\n subnet 10.0.0.0 netmask 255.255.255.0 { } }", "test.conf:2: range 10.0.0.1-10.0.0.1: address range not on network s (pools must come after the subnets they draw from) [live]"},
	// A pool in a subnet draws from that subnet only (confpars.c:3828-3830).
	{"shared-network s {\n subnet 10.0.1.0 netmask 255.255.255.0 { }\n subnet 10.0.0.0 netmask 255.255.255.0 {\n  pool { range 10.0.1.5; } } }", "test.conf:4: range 10.0.1.5-10.0.1.5: bad range, not inside subnet 10.0.0.0/24 [live]"},
	// The /24 goes before the /16 in dhcpd's sibling list.
	{"shared-network s {\n subnet 10.0.0.0 netmask 255.255.0.0 { }\n subnet 10.9.0.0 netmask 255.255.255.0 { }\n subnet 10.0.1.0 netmask 255.255.255.0 { }\n pool { range 10.0.1.5 10.0.2.5; } }",
		"test.conf:5: range 10.0.1.5-10.0.2.5: bad range, not inside subnet 10.0.1.0/24 [live]"},
	// Misplaced declarations.
	{"range 10.0.0.1;", "test.conf:1: range declaration not allowed here (only in a subnet or pool) [live]"},
	{"group {\n range 10.0.0.1; }", "test.conf:2: range declaration not allowed here (only in a subnet or pool) [live]"},
	{"pool { range 10.0.0.1; }", "test.conf:1: pool declared outside of network (only in a subnet or shared-network) [live]"},
	{"group { pool { range 10.0.0.1; } }", "test.conf:1: pool declared outside of network (only in a subnet or shared-network) [live]"},
	{subnet10 + " pool { pool { range 10.0.0.1; } } }", "test.conf:2: pool declared within pool [live]"},
	{subnet10 + " subnet 10.0.0.0 netmask 255.255.255.128 { } }", "test.conf:2: subnet declarations not allowed here (not inside a subnet) [live]"},
	{"shared-network a {\n shared-network b { } }", "test.conf:2: shared-network declarations not allowed here (only at the top level or in a group) [live]"},
	{"shared-network \"\" { }", "test.conf:1: zero-length shared network name [live]"},
	// Pools.
	{subnet10 + " pool { }\n}", "test.conf:2: pool declaration with no address range [live]"},
	{subnet10 + " pool { allow booting; range 10.0.0.1; }\n}", `test.conf:2: allow: expected a permit type, found "booting" [live]`},
	{subnet10 + " pool { deny dynamic clients; range 10.0.0.1; }\n}", `test.conf:2: deny dynamic: expected "bootp", found "clients" [live]`},
	{subnet10 + " pool { allow known; range 10.0.0.1; }\n}", `test.conf:2: allow: expected "clients", found ";" [live]`},
	{subnet10 + " pool { allow members of c; range 10.0.0.1; }\n}", `test.conf:2: allow members of: expected a quoted class name, found "c" [live]`},
	{subnet10 + " pool { allow after never; deny after never; range 10.0.0.1; }\n}", `test.conf:2: duplicate "after" clause [live]`},
	{subnet10 + " pool {\n failover peer \"nope\"; range 10.0.0.1; }\n}", `test.conf:3: reference to unknown failover peer "nope" (it must be declared before it is used) [live]`},
	{peerDecl + subnet10 + " pool { failover peer fo; range 10.0.0.1; }\n}", `test.conf:3: failover peer in a pool: expected the peer name as a quoted string, found "fo" [live]`},
	{peerDecl + subnet10 + " pool { no failover; range 10.0.0.1; }\n}", `test.conf:3: expected "no failover peer" [live]`},
	{peerDecl + subnet10 + " pool { failover peer \"fo\"; range dynamic-bootp 10.0.0.1; }\n}", `test.conf:3: range dynamic-bootp 10.0.0.1-10.0.0.1: dynamic-bootp is not permitted in a pool with failover peer "fo" [live]`},
	// The bug sends the second dynamic-bootp range into the failover pool.
	{peerDecl + subnet10 + " pool { failover peer \"fo\"; range 10.0.0.1; }\n range dynamic-bootp 10.0.0.2;\n range dynamic-bootp 10.0.0.3;\n}",
		`test.conf:5: range dynamic-bootp 10.0.0.3-10.0.0.3: dynamic-bootp is not permitted in a pool with failover peer "fo" [live]`},
	// An include in a pool is read by parse_statement, not by the pool's loop.
	{subnet10 + " pool { range 10.0.0.1; include \"testdata/include/range.conf\"; }\n}", "testdata/include/range.conf:2: range declaration not allowed here (only in a subnet or pool)"},
	// Failover.
	{"failover peer x { primary; peer address 1.2.3.4; mclt 10; }", `test.conf:1: failover peer "x": primary failover server must have hba or split [live]`},
	{"failover peer x { primary; peer address 1.2.3.4; split 128; }", `test.conf:1: failover peer "x": primary failover server must have mclt [live]`},
	{"failover peer x {\n secondary;\n peer address 1.2.3.4;\n split 10; }", `test.conf:4: failover peer "x": secondary may not define load balance settings [live]`},
	{"failover peer x {\n hba ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00;\n secondary; peer address 1.2.3.4; }",
		`test.conf:3: failover peer "x": secondary may not define load balance settings [live]`},
	{"failover peer x { primary; split 128; mclt 5; }", `test.conf:1: failover peer "x": peer address may not be omitted [live]`},
	{"failover peer x { primary; peer address 1.2.3.4; mclt 5; split 300; }", `test.conf:1: failover peer "x": split must be between 0 and 256, inclusive [live]`},
	// Numbers as dhcpd's atoi reads them: "split -1" is a huge u_int32_t,
	// and 2^32 truncates to an int of 0, which is no mclt at all.
	{"failover peer x { primary; peer address 1.2.3.4; mclt 5; split -1; }", `test.conf:1: failover peer "x": split must be between 0 and 256, inclusive [live]`},
	{"failover peer x { primary; peer address 1.2.3.4; mclt 4294967296; split 128; }", `test.conf:1: failover peer "x": primary failover server must have mclt [live]`},
	{"failover peer x { primary; peer address 1.2.3.4; mclt 5; hba ff:01; }", `test.conf:1: failover peer "x": HBA must be exactly 32 bytes [live]`},
	{"failover peer x { secondary; peer address 1.2.3.4; frobnicate 3; }", `test.conf:1: failover peer "x": invalid statement "frobnicate" in peer declaration [live]`},
	{"failover peer x { secondary; peer address 1.2.3.4; port x; }", `test.conf:1: failover peer "x" port: expected a number, found "x" [live]`},
	{"failover peer x { secondary; peer address 1.2.3.4 }", `test.conf:1: failover peer "x": expected ';', found "}" [live]`},
	{"failover peer x { secondary; peer address 1.2.3.4; load balance max 3; }", `test.conf:1: failover peer "x": expected "load balance max seconds N" [live]`},
	{peerDecl + "failover peer \"fo\" { secondary; peer address 1.2.3.4; }", `test.conf:2: redeclaration of failover peer "fo" [live]`},
	{"failover peer a.b { secondary; peer address 1.2.3.4; }", `test.conf:1: failover peer "a": expected '{', ';' or state, found "." [live]`},
	{"failover peer x state { }", `test.conf:1: state declaration for unknown failover peer "x" [live]`},
	{peerDecl + "failover peer \"fo\";", `test.conf:2: failover peer reference "fo" not in a shared-network declaration [live]`},
	{"shared-network s { failover peer \"fo\"; }", `test.conf:1: reference to unknown failover peer "fo" (it must be declared before it is used) [live]`},
	{"group { failover peer x { secondary; peer address 1.2.3.4; } }", "test.conf:1: failover peers may only be defined in shared-network declarations and the outer scope [live]"},
	{subnet10 + " failover peer x { secondary; peer address 1.2.3.4; } }", "test.conf:2: failover peers may only be defined in shared-network declarations and the outer scope [live]"},
	{"failover x;", `test.conf:1: expected "failover peer", found "x" [live]`},
	// Structure.
	{subnet10, "test.conf:1: unexpected end of file (line 2): the '{' on this line is never closed [live]"},
	// A typo is reported where it is, not at the end of the file.
	{"authoritative;\ndefault-lease-time 600;\nmax-lease-time 7200;\nmax-lease-time 7200 oops {;\n" + subnet10 + " range 10.0.0.10 10.0.0.20;\n}\n\n\n",
		"test.conf:4: unexpected end of file (line 10): the '{' on this line is never closed [live]"},
	{"option domain-name \"unterminated;\n\n", "test.conf:1: unterminated string [live]"},
	{"option domain-name \"x\"\n}", "test.conf:2: missing ';' before '}' [live]"},
	{"host h { fixed-address 10.0.0.1;", "test.conf:1: unexpected end of file (line 1): the '{' on this line is never closed [live]"},
	{"}", "test.conf:1: unexpected '}' [live]"},
	{"{ }", "test.conf:1: unexpected '{': expected a parameter or declaration [live]"},
	{"ddns-update-style none", "test.conf:1: unexpected end of file: missing ';' [live]"},
	{"include foo;", `test.conf:1: include: expected a quoted file name, found "foo" [live]`},
	{"\ninclude \"/nonexistent/x.conf\";", "test.conf:2: include: open /nonexistent/x.conf: no such file or directory"},
}

func TestConfigErrors(t *testing.T) {
	for _, c := range configErrorCases {
		want := strings.TrimSuffix(c.want, " [live]")
		_, err := Parse("test.conf", []byte(c.conf), Options{WorkDir: "."})
		if err == nil || err.Error() != want {
			t.Errorf("%q:\n got %v\nwant %s", c.conf, err, want)
		}
		var perr *Error
		if err != nil && (!errors.As(err, &perr) || perr.Pos.Line == 0) {
			t.Errorf("%q: error without a position: %#v", c.conf, err)
		}
	}
}

// Some things dhcpd refuses mean something clear: they are read, not errors.
func TestLenientWhereTheMeaningIsClear(t *testing.T) {
	cfg := mustParse(t, peerDecl+`;
shared-network empty { }
shared-network s {
  failover peer "fo";
  subnet 10.0.0.0 netmask 255.255.255.0 { ; }
  pool { no failover peer; range 10.0.0.1 10.0.0.5; }
  pool { no failover peer range 10.0.0.6; }
}
frobnicate the { unknown; } statement;
subnet 10.1.0.0 netmask 255.255.255.0 { range 10.1.0.1 10.1.0.9; range 10.1.0.5; }
`)
	if got, want := poolSummary(cfg), "s: 10.0.0.1-10.0.0.5 6; 10.1.0.0/24: 10.1.0.1-10.1.0.9 9 adhoc"; got != want {
		t.Errorf("\n got %s\nwant %s", got, want)
	}
	if len(cfg.Warnings) != 2 || !strings.Contains(cfg.Warnings[0].Error(), "declared by the range at test.conf:11") ||
		!strings.Contains(cfg.Warnings[1].Error(), `failover peer "fo": no pool refers to it`) {
		t.Errorf("warnings %v", cfg.Warnings)
	}
}
