package resolver

import (
	"errors"
	"net/netip"
	"time"

	"github.com/hopsnet/hops/sim"
	"github.com/miekg/dns"
)

// A Hint is a root server the resolver starts from (root hints).
type Hint struct {
	Name string // e.g. "a.root-servers.net."
	Addr netip.Addr
}

// Config sets a resolver up. Zero values take the defaults named.
type Config struct {
	// Roots are the root hints; required.
	Roots []Hint
	// Rand draws query IDs; required (one named stream per resolver).
	Rand *sim.Rand
	// NoQNameMin sends the whole name to every server (dig +trace does);
	// by default names are minimised (RFC 9156).
	NoQNameMin bool
	// NoCache keeps nothing between requests (dig +trace's client).
	NoCache bool
	// Timeout is the longest wait for one server's answer (default 1s);
	// a server with a known RTT gets four times its smoothed RTT.
	Timeout time.Duration
	// MaxQueries bounds the queries sent for one request (default 48).
	MaxQueries int
	// MaxDepth bounds nested glueless NS lookups (default 4).
	MaxDepth int
	// MaxCNAME bounds the CNAME chain (default 8).
	MaxCNAME int
	// MaxTries is how often one server address is asked in one request
	// before it is given up (default 2).
	MaxTries int
	// UDPSize is the EDNS0 size the resolver advertises upstream and to
	// its clients (default 1232).
	UDPSize uint16
	// CacheMax bounds the cache's entries (default 100000).
	CacheMax int
}

func (c *Config) defaults() {
	if c.Timeout <= 0 {
		c.Timeout = time.Second
	}
	if c.MaxQueries <= 0 {
		c.MaxQueries = 48
	}
	if c.MaxDepth <= 0 {
		c.MaxDepth = 4
	}
	if c.MaxCNAME <= 0 {
		c.MaxCNAME = 8
	}
	if c.MaxTries <= 0 {
		c.MaxTries = 2
	}
	if c.UDPSize < 512 {
		c.UDPSize = 1232
	}
	if c.CacheMax <= 0 {
		c.CacheMax = 100000
	}
}

// RequestID names one request (a client's query or a Resolve call).
type RequestID uint64

// TxID names one query to a name server.
type TxID uint64

// A Query is an output: send Msg to Server port 53 over UDP (or over TCP
// with RFC 7766 framing) and hand the answer to HandleResponse with Tx;
// or, with Forget set, the engine gave Tx up (a timeout): close its
// socket, later answers are no use.
type Query struct {
	Tx     TxID
	Server netip.Addr
	TCP    bool
	Msg    []byte
	Forget bool
}

// A Result is an output: a request's answer.
type Result struct {
	Req RequestID
	// Client is the value given to HandleQuery (0 for Resolve).
	Client uint64
	// Msg is the response; Wire its bytes for a client query, sized for
	// the client's transport (TC set when it did not fit a datagram).
	Msg  *dns.Msg
	Wire []byte
	// Trace is every step taken.
	Trace *Trace
}

// Stats counts what a resolver did.
type Stats struct {
	Requests, CacheHits        uint64 // client requests; those answered from the cache alone
	Queries, Timeouts, TCP     uint64 // queries sent; unanswered; over TCP
	Ignored                    uint64 // answers dropped: wrong source, ID, question; unparsable
	ServFail                   uint64 // requests answered SERVFAIL
	OutOfBailiwick, LameServer uint64 // records scrubbed; lame answers
}

// ErrDrop is returned by HandleQuery for a message that gets no answer:
// too short for a header, or a response.
var ErrDrop = errors.New("dns: message dropped")

// A Resolver is one recursive resolver: its cache, its server RTTs and the
// requests in flight.
type Resolver struct {
	cfg   Config
	cache *cache
	infra infra
	stats Stats

	nextReq RequestID
	nextTx  TxID
	txs     map[TxID]*tx
	// txOrder holds the live transactions in the order they were sent,
	// so timeouts fire in a deterministic order.
	txOrder []*tx

	queries []Query
	results []Result
}

// New returns a resolver for cfg.
func New(cfg Config) *Resolver {
	cfg.defaults()
	r := &Resolver{cfg: cfg, txs: map[TxID]*tx{}, infra: infra{srtt: map[netip.Addr]time.Duration{}}}
	if !cfg.NoCache {
		r.cache = newCache(cfg.CacheMax)
	}
	return r
}

// Stats returns the counters.
func (r *Resolver) Stats() Stats { return r.stats }

// CacheLen is how many entries the cache holds.
func (r *Resolver) CacheLen() int {
	if r.cache == nil {
		return 0
	}
	return r.cache.Len()
}

// SRTT is the smoothed RTT of a server address (ok false: never measured).
func (r *Resolver) SRTT(a netip.Addr) (time.Duration, bool) {
	d, ok := r.infra.srtt[a]
	return d, ok
}

// Resolve starts resolving name and qtype for code on the resolver's node;
// the answer comes out of AppendResults with the returned ID.
func (r *Resolver) Resolve(now sim.Time, name string, qtype uint16) RequestID {
	req := r.newRequest(now, dns.Fqdn(name), qtype)
	r.start(now, req)
	return req.id
}

// AppendQueries appends the queries to send (and transactions to forget)
// to dst and clears them.
func (r *Resolver) AppendQueries(dst []Query) []Query {
	dst = append(dst, r.queries...)
	clear(r.queries)
	r.queries = r.queries[:0]
	return dst
}

// AppendResults appends the finished requests' answers to dst and clears
// them.
func (r *Resolver) AppendResults(dst []Result) []Result {
	dst = append(dst, r.results...)
	clear(r.results)
	r.results = r.results[:0]
	return dst
}

// NextDeadline is when HandleTimers must next run: the earliest timeout
// of a query in flight.
func (r *Resolver) NextDeadline() (sim.Time, bool) {
	at := sim.Never
	for _, t := range r.txOrder {
		at = min(at, t.deadline)
	}
	return at, at != sim.Never
}

// HandleTimers times out every query whose deadline has come.
func (r *Resolver) HandleTimers(now sim.Time) {
	var due []*tx
	for _, t := range r.txOrder {
		if now >= t.deadline {
			due = append(due, t)
		}
	}
	for _, t := range due {
		if r.txs[t.id] != t {
			continue
		}
		r.endTx(t)
		r.queries = append(r.queries, Query{Tx: t.id, Server: t.server, Forget: true})
		r.stats.Timeouts++
		r.infra.timedOut(t.server)
		t.task.bad[t.server]++
		t.task.why[t.server] = "timed out"
		t.task.step(now, stepFor(t, "timeout", "no answer in "+t.deadline.Sub(t.sent).String(), nil, 0))
		r.retry(now, t.task)
	}
}

// HandleError reports that query tx failed at once (ICMP port or host
// unreachable, a TCP reset): the server is given up for this request.
func (r *Resolver) HandleError(now sim.Time, id TxID, err error) {
	t := r.txs[id]
	if t == nil {
		return
	}
	r.endTx(t)
	t.task.bad[t.server] = r.cfg.MaxTries
	t.task.why[t.server] = "failed: " + err.Error()
	t.task.step(now, stepFor(t, "error", err.Error(), nil, now.Sub(t.sent)))
	r.retry(now, t.task)
}

// endTx forgets a transaction.
func (r *Resolver) endTx(t *tx) {
	delete(r.txs, t.id)
	for i, x := range r.txOrder {
		if x == t {
			r.txOrder = append(r.txOrder[:i], r.txOrder[i+1:]...)
			break
		}
	}
	if t.task.tx == t {
		t.task.tx = nil
	}
}
