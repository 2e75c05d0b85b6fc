package ospf

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/hopsnet/hops/sim"
)

// Architectural constants (RFC 2328 Appendix B) and defaults of the
// per-interface configurable constants (Appendix C.3).
const (
	DefaultHelloInterval      = 10 * time.Second
	DefaultRouterDeadInterval = 40 * time.Second
	DefaultRxmtInterval       = 5 * time.Second
	DefaultLSRefreshTime      = 30 * time.Minute
	DefaultMinLSInterval      = 5 * time.Second
	DefaultMinLSArrival       = 1 * time.Second
	// InfTransDelay, in seconds, is added to an LSA's age when it is sent.
	InfTransDelay = 1
	// DefaultMTU is the interface MTU announced in DD packets.
	DefaultMTU = 1500
	// DefaultCost is the interface output cost when none is configured.
	DefaultCost = 10
)

// Config configures an engine. Zero durations take the defaults.
type Config struct {
	RouterID           ID
	AreaID             ID
	HelloInterval      time.Duration // whole seconds, at most 65535 s
	RouterDeadInterval time.Duration // whole seconds
	RxmtInterval       time.Duration
	LSRefreshTime      time.Duration
	MinLSInterval      time.Duration
	MinLSArrival       time.Duration
	MTU                int // IP MTU of every interface, bytes
	// HostRoutes are addresses of the router advertised as host routes
	// whatever its interfaces' states, as a loopback interface's address
	// is (RFC 2328 12.4.1.4: a stub link with the address as Link ID, mask
	// 0xffffffff as Link Data, cost 0).
	HostRoutes []netip.Addr
}

// InterfaceConfig configures one point-to-point interface.
type InterfaceConfig struct {
	Name string
	Addr netip.Prefix // the interface's own address and its subnet, e.g. 10.0.0.1/30
	Cost uint16       // output cost; 0 means DefaultCost
	// Passive interfaces send and accept no OSPF packets; their subnet is
	// still advertised as a stub network (a link to hosts, or to another
	// network's router).
	Passive bool
}

// Output is one OSPF packet to send: the caller wraps Packet in an IPv4
// header (protocol 89, TTL 1, source the interface address) to Dst and
// sends it out interface Iface.
type Output struct {
	Iface  int
	Dst    netip.Addr
	Packet []byte
}

// Errors returned by Handle for packets the engine drops.
var (
	ErrNoInterface    = errors.New("ospf: no such interface")
	ErrInterfaceDown  = errors.New("ospf: interface down")
	ErrWrongArea      = errors.New("ospf: area ID mismatch")
	ErrOwnPacket      = errors.New("ospf: packet from own router ID")
	ErrHelloMismatch  = errors.New("ospf: hello or dead interval or E-bit mismatch")
	ErrNeighborState  = errors.New("ospf: packet not accepted in neighbour state")
	ErrMTUMismatch    = errors.New("ospf: DD interface MTU too large")
	ErrBadLSAChecksum = errors.New("ospf: LSA checksum mismatch")
	ErrPassive        = errors.New("ospf: passive interface")
)

// Stats counts what the engine did, for tests and benchmarks.
type Stats struct {
	PacketsIn, PacketsOut [TypeLSAck + 1]uint64
	LSAsFlooded           uint64 // LSAs placed in outgoing Link State Updates
	LSAsInstalled         uint64 // newer LSAs installed in the database
	Originations          uint64 // own router-LSA instances
	SPFRuns               uint64
	Dropped               uint64
}

// Engine is one OSPFv2 router in one area. It is not safe for concurrent
// use; it needs none, as it never blocks.
type Engine struct {
	cfg  Config
	ifs  []*iface
	db   lsdb
	out  []Output
	seq  int32 // LS sequence number of the next own router-LSA
	orig struct {
		pending bool
		at      sim.Time // when the pending origination may run
		last    sim.Time // last origination, for MinLSInterval
		refresh sim.Time // LSRefreshTime after the last one
		done    bool     // at least one instance originated
	}
	spfDirty bool
	routes   []Route
	// Stats is updated as the engine runs.
	Stats Stats
}

