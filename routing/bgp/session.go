package bgp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/hopsnet/hops/sim"
)

// Timer defaults (RFC 4271 10).
const (
	DefaultHoldTime         = 90 * time.Second
	DefaultConnectRetryTime = 120 * time.Second
	// DefaultIdleHoldTime is how long a session waits in Idle after an
	// error before it starts again (the AutomaticStart event of 8.1.2).
	DefaultIdleHoldTime = 5 * time.Second
	// OpenHoldTime is the hold timer while waiting for the peer's OPEN:
	// "a large value ... A HoldTimer value of 4 minutes is suggested"
	// (RFC 4271 8.2.2).
	OpenHoldTime = 4 * time.Minute
	// NoHoldTime, as SessionConfig.HoldTime, proposes a hold time of
	// zero: no keepalives and no hold timer if the peer agrees.
	NoHoldTime time.Duration = -1
)

// State is a session state (RFC 4271 8.2.2).
type State uint8

// Session states.
const (
	Idle State = iota
	Connect
	Active
	OpenSent
	OpenConfirm
	Established
)

// String names the state as RFC 4271 does.
func (s State) String() string {
	switch s {
	case Idle:
		return "Idle"
	case Connect:
		return "Connect"
	case Active:
		return "Active"
	case OpenSent:
		return "OpenSent"
	case OpenConfirm:
		return "OpenConfirm"
	case Established:
		return "Established"
	}
	return fmt.Sprintf("State(%d)", uint8(s))
}

// SessionConfig configures one session. Zero durations take the defaults.
type SessionConfig struct {
	LocalAS   uint32
	PeerAS    uint32
	RouterID  netip.Addr // our BGP Identifier, an IPv4 address
	LocalAddr netip.Addr // our end of the connection: NEXT_HOP towards the peer
	PeerAddr  netip.Addr // the peer's end; the last tie-break of the decision process
	// HoldTime is the hold time proposed in our OPEN, whole seconds, at
	// least 3 s; NoHoldTime proposes zero.
	HoldTime         time.Duration
	ConnectRetryTime time.Duration
	// IdleHoldTime is how long the session stays Idle after an error or a
	// lost connection before it starts again by itself; negative: it
	// stays Idle until Start.
	IdleHoldTime time.Duration
	// Passive sessions never ask for a connection: they wait in Active
	// for the caller to report one it accepted.
	Passive bool
	// NoFirstASCheck accepts routes whose leftmost AS is not the peer's:
	// a route server's clients need it (RFC 7947 2.2.2), since the
	// server does not put its AS in the paths it passes on.
	NoFirstASCheck bool
	// TwoOctetAS leaves the 4-octet AS capability out of our OPEN, as an
	// "OLD" speaker of RFC 6793 would; LocalAS must then fit in 2 octets.
	TwoOctetAS bool
}

// EventKind says what an [Event] reports.
type EventKind uint8

// Event kinds.
const (
	// EventState: the session went from Prev to State; Err says why it
	// fell to Idle, if it did.
	EventState EventKind = iota + 1
	// EventDial: open a TCP connection to the peer and call Connected, or
	// Closed if it fails.
	EventDial
	// EventClose: close the TCP connection, after writing the output
	// already returned by AppendOutput.
	EventClose
	// EventUpdate: the peer announced NLRI with Path and withdrew
	// Withdrawn. Err holds an RFC 7606 error that did not reset the
	// session: on treat-as-withdraw the NLRI are in Withdrawn.
	EventUpdate
	// EventNotification: a NOTIFICATION was sent (Sent) or received.
	EventNotification
	// EventBest: the speaker's best route for Prefix changed; Best is nil
	// when there is none left.
	EventBest
)

// String names the kind.
func (k EventKind) String() string {
	switch k {
	case EventState:
		return "state"
	case EventDial:
		return "dial"
	case EventClose:
		return "close"
	case EventUpdate:
		return "update"
	case EventNotification:
		return "notification"
	case EventBest:
		return "best"
	}
	return fmt.Sprintf("EventKind(%d)", uint8(k))
}

