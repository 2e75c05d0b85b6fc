package dhcp

import (
	"net/netip"
	"time"

	"github.com/hopsnet/hops/sim"
)

// ClientState is a state of RFC 2131 figure 5 (INIT-REBOOT and
// REBOOTING are not implemented: a client starts from INIT).
type ClientState uint8

// Client states. Stopped is before Start and after Release.
const (
	Stopped ClientState = iota
	Init
	Selecting
	Requesting
	BoundState
	Renewing
	Rebinding
)

func (s ClientState) String() string {
	return [...]string{"STOPPED", "INIT", "SELECTING", "REQUESTING", "BOUND", "RENEWING", "REBINDING"}[s]
}

// ClientConfig configures a [Client].
type ClientConfig struct {
	HW        [6]byte // Ethernet address (chaddr)
	ClientID  []byte  // option 61; none if empty
	Hostname  string  // option 12; none if empty
	Broadcast bool    // set the BROADCAST flag: ask for broadcast replies
	// Params is the parameter request list (option 55); nil asks for
	// mask, router, DNS, host name, lease, server ID, T1 and T2.
	Params []byte
	// MaxRequests bounds the REQUESTs sent in REQUESTING before going
	// back to INIT (RFC 2131 section 4.4.1); default 5 (about 2 min).
	MaxRequests int
	// StartDelayMax: the client waits a random time up to this before
	// its first DISCOVER ("between one and ten seconds", RFC 2131
	// section 4.4.1, which a caller gets with 10 s). Default none.
	StartDelayMax time.Duration
}

// Binding is a lease the client holds.
type Binding struct {
	Addr      netip.Addr
	Prefix    netip.Prefix // Addr with the subnet mask (/32 without one)
	Router    []netip.Addr
	DNS       []netip.Addr
	Server    netip.Addr // server identifier
	LeaseTime time.Duration
	// Start is when the REQUEST that got the lease was sent (RFC 2131
	// section 4.4.1: lease times count from it); T1, T2 and Expires are
	// absolute (sim.Never for an infinite lease).
	Start, T1, T2, Expires sim.Time
}

// EventKind says what happened to the client's lease.
type EventKind uint8

// Event kinds.
const (
	EvBound    EventKind = iota // a new lease: configure the address
	EvRenewed                   // the lease was extended (maybe with new options)
	EvNak                       // the server refused: unconfigure, back to INIT
	EvExpired                   // the lease ran out: unconfigure, back to INIT
	EvReleased                  // released by Release: unconfigure
	EvDeclined                  // declined by Decline: unconfigure
)

func (k EventKind) String() string {
	return [...]string{"bound", "renewed", "nak", "expired", "released", "declined"}[k]
}

// Event is a change of the client's lease for its host to act on.
type Event struct {
	At      sim.Time
	Kind    EventKind
	Binding Binding // the new lease, or the one lost
}

// Retransmission bounds (RFC 2131 sections 4.1 and 4.4.5).
const (
	firstRTO    = 4 * time.Second  // first retransmission delay
	maxRTO      = 64 * time.Second // cap of the doubling
	jitter      = time.Second      // uniform in [-1 s, +1 s]
	minRenewGap = 60 * time.Second // "down to a minimum of 60 seconds"
	declineWait = 10 * time.Second // after DECLINE, before DISCOVER (4.4.1)
)

var defaultParams = []byte{OptSubnetMask, OptRouter, OptDNS, OptHostname, OptLeaseTime,
	OptServerID, OptRenewalT1, OptRebindingT2}

// Client is a DHCP client engine for one interface.
type Client struct {
	cfg   ClientConfig
	rng   *sim.Rand
	state ClientState
	xid   uint32
	began sim.Time      // start of the exchange, for the secs field
	sent  sim.Time      // when the first REQUEST of this exchange went out
	rto   time.Duration // current retransmission base delay
	tries int           // REQUESTs sent in REQUESTING
	offer Message       // the offer being requested
	bind  Binding
	due   sim.Time // next deadline; sim.Never when none
	out   []Datagram
	evs   []Event
}

// NewClient returns a stopped client drawing transaction IDs and
// jitter from rng.
func NewClient(cfg ClientConfig, rng *sim.Rand) *Client {
	if cfg.Params == nil {
		cfg.Params = defaultParams
	}
	if cfg.MaxRequests <= 0 {
		cfg.MaxRequests = 5
	}
	return &Client{cfg: cfg, rng: rng, due: sim.Never}
}

// State returns the client's state.
func (c *Client) State() ClientState { return c.state }

// Binding returns the lease the client holds, if any.
func (c *Client) Binding() (Binding, bool) {
	ok := c.state == BoundState || c.state == Renewing || c.state == Rebinding
	return c.bind, ok
}

// NextDeadline returns when Advance must next be called (sim.Never:
// not until a datagram arrives).
func (c *Client) NextDeadline() sim.Time { return c.due }

// Output appends the queued datagrams to dst and empties the queue.
func (c *Client) Output(dst []Datagram) []Datagram {
	dst = append(dst, c.out...)
	c.out = c.out[:0]
	return dst
}

// Events appends the events since the last call to dst and empties the
// queue.
func (c *Client) Events(dst []Event) []Event {
	dst = append(dst, c.evs...)
	c.evs = c.evs[:0]
	return dst
}

// Start leaves Stopped for INIT: the first DISCOVER goes out now, or
// after the random start delay. It does nothing unless Stopped.
func (c *Client) Start(now sim.Time) {
	if c.state != Stopped {
		return
	}
	c.state = Init
	c.due = now
	if c.cfg.StartDelayMax > 0 {
		c.due = now + sim.Time(c.rng.Int64N(int64(c.cfg.StartDelayMax)))
	}
	c.Advance(now)
}

// backoff returns the delay before the next retransmission and doubles
// the base: 4 s, 8 s, ... 64 s, each randomized by a uniform -1..+1 s
// (RFC 2131 section 4.1).
func (c *Client) backoff() time.Duration {
	d := c.rto + time.Duration(c.rng.Int64N(int64(2*jitter)+1)) - jitter
	c.rto = min(2*c.rto, maxRTO)
	return d
}

// renewWait is section 4.4.5's retransmission delay in RENEWING and
// REBINDING: half the time left until limit, at least 60 s, but never
// past limit.
func renewWait(now, limit sim.Time) sim.Time {
	half := (limit - now) / 2
	return min(now+max(half, sim.Time(minRenewGap)), limit)
}
