// Package fidelity is hops' fidelity test bed: it builds one small topology
// twice, in Linux network namespaces and as a hops world, runs the same
// commands (ping, traceroute, a TCP transfer) in both, captures both, and
// compares the packets field by field and the tools' output line by line,
// with a short, explained list of allowed differences.
//
//	h1 eth0 ── eth0 r1 eth1 ══ eth0 r2 eth1 ── eth0 h2
//	  198.18.1.0/30     198.18.2.0/30     198.18.3.0/30
//	                    (MTU 1400)
//
// The package has only tests. The comparison needs root, network
// namespaces, iproute2, iputils ping and traceroute; without them it skips,
// unless HOPS_REQUIRE_NETNS=1 (scripts/test.sh sets it when run as root),
// where it fails. It creates only namespaces named hopsfid-<pid>-…, with
// veth pairs inside them and addresses from 198.18.0.0/15, never touches
// the host's own namespace, and deletes every namespace it made, also after
// a failure. Inside its namespaces it turns TSO, GSO and GRO off (wire-sized
// TCP segments) and pins TCP's sysctls to the defaults hops follows
// (linuxTCPSysctls: tcp_rmem, tcp_syn_linear_timeouts). The TCP cases' Linux
// client and server are the test binary itself (helper_test.go).
//
// Run it with:
//
//	sudo go test ./internal/fidelity -v
//
// HOPS_FIDELITY_OUT=DIR keeps both sides' captures and outputs in DIR;
// HOPS_FIDELITY_HOPS=FILE compares that hops binary instead of building
// this checkout's.
// The cases, how to add one, and the allowed differences are in
// fidelity_test.go.
package fidelity
