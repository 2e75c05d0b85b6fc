// Package auth is hops' authoritative DNS server as a sans-I/O engine: it
// takes a query message (bytes) and the transport it came on and returns
// the response bytes. It never reads a clock, starts a goroutine or
// touches a socket; app/dnsserver binds it to a node's UDP and TCP port 53.
//
// The resolution rules live one per file, after CoreDNS's plugin/file:
//
//	closest.go    walking down the zone: the closest encloser, zone cuts (RFC 1034 4.3.2)
//	referral.go   delegation to a child zone: NS in authority, glue, AA off
//	answer.go     a name that exists: the RRset, NODATA with the SOA (RFC 2308)
//	cname.go      CNAME and chains inside the zone
//	wildcard.go   wildcard synthesis (RFC 4592), blocked by empty non-terminals
//	additional.go A/AAAA for NS, MX and SRV targets in the zone
//	edns.go       EDNS0 (RFC 6891): the client's UDP size, OPT echoed, BADVERS
//	truncate.go   TC when a UDP answer exceeds the client's size (RFC 2181 section 9)
//
// miekg/dns does the message codec and the RFC 1035 zone-file parser; the
// answer logic is ours.
package auth
