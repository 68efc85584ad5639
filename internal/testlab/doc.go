// Package testlab builds a real ISC dhcpd 4.4 lab for integration tests: a
// private network namespace with a bridge and a veth pair, and a dhcpd
// failover pair (or a lone primary) serving OMAPI on 127.0.0.1 inside it.
//
//	func TestSomething(t *testing.T) {
//		testlab.Require(t)
//		p := testlab.StartPair(t, testlab.PairOptions{})
//		conn, err := p.NS.DialContext(ctx, "tcp", p.Primary.OMAPIAddr)
//		...
//	}
//
// It is test support only: the exporter never imports it. It deliberately
// imports nothing else from this module, and waits for failover states with
// omshell rather than with the project's OMAPI client, so the client under
// test is not needed to run the lab and tests can cross-check it against
// dhcpd's own tool.
//
// Lifetimes hang on an Env: *testing.T and *testing.B are one, and Session is
// one for a lab shared by a package's tests (Global with Main) or started by
// a program (cmd/dhcpd-lab).
//
// All traffic stays on loopback or inside the namespaces the package creates.
// Namespaces are named dxe<pid>x<n>, removed on cleanup after every process
// still inside has been killed by pid, and namespaces left by aborted runs
// (whose creating pid is gone) are removed by the next NewNetns.
package testlab