// New returns an engine with no interfaces.
func New(cfg Config) (*Engine, error) {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&cfg.HelloInterval, DefaultHelloInterval)
	def(&cfg.RouterDeadInterval, DefaultRouterDeadInterval)
	def(&cfg.RxmtInterval, DefaultRxmtInterval)
	def(&cfg.LSRefreshTime, DefaultLSRefreshTime)
	def(&cfg.MinLSInterval, DefaultMinLSInterval)
	def(&cfg.MinLSArrival, DefaultMinLSArrival)
	if cfg.MTU == 0 {
		cfg.MTU = DefaultMTU
	}
	switch {
	case cfg.RouterID == 0:
		return nil, errors.New("ospf: router ID 0.0.0.0")
	case cfg.HelloInterval%time.Second != 0 || cfg.HelloInterval > 65535*time.Second:
		return nil, fmt.Errorf("ospf: HelloInterval %v: want whole seconds up to 65535", cfg.HelloInterval)
	case cfg.RouterDeadInterval%time.Second != 0 || cfg.RouterDeadInterval <= cfg.HelloInterval:
		return nil, fmt.Errorf("ospf: RouterDeadInterval %v: want whole seconds above HelloInterval", cfg.RouterDeadInterval)
	case cfg.MTU < 576:
		return nil, fmt.Errorf("ospf: MTU %d below 576", cfg.MTU)
	}
	e := &Engine{cfg: cfg, db: lsdb{m: map[LSKey]*lsaEntry{}}, seq: InitialSequenceNumber}
	e.orig.last = -1 << 62
	return e, nil
}

// Config returns the configuration with defaults filled in.
func (e *Engine) Config() Config { return e.cfg }

// AddInterface adds a point-to-point interface, up, and returns its index.
func (e *Engine) AddInterface(now sim.Time, c InterfaceConfig) (int, error) {
	if !c.Addr.Addr().Is4() || c.Addr.Bits() > 31 && c.Addr.Bits() != 32 {
		return 0, fmt.Errorf("ospf: interface %q address %v: want an IPv4 prefix", c.Name, c.Addr)
	}
	if c.Cost == 0 {
		c.Cost = DefaultCost
	}
	e.ifs = append(e.ifs, &iface{cfg: c, idx: len(e.ifs)})
	e.SetInterfaceUp(now, len(e.ifs)-1, true)
	return len(e.ifs) - 1, nil
}

// SetInterfaceUp reports the lower layer up or down (the InterfaceUp and
// InterfaceDown events of RFC 2328 9.3).
func (e *Engine) SetInterfaceUp(now sim.Time, i int, up bool) {
	if i < 0 || i >= len(e.ifs) || e.ifs[i].up == up {
		return
	}
	ifc := e.ifs[i]
	ifc.up = up
	if up {
		// 9.3 InterfaceUp: "Start the interval Hello Timer ... the
		// interface transitions to Point-to-point".
		ifc.helloAt = now
		if ifc.cfg.Passive {
			ifc.helloAt = sim.Never
		}
	} else {
		// 9.3 InterfaceDown: "the KillNbr event is generated for all
		// associated neighbors".
		e.killNbr(now, ifc)
		ifc.helloAt = sim.Never
	}
	e.scheduleOrigination(now)
	e.advance(now)
}

// Handle processes one OSPF packet (the IP payload) received on interface
// i from the IPv4 source src. It returns why a packet was dropped, or nil.
func (e *Engine) Handle(now sim.Time, i int, src netip.Addr, pkt []byte) error {
	e.advance(now)
	err := e.handle(now, i, src, pkt)
	if err != nil {
		e.Stats.Dropped++
	}
	e.advance(now)
	e.flushAcks()
	return err
}

