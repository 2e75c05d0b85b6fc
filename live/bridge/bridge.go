// Package bridge joins a real network stack to a node of a running
// world: the datagrams a device (a TUN interface in a Linux namespace)
// gives it enter the world at "now" as if the node had sent them, and
// the datagrams addressed to the node go out to the device instead of
// to the node's own protocols. Linux's TCP, resolver, ping and curl then
// stand for the node, and talk to hops' routers, NAT, resolvers and
// servers across the world's links.
//
// Packets from the device are checked before they enter: IPv4 only, the
// header checksum, the TCP, UDP or ICMP checksum of a whole datagram, a
// source address that is the node's (anything else is counted and
// dropped, never sent into the world). The node keeps what Options.Keep
// claims (by default the DHCP replies its own client waits for).
//
// Threads: one goroutine reads the device and hands each datagram to
// the simulation's thread with [realtime.Driver.Do]; the node's hook
// copies each datagram for the device into a bounded queue (a full
// queue drops, like a full transmit queue) that a second goroutine
// writes out. The simulation itself never blocks on the device.
package bridge

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"sync"
	"sync/atomic"

	"github.com/hopsnet/hops/live/realtime"
	"github.com/hopsnet/hops/node"
	"github.com/hopsnet/hops/wire"
)

// Device moves whole datagrams: one per Read, one per Write. Close must
// end a Read in progress. *tun.Device is one.
type Device interface {
	Read(b []byte) (int, error)
	Write(b []byte) (int, error)
	Close() error
}

// Options change a bridge; the zero value is the defaults.
type Options struct {
	// Keep reports the datagrams addressed to the node that the node
	// handles itself instead of the device. nil: KeepDHCP.
	Keep func(datagram []byte) bool
	// QueuePackets bounds the datagrams waiting for the device, and
	// those from the device waiting for the simulation to take them in;
	// 0 means DefaultQueuePackets.
	QueuePackets int
}

// DefaultQueuePackets is the device's queue when Options sets none
// (Linux's default txqueuelen for a TUN device is 500).
const DefaultQueuePackets = 1000

// MaxDatagram is the largest datagram the bridge reads or writes.
const MaxDatagram = 65535

// KeepDHCP keeps the DHCP replies (UDP to port 68) for the node's own
// DHCP client, which holds the lease the device's address comes from.
func KeepDHCP(d []byte) bool {
	h, p, err := wire.ParseIPv4(d)
	if err != nil || h.Protocol != wire.ProtoUDP || h.FragOffset != 0 {
		return false
	}
	u, _, err := wire.ParseUDP(p)
	return err == nil && u.DstPort == 68
}

// Stats counts what crossed the bridge. Drops are by cause.
type Stats struct {
	In, InBytes   uint64 // from the device into the world
	Out, OutBytes uint64 // from the world out to the device
	// Dropped on the way in.
	NotIPv4     uint64 // IPv6 or garbage
	BadChecksum uint64 // header or transport checksum wrong
	Malformed   uint64 // an IPv4 header that does not parse, or a truncated datagram
	Spoofed     uint64 // a source address that is not the node's
	Refused     uint64 // the node could not send it (no route, queue full)
	// Behind: the simulation had QueuePackets datagrams from the device
	// still to take in (it fell behind the wall clock), as a NIC's full
	// receive ring drops.
	Behind uint64
	// Dropped on the way out: the device's queue was full.
	QueueFull uint64
}

// A Bridge joins a device to a node. Make it with [New], run it with
// Start, end it with Close.
type Bridge struct {
	d    *realtime.Driver
	n    *node.Node
	dev  Device
	keep func([]byte) bool
	out  chan []byte
	bufs sync.Pool

	in, inBytes, outN, outBytes                         atomic.Uint64
	notIPv4, badSum, malformed, spoofed, refused, qfull atomic.Uint64
	behind                                              atomic.Uint64
	inFlight                                            atomic.Int64 // datagrams handed to the driver, not yet taken in
	inMax                                               int64

	startOnce, closeOnce sync.Once
	wg                   sync.WaitGroup
	errMu                sync.Mutex
	err                  error // the first device error, other than one caused by Close
	closing              atomic.Bool
}

