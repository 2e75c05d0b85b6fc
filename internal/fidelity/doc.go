// Package fidelity is hops' fidelity test bed: it builds one small topology
// twice, in Linux network namespaces and as a hops world, runs the same
// commands (ping, traceroute) in both, captures both, and compares the
// packets field by field and the tools' output line by line, with a short,
// explained list of allowed differences.
//
//	h1 eth0 ── eth0 r1 eth1 ══ eth0 r2 eth1 ── eth0 h2
//	  198.18.1.0/30     198.18.2.0/30     198.18.3.0/30
//	                    (MTU 1400)
//
// The package has only tests. The comparison needs root, network
// namespaces, iputils ping, traceroute and dumpcap; without them it skips,
// unless HOPS_REQUIRE_NETNS=1 (scripts/test.sh sets it when run as root),
// where it fails. It creates only namespaces named hopsfid-<pid>-…, with
// veth pairs inside them and addresses from 198.18.0.0/15, never touches
// the host's own namespace, and deletes every namespace it made, also after
// a failure.
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
