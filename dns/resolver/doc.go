// Package resolver is hops' recursive DNS resolver as a sans-I/O engine,
// after Unbound's iterator: a client's question goes in; queries to name
// servers, answers to clients and a deadline come out. It never reads a
// clock, starts a goroutine or touches a socket; app/dnsserver binds it
// to a node.
//
// Every input carries the current time:
//
//	HandleQuery     a client's query message (a stub asking with RD)
//	Resolve         a question from code on the same node (dig +trace)
//	HandleResponse  a name server's answer to one of the engine's queries
//	HandleError     a query that failed at once (ICMP unreachable, TCP reset)
//	HandleTimers    the deadline from NextDeadline has come
//
// and the caller then drains AppendQueries (datagrams or TCP exchanges to
// send, and transactions to forget) and AppendResults (answers), and
// sleeps until NextDeadline.
//
// The rules, one per file:
//
//	iterate.go   the state machine: cache → closest delegation → pick a
//	             server → query; glueless NS names resolved as sub-tasks;
//	             QNAME minimisation (RFC 9156) in asked
//	response.go  what an answer means: answer, CNAME, referral, NODATA,
//	             NXDOMAIN, lame; bailiwick scrubbing (no poisoning)
//	cache.go     TTL cache with RFC 2181 ranking and RFC 2308 negative entries
//	infra.go     smoothed RTT per server address, timeouts, backoff
//	reply.go     the answer to the client: RA, EDNS0, RFC 8914 extended errors
//	trace.go     the per-request trace of every step
package resolver