// New returns a bridge between dev and node n of the world d runs.
func New(d *realtime.Driver, n *node.Node, dev Device, opt Options) *Bridge {
	q := opt.QueuePackets
	if q <= 0 {
		q = DefaultQueuePackets
	}
	keep := opt.Keep
	if keep == nil {
		keep = KeepDHCP
	}
	b := &Bridge{d: d, n: n, dev: dev, keep: keep, out: make(chan []byte, q), inMax: int64(q)}
	b.bufs.New = func() any { return make([]byte, MaxDatagram) }
	return b
}

// Start hooks the bridge to its node and starts moving packets. The
// driver must be running (or run later: the hook is installed by Do).
func (b *Bridge) Start() error {
	var err error
	b.startOnce.Do(func() {
		if err = b.d.Do(func() { b.n.SetOutside(b.take) }); err != nil {
			return
		}
		b.wg.Add(2)
		go b.readLoop()
		go b.writeLoop()
	})
	return err
}

// Close unhooks the node, closes the device and waits for the bridge's
// goroutines. It returns the first device error the bridge met, if any.
func (b *Bridge) Close() error {
	b.closeOnce.Do(func() {
		b.closing.Store(true)
		// On the simulation's thread: after this, take never runs again
		// and nothing more is queued. A stopped driver runs nothing, so
		// nothing can be queued either.
		b.d.Call(func() { b.n.SetOutside(nil) })
		b.dev.Close()
		close(b.out)
		b.wg.Wait()
	})
	b.errMu.Lock()
	defer b.errMu.Unlock()
	return b.err
}

// Stats returns the bridge's counters so far.
func (b *Bridge) Stats() Stats {
	return Stats{
		In: b.in.Load(), InBytes: b.inBytes.Load(), Out: b.outN.Load(), OutBytes: b.outBytes.Load(),
		NotIPv4: b.notIPv4.Load(), BadChecksum: b.badSum.Load(), Malformed: b.malformed.Load(),
		Spoofed: b.spoofed.Load(), Refused: b.refused.Load(), QueueFull: b.qfull.Load(), Behind: b.behind.Load(),
	}
}

func (b *Bridge) fail(err error) {
	if b.closing.Load() || errors.Is(err, io.EOF) {
		return
	}
	b.errMu.Lock()
	if b.err == nil {
		b.err = err
	}
	b.errMu.Unlock()
}

// take is the node's hook (simulation thread): a datagram addressed to
// the node, for the device unless the node keeps it.
func (b *Bridge) take(_ *node.Iface, d []byte) bool {
	if b.keep(d) {
		return false
	}
	buf := b.bufs.Get().([]byte)
	n := copy(buf, d)
	select {
	case b.out <- buf[:n]:
	default:
		b.qfull.Add(1)
		b.bufs.Put(buf[:cap(buf)])
	}
	return true
}

// writeLoop writes the world's datagrams to the device.
func (b *Bridge) writeLoop() {
	defer b.wg.Done()
	for buf := range b.out {
		if _, err := b.dev.Write(buf); err != nil {
			b.fail(fmt.Errorf("bridge: writing to the device: %w", err))
		} else {
			b.outN.Add(1)
			b.outBytes.Add(uint64(len(buf)))
		}
		b.bufs.Put(buf[:cap(buf)])
	}
}

