// Package dnsjudge holds no code: its tests have an independent DNS
// server judge hops' authoritative engine (dns/auth). The same zone files
// are served by auth.Server in-process and by Knot DNS (knotd, from
// Debian's knot package) on 127.0.0.1, and a table of queries over UDP
// (with and without EDNS0, with small buffers) and TCP must get the same
// rcode, header flags, OPT record and answer, authority and additional
// sections (as sets, TTLs included) from both. Where the two differ on
// purpose, the table names the difference and says why.
//
// The test skips when knotd is missing, unless HOPS_REQUIRE_DNSJUDGE=1
// is set or it runs as root (scripts/test-deps.sh installs knot then).
package dnsjudge