func (e *Engine) handle(now sim.Time, i int, src netip.Addr, pkt []byte) error {
	if i < 0 || i >= len(e.ifs) {
		return ErrNoInterface
	}
	ifc := e.ifs[i]
	if !ifc.up {
		return ErrInterfaceDown
	}
	if ifc.cfg.Passive {
		return ErrPassive
	}
	h, body, err := ParseHeader(pkt)
	if err != nil {
		return err
	}
	// 8.2: "The Area ID contained in the OSPF header must either match the
	// Area ID of the receiving interface, or ... the backbone".
	if h.AreaID != e.cfg.AreaID {
		return ErrWrongArea
	}
	if h.RouterID == e.cfg.RouterID {
		return ErrOwnPacket
	}
	m, err := ParseMessage(h.Type, body)
	if err != nil {
		return err
	}
	e.Stats.PacketsIn[h.Type]++
	switch m := m.(type) {
	case *Hello:
		return e.recvHello(now, ifc, h.RouterID, src, m)
	case *DBDesc:
		return e.recvDD(now, ifc, h.RouterID, m)
	case *LSRequest:
		return e.recvLSR(now, ifc, h.RouterID, m)
	case *LSUpdate:
		return e.recvLSU(now, ifc, h.RouterID, m)
	case *LSAck:
		return e.recvAck(now, ifc, h.RouterID, m)
	}
	return ErrBadType
}

// AppendOutput runs every timer due at now and appends the packets to
// send to dst.
func (e *Engine) AppendOutput(dst []Output, now sim.Time) []Output {
	e.advance(now)
	e.flushAcks()
	dst = append(dst, e.out...)
	clear(e.out)
	e.out = e.out[:0]
	return dst
}

// NextDeadline returns when the engine next needs AppendOutput to be
// called, and false if it has nothing pending.
func (e *Engine) NextDeadline() (sim.Time, bool) {
	t := sim.Never
	for _, ifc := range e.ifs {
		t = min(t, ifc.helloAt, ifc.nbr.deadline())
	}
	if e.orig.pending {
		t = min(t, e.orig.at)
	} else if e.orig.done {
		t = min(t, e.orig.refresh)
	}
	t = min(t, e.db.nextMaxAge)
	if len(e.out) > 0 {
		t = sim.Time(-1 << 62) // output waiting: now
	}
	return t, t != sim.Never
}

// advance fires every timer due at or before now.
func (e *Engine) advance(now sim.Time) {
	for _, ifc := range e.ifs {
		e.ifaceTimers(now, ifc)
	}
	if e.orig.done && e.orig.refresh <= now {
		// 12.4: "Its LS age field reaches the value LSRefreshTime. In
		// this case, a new instance of the LSA is originated".
		e.scheduleOrigination(now)
	}
	if e.orig.pending && e.orig.at <= now {
		e.originate(now)
	}
	if e.db.nextMaxAge <= now {
		e.ageOut(now)
	}
	e.removeMaxAged()
}

func (e *Engine) ifaceTimers(now sim.Time, ifc *iface) {
	if ifc.helloAt <= now {
		e.sendHello(ifc)
		ifc.helloAt = now.Add(e.cfg.HelloInterval)
	}
	n := &ifc.nbr
	if n.state == NbrDown {
		return
	}
	if n.deadAt <= now {
		// 10.3 InactivityTimer: the neighbour goes Down.
		e.nbrDown(now, ifc)
		return
	}
	if n.ddRxmtAt <= now {
		e.sendOut(ifc, n.lastDD)
		n.ddRxmtAt = now.Add(e.cfg.RxmtInterval)
	}
	if n.reqAt <= now {
		e.sendLSR(now, ifc)
	}
	if n.rxmtAt <= now {
		e.retransmit(now, ifc)
	}
}

// send encodes m and queues it for interface ifc.
func (e *Engine) send(ifc *iface, m Message) []byte {
	h := Header{RouterID: e.cfg.RouterID, AreaID: e.cfg.AreaID}
	b := h.AppendTo(make([]byte, 0, 64), m)
	e.sendOut(ifc, b)
	return b
}

func (e *Engine) sendOut(ifc *iface, b []byte) {
	e.Stats.PacketsOut[Packet(b).Type()]++
	e.out = append(e.out, Output{Iface: ifc.idx, Dst: AllSPFRouters, Packet: b})
}

// maxBody is the largest OSPF body that fits the MTU after the IPv4 and
// OSPF headers.
func (e *Engine) maxBody() int { return e.cfg.MTU - 20 - HeaderLen }

func seconds(d time.Duration) uint32 { return uint32(d / time.Second) }