// readLoop reads the device's datagrams and sends each into the world.
func (b *Bridge) readLoop() {
	defer b.wg.Done()
	for {
		buf := b.bufs.Get().([]byte)
		n, err := b.dev.Read(buf)
		if err != nil {
			b.fail(fmt.Errorf("bridge: reading the device: %w", err))
			return
		}
		d := buf[:n]
		if !b.admit(d) {
			b.bufs.Put(buf)
			continue
		}
		if b.inFlight.Load() >= b.inMax {
			// The world is behind: drop, as a full receive ring does,
			// rather than queue without bound.
			b.behind.Add(1)
			b.bufs.Put(buf)
			continue
		}
		b.inFlight.Add(1)
		err = b.d.Do(func() {
			b.inFlight.Add(-1)
			if !b.n.HasAddr(wire.IPv4(d).Src()) {
				b.spoofed.Add(1)
			} else if _, err := b.n.SendRaw(d); err != nil {
				b.refused.Add(1)
			} else {
				b.in.Add(1)
				b.inBytes.Add(uint64(len(d)))
			}
			b.bufs.Put(buf)
		})
		if err != nil { // the driver stopped
			return
		}
	}
}

// admit checks a datagram from the device, counting what it refuses.
// (Its source address is checked on the simulation's thread, which
// owns the node's addresses.)
func (b *Bridge) admit(d []byte) bool {
	switch err := Check(d); {
	case err == nil:
	case errors.Is(err, ErrNotIPv4):
		b.notIPv4.Add(1)
		return false
	case errors.Is(err, ErrBadChecksum):
		b.badSum.Add(1)
		return false
	default:
		b.malformed.Add(1)
		return false
	}
	return true
}

// Errors of Check.
var (
	ErrNotIPv4     = errors.New("not an IPv4 datagram")
	ErrBadChecksum = errors.New("bad checksum")
)

// Check validates a datagram from outside: IPv4, a header that parses
// with a valid checksum and a total length that fits, and for a whole
// (unfragmented) TCP, UDP or ICMP datagram a valid transport checksum
// (UDP's may be absent: zero). Fragments are checked by the destination
// after reassembly, as usual.
func Check(d []byte) error {
	if len(d) == 0 || d[0]>>4 != 4 {
		return ErrNotIPv4
	}
	ip := wire.IPv4(d)
	if err := ip.Check(); err != nil {
		return fmt.Errorf("malformed IPv4 header: %w", err)
	}
	if int(ip.TotalLen()) != len(d) {
		return fmt.Errorf("total length %d, datagram %d bytes", ip.TotalLen(), len(d))
	}
	if !ip.ChecksumValid() {
		return fmt.Errorf("IPv4 header: %w", ErrBadChecksum)
	}
	if ip.MoreFragments() || ip.FragOffset() != 0 {
		return nil
	}
	h, payload, err := wire.ParseIPv4(d)
	if err != nil {
		return fmt.Errorf("malformed IPv4 datagram: %w", err)
	}
	ok := true
	switch h.Protocol {
	case wire.ProtoTCP:
		ok = wire.VerifyTCPChecksum(h.Src, h.Dst, payload)
	case wire.ProtoUDP:
		ok = wire.VerifyUDPChecksum(h.Src, h.Dst, payload)
	case wire.ProtoICMP:
		ok = wire.ICMP(payload).ChecksumValid()
	}
	if !ok {
		return fmt.Errorf("%s: %w", protoName(h.Protocol), ErrBadChecksum)
	}
	return nil
}

func protoName(p uint8) string {
	switch p {
	case wire.ProtoTCP:
		return "TCP"
	case wire.ProtoUDP:
		return "UDP"
	case wire.ProtoICMP:
		return "ICMP"
	}
	return fmt.Sprintf("protocol %d", p)
}

// Addr returns the node's address the device should carry: the node's
// primary address (its first interface's, or its DHCP lease's) with
// that interface's prefix.
func Addr(n *node.Node) (netip.Prefix, bool) {
	for _, i := range n.Ifaces() {
		if i.Prefix.IsValid() {
			return i.Prefix, true
		}
	}
	return netip.Prefix{}, false
}
