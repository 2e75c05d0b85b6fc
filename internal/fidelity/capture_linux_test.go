//go:build linux && !386

package fidelity

import (
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// A linuxCapture is an AF_PACKET socket bound to one interface inside a
// namespace: like tcpdump there, but ready as soon as it exists (dumpcap
// reports "Capturing on" before it really captures, and loses the packets
// of a block it has not handed over when it stops). The kernel queues the
// packets in the socket until stop reads them.
type linuxCapture struct {
	fd   int    // -1 once closed
	name string // capture point, for messages and the pcapng file

	// A reader takes the frames as they come, to know when they came:
	// the kernel's own receive times (SO_TIMESTAMPNS) do not do for
	// outgoing TCP, whose clones keep the departure times TCP stamped
	// on them (another clock) when they are retransmitted.
	quit     atomic.Bool
	done     chan struct{}
	stopOnce sync.Once
	frames   []capturedFrame
	readErr  error
}

type capturedFrame struct {
	data []byte
	at   time.Time
}

// rcvBuf is the socket's receive buffer: room for every packet of a case.
const rcvBuf = 8 << 20

// startCapture opens the capture of iface in namespace ns. The socket is
// made on a thread that enters ns and is then thrown away (never unlocked),
// so no thread of the test is ever left in a test namespace.
func startCapture(ns, iface, name string) (*linuxCapture, error) {
	type result struct {
		fd  int
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread() // not unlocked: the thread ends with the goroutine
		fd, err := packetSocket(ns, iface)
		ch <- result{fd, err}
	}()
	r := <-ch
	if r.err != nil {
		return nil, fmt.Errorf("capture on %s: %w", name, r.err)
	}
	c := &linuxCapture{fd: r.fd, name: name, done: make(chan struct{})}
	go c.read()
	return c, nil
}

// read takes frames until told to quit.
func (c *linuxCapture) read() {
	defer close(c.done)
	buf := make([]byte, 1<<16)
	for !c.quit.Load() {
		n, _, err := syscall.Recvfrom(c.fd, buf, syscall.MSG_TRUNC)
		at := time.Now()
		if errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil {
			c.readErr = fmt.Errorf("reading the capture on %s: %w", c.name, err)
			return
		}
		if n > len(buf) {
			c.readErr = fmt.Errorf("capture on %s: a %d-byte frame", c.name, n)
			return
		}
		c.frames = append(c.frames, capturedFrame{append([]byte(nil), buf[:n]...), at})
	}
}

// stopReader stops the reader and waits for it.
func (c *linuxCapture) stopReader() {
	c.stopOnce.Do(func() {
		c.quit.Store(true)
		<-c.done
	})
}

// close closes the socket; it may be called again.
func (c *linuxCapture) close() {
	c.stopReader()
	if c.fd >= 0 {
		syscall.Close(c.fd)
		c.fd = -1
	}
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// packetSocket enters ns on the calling (locked) thread and opens an
// AF_PACKET socket bound to iface there.
func packetSocket(ns, iface string) (int, error) {
	f, err := os.Open("/run/netns/" + ns)
	if err != nil {
		return -1, err
	}
	defer f.Close()
	if _, _, e := syscall.Syscall(sysSetns, f.Fd(), syscall.CLONE_NEWNET, 0); e != 0 {
		return -1, fmt.Errorf("setns %s: %w", ns, e)
	}
	ifc, err := net.InterfaceByName(iface)
	if err != nil {
		return -1, err
	}
	// Protocol 0 receives nothing until bind names the interface, so no
	// other interface's packets slip in between.
	fd, err := syscall.Socket(syscall.AF_PACKET, syscall.SOCK_RAW|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("AF_PACKET socket: %w", err)
	}
	if err := syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_RCVBUFFORCE, rcvBuf); err != nil {
		syscall.Close(fd)
		return -1, fmt.Errorf("SO_RCVBUFFORCE: %w", err)
	}
	// The reader wakes up this often to see whether it should stop.
	tv := syscall.Timeval{Usec: 20000}
	if err := syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET, syscall.SO_RCVTIMEO, &tv); err != nil {
		syscall.Close(fd)
		return -1, fmt.Errorf("SO_RCVTIMEO: %w", err)
	}
	sa := &syscall.SockaddrLinklayer{Protocol: htons(syscall.ETH_P_ALL), Ifindex: ifc.Index}
	if err := syscall.Bind(fd, sa); err != nil {
		syscall.Close(fd)
		return -1, fmt.Errorf("bind to %s: %w", iface, err)
	}
	return fd, nil
}

// stop reads every queued frame, closes the socket, writes the frames to
// file (pcapng, Ethernet) and returns their IPv4 datagrams, in order.
func (c *linuxCapture) stop(file string) ([]packet, error) {
	defer c.close()
	f, err := os.Create(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	w, err := pcapgo.NewNgWriterInterface(f, pcapgo.NgInterface{Name: c.name, LinkType: layers.LinkTypeEthernet},
		pcapgo.DefaultNgWriterOptions)
	if err != nil {
		return nil, err
	}
	c.stopReader()
	if c.readErr != nil {
		return nil, c.readErr
	}
	// What the reader had no time for.
	buf := make([]byte, 1<<16)
	for {
		n, _, err := syscall.Recvfrom(c.fd, buf, syscall.MSG_DONTWAIT|syscall.MSG_TRUNC)
		if errors.Is(err, syscall.EAGAIN) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading the capture on %s: %w", c.name, err)
		}
		if n > len(buf) {
			return nil, fmt.Errorf("capture on %s: a %d-byte frame", c.name, n)
		}
		c.frames = append(c.frames, capturedFrame{append([]byte(nil), buf[:n]...), time.Now()})
	}
	var ps []packet
	for _, fr := range c.frames {
		frame, at, n := fr.data, fr.at, len(fr.data)
		ci := gopacket.CaptureInfo{Timestamp: at, CaptureLength: n, Length: n}
		if err := w.WritePacket(ci, frame); err != nil {
			return nil, err
		}
		ip, ok := frameIPv4(layers.LinkTypeEthernet, frame)
		if !ok {
			continue
		}
		p, err := describe(ip)
		if err != nil {
			return nil, fmt.Errorf("capture on %s, packet %d: %w", c.name, len(ps)+1, err)
		}
		p.point, p.index, p.at = c.name, len(ps)+1, at
		ps = append(ps, p)
	}
	if err := w.Flush(); err != nil {
		return nil, err
	}
	// struct tpacket_stats { unsigned int tp_packets, tp_drops; }
	var st [2]uint32
	l := uint32(unsafe.Sizeof(st))
	if _, _, e := syscall.Syscall6(syscall.SYS_GETSOCKOPT, uintptr(c.fd), syscall.SOL_PACKET,
		syscall.PACKET_STATISTICS, uintptr(unsafe.Pointer(&st)), uintptr(unsafe.Pointer(&l)), 0); e != 0 {
		return nil, fmt.Errorf("capture on %s: PACKET_STATISTICS: %w", c.name, e)
	}
	if st[1] != 0 {
		return nil, fmt.Errorf("capture on %s: the kernel dropped %d of %d frames", c.name, st[1], st[0])
	}
	return ps, nil
}