// Event is something the engine did or learned. Only the fields of its
// Kind are set.
type Event struct {
	Kind EventKind
	// Peer is the peer's index in a [Speaker], -1 for the speaker's own
	// events; 0 from a lone Session.
	Peer        int
	Prev, State State
	Err         error

	Path      *Path
	NLRI      []netip.Prefix
	Withdrawn []netip.Prefix

	Notification *Notification
	Sent         bool

	Prefix netip.Prefix
	Best   *Route
}

// String describes the event for logs.
func (e Event) String() string {
	switch e.Kind {
	case EventState:
		s := fmt.Sprintf("peer %d: %v -> %v", e.Peer, e.Prev, e.State)
		if e.Err != nil {
			s += ": " + e.Err.Error()
		}
		return s
	case EventUpdate:
		return fmt.Sprintf("peer %d: update nlri %v withdrawn %v path %v", e.Peer, e.NLRI, e.Withdrawn, e.Path)
	case EventNotification:
		dir := "received"
		if e.Sent {
			dir = "sent"
		}
		return fmt.Sprintf("peer %d: notification %s: %v", e.Peer, dir, e.Notification)
	case EventBest:
		if e.Best == nil {
			return fmt.Sprintf("best %v: none", e.Prefix)
		}
		return fmt.Sprintf("best %v: from peer %d %v", e.Prefix, e.Best.Peer, e.Best.Path)
	}
	return fmt.Sprintf("peer %d: %v", e.Peer, e.Kind)
}

// Errors returned by Connected and by the session API.
var (
	ErrNotStarted = errors.New("bgp: session is Idle; refuse the connection")
	ErrBusy       = errors.New("bgp: session already has a connection; refuse the new one")
	ErrTooLarge   = errors.New("bgp: path attributes do not fit in a message")
)

// SessionStats counts messages by type, for tests.
type SessionStats struct {
	In, Out [TypeKeepalive + 1]uint64
}

// Session is the state machine of one BGP connection to one peer (RFC
// 4271 8). It is not safe for concurrent use; it needs none, as it never
// blocks.
type Session struct {
	cfg       SessionConfig
	state     State
	started   bool // Start called, Stop not: automatic restarts allowed
	connected bool // the caller has a connection for us
	framer    Framer
	out       []byte
	events    []Event

	connectRetryAt, holdAt, keepaliveAt, idleHoldAt sim.Time

	// Negotiated when the peer's OPEN arrives.
	peerID    netip.Addr
	hold      time.Duration
	keepalive time.Duration
	four      bool
	// ConnectRetryCounter counts the times the session fell to Idle.
	ConnectRetryCounter int
	// Stats is updated as the session runs.
	Stats SessionStats
}

// NewSession returns a session in Idle.
func NewSession(cfg SessionConfig) (*Session, error) {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&cfg.HoldTime, DefaultHoldTime)
	def(&cfg.ConnectRetryTime, DefaultConnectRetryTime)
	def(&cfg.IdleHoldTime, DefaultIdleHoldTime)
	switch {
	case cfg.LocalAS == 0 || cfg.PeerAS == 0:
		return nil, errors.New("bgp: AS number 0")
	case cfg.TwoOctetAS && cfg.LocalAS > 0xffff:
		return nil, fmt.Errorf("bgp: AS %d needs the 4-octet AS capability", cfg.LocalAS)
	case !cfg.RouterID.Is4() || cfg.RouterID.IsUnspecified():
		return nil, fmt.Errorf("bgp: router ID %v: want a non-zero IPv4 address", cfg.RouterID)
	case !cfg.LocalAddr.Is4() || !cfg.PeerAddr.Is4():
		return nil, fmt.Errorf("bgp: addresses %v, %v: want IPv4", cfg.LocalAddr, cfg.PeerAddr)
	case cfg.HoldTime != NoHoldTime && (cfg.HoldTime < 3*time.Second || cfg.HoldTime > 65535*time.Second || cfg.HoldTime%time.Second != 0):
		return nil, fmt.Errorf("bgp: hold time %v: want whole seconds from 3 s to 65535 s", cfg.HoldTime)
	case cfg.ConnectRetryTime < 0:
		return nil, fmt.Errorf("bgp: connect retry time %v", cfg.ConnectRetryTime)
	}
	s := &Session{cfg: cfg}
	s.stopTimers()
	s.idleHoldAt = sim.Never
	return s, nil
}

