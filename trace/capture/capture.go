// Package capture records the packets of a simulation into a pcapng file:
// one interface block per captured node interface (named "node:iface"),
// outbound packets when the link starts transmitting them and inbound
// packets when they arrive, like a capture on every interface at once.
package capture

import (
	"io"

	"github.com/hopsnet/hops/trace"
	"github.com/hopsnet/hops/trace/pcapng"
)

// Capture is a trace observer that writes packets to a pcapng file.
type Capture struct {
	w      *pcapng.Writer
	ids    map[key]int
	filter func(node string) bool
	err    error
	count  int
}

type key struct{ node, iface string }

// Iface names one interface to declare up front. Ethernet interfaces
// get the Ethernet link type (their packets are whole frames); the others
// carry bare IPv4 (LINKTYPE_RAW), in the same file.
type Iface struct {
	Node, Iface, Description string
	Ethernet                 bool
}

func linkType(ethernet bool) uint16 {
	if ethernet {
		return pcapng.LinkTypeEthernet
	}
	return pcapng.LinkTypeRaw
}

// New writes a pcapng section to w and declares ifaces in order, so that
// the file lists every captured interface even if no packet crosses it.
// filter chooses the nodes to capture (nil: all).
func New(w io.Writer, ifaces []Iface, filter func(node string) bool) (*Capture, error) {
	pw, err := pcapng.NewWriter(w, "hops")
	if err != nil {
		return nil, err
	}
	c := &Capture{w: pw, ids: map[key]int{}, filter: filter}
	for _, i := range ifaces {
		if filter != nil && !filter(i.Node) {
			continue
		}
		id, err := pw.AddInterface(i.Node+":"+i.Iface, i.Description, linkType(i.Ethernet), pcapng.MaxCaptureLen)
		if err != nil {
			return nil, err
		}
		c.ids[key{i.Node, i.Iface}] = id
	}
	return c, nil
}

// Observe writes transmitted and received packets.
func (c *Capture) Observe(e *trace.Event) {
	var dir pcapng.Direction
	switch e.Kind {
	case trace.Transmit:
		dir = pcapng.DirOutbound
	case trace.Receive:
		dir = pcapng.DirInbound
	default:
		return
	}
	if c.err != nil || e.Node == "" {
		return
	}
	k := key{e.Node, e.Iface}
	id, ok := c.ids[k]
	if !ok {
		if c.filter != nil && !c.filter(e.Node) {
			return
		}
		id, c.err = c.w.AddInterface(e.Node+":"+e.Iface, "", linkType(e.Frame != nil), pcapng.MaxCaptureLen)
		if c.err != nil {
			return
		}
		c.ids[k] = id
	}
	b := e.Data
	if e.Frame != nil {
		b = e.Frame
	}
	c.err = c.w.WritePacket(id, int64(e.At), b, len(b), dir, "")
	c.count++
}

// Packets returns how many packets were written.
func (c *Capture) Packets() int { return c.count }

// Close flushes the file and returns the first error met.
func (c *Capture) Close() error {
	if err := c.w.Flush(); c.err == nil {
		c.err = err
	}
	return c.err
}