// Config returns the configuration with defaults filled in.
func (s *Session) Config() SessionConfig { return s.cfg }

// State returns the current state.
func (s *Session) State() State { return s.state }

// External reports whether the peer is in another AS (eBGP).
func (s *Session) External() bool { return s.cfg.PeerAS != s.cfg.LocalAS }

// PeerID returns the peer's BGP Identifier, once its OPEN has arrived.
func (s *Session) PeerID() netip.Addr { return s.peerID }

// HoldTime returns the negotiated hold time: the smaller of both
// proposals (RFC 4271 4.2); zero means no hold timer.
func (s *Session) HoldTime() time.Duration { return s.hold }

// FourOctet reports whether both speakers announced the 4-octet AS
// capability, so AS numbers travel in 4 octets (RFC 6793 4.1).
func (s *Session) FourOctet() bool { return s.four }

func (s *Session) stopTimers() {
	s.connectRetryAt, s.holdAt, s.keepaliveAt = sim.Never, sim.Never, sim.Never
}

func (s *Session) emit(e Event) { s.events = append(s.events, e) }

func (s *Session) setState(to State, err error) {
	if s.state == to {
		return
	}
	s.emit(Event{Kind: EventState, Prev: s.state, State: to, Err: err})
	s.state = to
}

// Start is the ManualStart event (RFC 4271 8.1.2, Events 1 and 4): from
// Idle the session asks for a connection (Connect) or, if Passive, waits
// for one (Active).
func (s *Session) Start(now sim.Time) {
	s.started = true
	if s.state == Idle {
		s.begin(now)
	}
}

func (s *Session) begin(now sim.Time) {
	s.idleHoldAt = sim.Never
	if s.cfg.Passive {
		s.setState(Active, nil)
		return
	}
	s.connectRetryAt = now.Add(s.cfg.ConnectRetryTime)
	s.setState(Connect, nil)
	s.emit(Event{Kind: EventDial})
}

// Stop is the ManualStop event (Event 2): a session past Active sends a
// NOTIFICATION Cease, Administrative Shutdown (RFC 4486); the connection
// is closed and the session stays Idle until Start.
func (s *Session) Stop(now sim.Time) {
	s.started = false
	s.idleHoldAt = sim.Never
	if s.state == Idle {
		return
	}
	if s.state >= OpenSent {
		s.notify(&Notification{Code: CodeCease, Subcode: SubCeaseAdminShutdown})
	}
	s.toIdle(now, errors.New("bgp: stopped"))
	// Event 2: "sets the ConnectRetryCounter to zero".
	s.ConnectRetryCounter = 0
}

// Connected reports a TCP connection to the peer, dialled or accepted
// (Events 16 and 17): the session sends its OPEN. It returns
// ErrNotStarted in Idle and ErrBusy past Active; the caller then closes
// the new connection.
func (s *Session) Connected(now sim.Time) error {
	switch s.state {
	case Idle:
		return ErrNotStarted
	case Connect, Active:
	default:
		return ErrBusy
	}
	s.connected = true
	s.framer.Reset()
	s.connectRetryAt = sim.Never
	s.send(now, s.open())
	s.holdAt = now.Add(OpenHoldTime)
	s.setState(OpenSent, nil)
	return nil
}

func (s *Session) open() *Open {
	hold := uint16(0)
	if s.cfg.HoldTime != NoHoldTime {
		hold = uint16(s.cfg.HoldTime / time.Second)
	}
	caps := []Capability{MultiprotocolCap(AFIIPv4, SAFIUnicast)}
	if !s.cfg.TwoOctetAS {
		caps = append(caps, FourOctetASCap(s.cfg.LocalAS))
	}
	return NewOpen(s.cfg.LocalAS, hold, s.cfg.RouterID, caps...)
}

// Closed reports that the connection failed or the peer closed it (Event
// 18). In OpenSent the session goes back to Active (RFC 4271 8.2.2);
// elsewhere to Idle.
func (s *Session) Closed(now sim.Time) {
	s.connected = false
	s.framer.Reset()
	switch s.state {
	case Idle:
	case OpenSent:
		s.stopTimers()
		s.connectRetryAt = now.Add(s.cfg.ConnectRetryTime)
		s.setState(Active, errors.New("bgp: connection closed"))
	default:
		s.toIdle(now, errors.New("bgp: connection closed"))
	}
}

// toIdle drops the session: "releases all BGP resources, drops the TCP
// connection, increments the ConnectRetryCounter ... and changes its
// state to Idle" (RFC 4271 8.2.2).
func (s *Session) toIdle(now sim.Time, err error) {
	s.stopTimers()
	if s.connected {
		s.connected = false
		s.emit(Event{Kind: EventClose})
	}
	s.framer.Reset()
	s.ConnectRetryCounter++
	if s.started && s.cfg.IdleHoldTime >= 0 {
		s.idleHoldAt = now.Add(s.cfg.IdleHoldTime)
	}
	s.setState(Idle, err)
}

// fail sends the NOTIFICATION for e and drops the session.
func (s *Session) fail(now sim.Time, e *Error) {
	s.notify(e.Notification())
	s.toIdle(now, e)
}

func (s *Session) notify(n *Notification) {
	s.out = AppendMessage(s.out, n)
	s.Stats.Out[TypeNotification]++
	s.emit(Event{Kind: EventNotification, Notification: n, Sent: true})
}

func (s *Session) send(now sim.Time, m Message) {
	s.out = AppendMessage(s.out, m)
	s.Stats.Out[m.Type()]++
	// 8.2.2: "Each time the local system sends a KEEPALIVE or UPDATE
	// message, it restarts its KeepaliveTimer".
	if s.keepalive > 0 && s.state >= OpenConfirm {
		s.keepaliveAt = now.Add(s.keepalive)
	}
}

// Receive hands the session bytes read from the connection, split
// anywhere; whole messages are processed as they complete.
func (s *Session) Receive(now sim.Time, b []byte) {
	s.Advance(now)
	if !s.connected || s.state < OpenSent {
		return
	}
	s.framer.Write(b)
	for s.connected {
		raw, err := s.framer.Next()
		if err != nil {
			s.fail(now, asError(err))
			return
		}
		if raw == nil {
			return
		}
		s.handle(now, raw)
	}
}

func (s *Session) handle(now sim.Time, raw []byte) {
	m, _, err := ParseMessage(raw)
	var perr *Error
	if err != nil {
		perr = asError(err)
		if m == nil {
			s.fail(now, perr)
			return
		}
	}
	s.Stats.In[m.Type()]++
	if n, ok := m.(*Notification); ok {
		// "If the local system receives a NOTIFICATION message" in any
		// state with a connection: drop to Idle.
		s.emit(Event{Kind: EventNotification, Notification: n})
		s.toIdle(now, fmt.Errorf("bgp: peer sent NOTIFICATION %v", n))
		return
	}
	switch s.state {
	case OpenSent:
		if o, ok := m.(*Open); ok {
			s.recvOpen(now, o)
			return
		}
		s.fail(now, newErr(CodeFSM, SubFSMOpenSent, nil, SessionReset, "%v in OpenSent", m.Type()))
	case OpenConfirm:
		if _, ok := m.(*Keepalive); ok {
			s.restartHold(now)
			s.setState(Established, nil)
			return
		}
		s.fail(now, newErr(CodeFSM, SubFSMOpenConfirm, nil, SessionReset, "%v in OpenConfirm", m.Type()))
	case Established:
		switch m := m.(type) {
		case *Keepalive:
			s.restartHold(now)
		case *Update:
			s.restartHold(now)
			s.recvUpdate(now, m, perr)
		default:
			s.fail(now, newErr(CodeFSM, SubFSMEstablished, nil, SessionReset, "%v in Established", m.Type()))
		}
	}
}

func (s *Session) restartHold(now sim.Time) {
	if s.hold > 0 {
		s.holdAt = now.Add(s.hold)
	}
}

// recvOpen checks the peer's OPEN (RFC 4271 6.2, RFC 6793, RFC 5492)
// and, if it is acceptable, answers with a KEEPALIVE (OpenConfirm).
func (s *Session) recvOpen(now sim.Time, o *Open) {
	if o.Version != Version {
		// 6.2: the Data field is "the largest locally-supported version
		// number less than the version the remote BGP peer bid".
		s.fail(now, newErr(CodeOpen, SubUnsupportedVersion, []byte{0, Version}, SessionReset, "version %d", o.Version))
		return
	}
	caps, err := o.Capabilities()
	if err != nil {
		s.fail(now, asError(err))
		return
	}
	as, four := uint32(o.MyAS), false
	for _, c := range caps {
		if c.Code == CapFourOctetAS {
			if len(c.Value) != 4 {
				s.fail(now, newErr(CodeOpen, subcodeUnspecific, nil, SessionReset, "4-octet AS capability length %d", len(c.Value)))
				return
			}
			as, four = binary.BigEndian.Uint32(c.Value), true
		}
	}
	if as != s.cfg.PeerAS {
		s.fail(now, newErr(CodeOpen, SubBadPeerAS, nil, SessionReset, "peer AS %d, want %d", as, s.cfg.PeerAS))
		return
	}
	if o.HoldTime == 1 || o.HoldTime == 2 {
		// 6.2: "An implementation MUST reject Hold Time values of one or
		// two seconds."
		s.fail(now, newErr(CodeOpen, SubUnacceptableHold, nil, SessionReset, "hold time %d s", o.HoldTime))
		return
	}
	if !o.ID.Is4() || o.ID.IsUnspecified() || o.ID.IsMulticast() || !s.External() && o.ID == s.cfg.RouterID {
		s.fail(now, newErr(CodeOpen, SubBadBGPIdentifier, nil, SessionReset, "BGP identifier %v", o.ID))
		return
	}
	s.peerID = o.ID
	s.four = four && !s.cfg.TwoOctetAS
	s.hold = time.Duration(o.HoldTime) * time.Second
	if s.cfg.HoldTime == NoHoldTime {
		s.hold = 0
	} else {
		s.hold = min(s.hold, s.cfg.HoldTime)
	}
	s.keepalive = s.hold / 3
	s.setState(OpenConfirm, nil)
	s.holdAt = sim.Never
	s.restartHold(now)
	s.send(now, &Keepalive{})
}

// recvUpdate decodes an UPDATE and reports its routes; RFC 7606 errors
// that call for a session reset end the session.
func (s *Session) recvUpdate(now sim.Time, u *Update, perr *Error) {
	path, err := u.Path(s.four)
	err = stronger(perr, err)
	if err != nil && err.Action == SessionReset {
		s.fail(now, err)
		return
	}
	ev := Event{Kind: EventUpdate, Withdrawn: u.Withdrawn}
	if err != nil {
		ev.Err = err
	}
	if err == nil || err.Action == AttrDiscard {
		err = s.checkSemantics(path, u.NLRI)
	}
	switch {
	case len(u.NLRI) == 0:
	case err != nil && err.Action == TreatAsWithdraw:
		ev.Err = err
		ev.Withdrawn = append(append([]netip.Prefix(nil), u.Withdrawn...), u.NLRI...)
	default:
		ev.NLRI, ev.Path = u.NLRI, path
	}
	if len(ev.NLRI) > 0 || len(ev.Withdrawn) > 0 || ev.Err != nil {
		s.emit(ev)
	}
}

// checkSemantics applies the checks on a decoded path that depend on the
// session, each a treat-as-withdraw: a NEXT_HOP that is our own address
// ("It MUST NOT be the IP address of the receiving speaker ... the route
// SHOULD be ignored", RFC 4271 6.3) and, from an external peer, a
// leftmost AS that is not the peer's (RFC 4271 6.3, revised by RFC 7606
// 7.2). LOCAL_PREF from an external peer is dropped (RFC 4271 5.1.5;
// RFC 7606 7.5: attribute discard).
func (s *Session) checkSemantics(p *Path, nlri []netip.Prefix) *Error {
	if len(nlri) == 0 {
		return nil
	}
	if p.NextHop == s.cfg.LocalAddr {
		return newErr(CodeUpdate, SubInvalidNextHop, nil, TreatAsWithdraw, "NEXT_HOP %v is our own address", p.NextHop)
	}
	if s.External() {
		p.HasLocalPref, p.LocalPref = false, 0
		if n := p.ASPath.Neighbor(); n != s.cfg.PeerAS && !s.cfg.NoFirstASCheck {
			return newErr(CodeUpdate, SubMalformedASPath, nil, TreatAsWithdraw, "leftmost AS %d is not the peer's AS %d", n, s.cfg.PeerAS)
		}
	}
	return nil
}

// Announce sends UPDATEs announcing nlri with path p, as many prefixes
// per message as fit. It does nothing unless the session is Established.
func (s *Session) Announce(now sim.Time, p *Path, nlri []netip.Prefix) error {
	if s.state != Established || len(nlri) == 0 {
		return nil
	}
	attrs := p.Attrs(s.four)
	size := minUpdateLen
	for _, a := range attrs {
		size += len(a.AppendTo(nil))
	}
	if size+prefixLen(nlri[0]) > MaxMessageLen {
		return ErrTooLarge
	}
	for len(nlri) > 0 {
		n, room := 0, MaxMessageLen-size
		for n < len(nlri) && prefixLen(nlri[n]) <= room {
			room -= prefixLen(nlri[n])
			n++
		}
		s.send(now, &Update{Attrs: attrs, NLRI: nlri[:n]})
		nlri = nlri[n:]
	}
	return nil
}

// Withdraw sends UPDATEs withdrawing prefixes. It does nothing unless the
// session is Established.
func (s *Session) Withdraw(now sim.Time, prefixes []netip.Prefix) {
	if s.state != Established {
		return
	}
	for len(prefixes) > 0 {
		n, room := 0, MaxMessageLen-minUpdateLen
		for n < len(prefixes) && prefixLen(prefixes[n]) <= room {
			room -= prefixLen(prefixes[n])
			n++
		}
		s.send(now, &Update{Withdrawn: prefixes[:n]})
		prefixes = prefixes[n:]
	}
}

// SendRaw queues a message as it is, in any state with a connection: for
// tests that need to send what the engine would not.
func (s *Session) SendRaw(msg []byte) { s.out = append(s.out, msg...) }

// Advance runs every timer due at or before now.
func (s *Session) Advance(now sim.Time) {
	if s.idleHoldAt <= now {
		// AutomaticStart (Event 3) after the idle hold time.
		s.idleHoldAt = sim.Never
		if s.state == Idle && s.started {
			s.begin(now)
		}
	}
	if s.connectRetryAt <= now {
		s.connectRetryAt = now.Add(s.cfg.ConnectRetryTime)
		switch s.state {
		case Connect:
			// Event 9 in Connect: drop the attempt and try again.
			s.emit(Event{Kind: EventClose})
			s.emit(Event{Kind: EventDial})
		case Active:
			if s.cfg.Passive {
				s.connectRetryAt = sim.Never
			} else {
				s.setState(Connect, nil)
				s.emit(Event{Kind: EventDial})
			}
		default:
			s.connectRetryAt = sim.Never
		}
	}
	if s.holdAt <= now {
		s.fail(now, newErr(CodeHoldTimer, subcodeUnspecific, nil, SessionReset, "hold timer expired"))
	}
	if s.keepaliveAt <= now {
		s.send(now, &Keepalive{})
	}
}

// NextDeadline returns when Advance must next be called, or sim.Never.
func (s *Session) NextDeadline() sim.Time {
	return min(s.connectRetryAt, s.holdAt, s.keepaliveAt, s.idleHoldAt)
}

// AppendOutput appends the bytes to write to the connection and forgets
// them.
func (s *Session) AppendOutput(dst []byte) []byte {
	dst = append(dst, s.out...)
	s.out = s.out[:0]
	return dst
}

// AppendEvents appends what happened since the last call and forgets it.
func (s *Session) AppendEvents(dst []Event) []Event {
	dst = append(dst, s.events...)
	clear(s.events)
	s.events = s.events[:0]
	return dst
}
