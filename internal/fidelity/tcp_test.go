package fidelity

import (
	"fmt"
	"strings"
	"time"
)

// tcpSize is what the TCP cases send: seven segments of 1448 bytes and
// one of 1312, more than the 1400-byte link lets through, so the transfer
// also shows path-MTU discovery (r1's fragmentation needed, MSS 1348).
const tcpSize = 10000

// synWindow bounds an unanswered connect: Linux's client gives up then
// (Linux itself would go on to 127 s), and later SYNs of hops' are not
// compared (allowance "the end of an unanswered connect").
const synWindow = 7500 * time.Millisecond

// linuxTCPSysctls pin the namespaces' TCP to the defaults hops follows,
// whatever the host kernel's are (sysctl -e: a kernel that lacks one has
// that behaviour already):
//
//   - tcp_rmem's maximum decides the window scale of SYN and SYN-ACK
//     (tcp_select_initial_window: ilog2(max(tcp_rmem[2], rmem_max)) - 15):
//     6 MiB gives 7. Some kernels raise it to 32 MiB (window scale 10).
//     net.core.rmem_max, global and left alone, also counts: above 8 MiB
//     the scale grows, which the comparison reports.
//   - tcp_syn_linear_timeouts (Linux 6.5 and later, default 4) makes the
//     first SYN retransmissions 1 s apart (0, 1, 2, 3, 4, 5, 7 s); 0 is
//     RFC 6298's doubling (0, 1, 3, 7 s) that hops implements. The case
//     tcp-syn-rto-linear keeps Linux's newer default.
var linuxTCPSysctls = []string{
	"net.ipv4.tcp_rmem=4096 131072 6291456",
	"net.ipv4.tcp_wmem=4096 16384 4194304",
	"net.ipv4.tcp_syn_linear_timeouts=0",
}

// A tcpConn is what tcpKeySegments learns of the connection in a capture.
type tcpConn struct {
	client, server string // addresses
	cport, sport   uint16
	ciss, siss     uint32
	haveSISS       bool
}

// tcpKeySegments reduces a TCP transfer's capture to the segments whose
// fields Linux and hops must agree on, each labelled with its role
// (allowance "TCP after the handshake"): every SYN and SYN-ACK, the ACK
// that ends the handshake, the client's first data segment, the first
// ICMP error and the first retransmission of the first data segment
// (path-MTU discovery: r1's fragmentation needed, then 1348 bytes),
// and the close: the client's first FIN, the server's ACKs of it sent
// before the server's FIN, the server's FIN, and the client's ACK of it.
// Sequence and acknowledgment numbers become relative to each side's
// initial sequence number; the ports become "client" and "server"; the
// window is compared on SYN and SYN-ACK only, and the payload by its
// length.
func tcpKeySegments(ps []packet) []packet {
	var c tcpConn
	found := false
	for _, p := range ps {
		if p.tcp != nil && p.tcp.flags&(tcpSYN|tcpACK) == tcpSYN {
			c = tcpConn{client: p.src, server: p.dst, cport: p.tcp.sport, sport: p.tcp.dport, ciss: p.tcp.seq}
			found = true
			break
		}
	}
	if !found {
		return ps
	}
	fromClient := func(p packet) bool {
		return p.tcp != nil && p.src == c.client && p.tcp.sport == c.cport && p.tcp.dport == c.sport
	}
	fromServer := func(p packet) bool {
		return p.tcp != nil && p.src == c.server && p.tcp.sport == c.sport && p.tcp.dport == c.cport
	}
	var out []packet
	keep := func(p packet, role string) {
		out = append(out, c.relative(p, role, fromClient(p)))
	}
	var (
		handshakeACK, firstData, icmpErr, resent bool
		clientFIN, serverFIN, lastACK            bool
		clientFINEnd, serverFINEnd               uint32
	)
	for _, p := range ps {
		switch {
		case p.proto == 1 && p.icmpType >= 0:
			if !icmpErr && p.icmpType != 0 && p.icmpType != 8 {
				icmpErr = true
				out = append(out, withRole(quotedTCP(p), "first ICMP error"))
			}
		case fromClient(p):
			t := p.tcp
			switch {
			case t.flags&tcpSYN != 0:
				keep(p, "SYN")
			case !handshakeACK && c.haveSISS:
				handshakeACK = true
				keep(p, "handshake ACK")
				if t.dataLen > 0 {
					firstData = true
				}
			case !firstData && t.dataLen > 0:
				firstData = true
				keep(p, "first data segment")
			case !resent && t.dataLen > 0 && t.seq == c.ciss+1:
				resent = true
				keep(p, "first retransmission of the first data segment")
			case !clientFIN && t.flags&tcpFIN != 0:
				clientFIN = true
				clientFINEnd = t.seq + uint32(t.dataLen) + 1
				keep(p, "client's FIN")
			case serverFIN && !lastACK && t.flags&tcpACK != 0 && t.ack == serverFINEnd:
				lastACK = true
				keep(p, "client's ACK of the server's FIN")
			}
		case fromServer(p):
			t := p.tcp
			switch {
			case t.flags&tcpSYN != 0:
				if !c.haveSISS {
					c.siss, c.haveSISS = t.seq, true
				}
				keep(p, "SYN-ACK")
			case !serverFIN && t.flags&tcpFIN != 0:
				serverFIN = true
				serverFINEnd = t.seq + uint32(t.dataLen) + 1
				keep(p, "server's FIN")
			case clientFIN && !serverFIN && t.flags&tcpACK != 0 && t.ack == clientFINEnd:
				keep(p, "server's ACK of the client's FIN, before its own FIN")
			}
		}
	}
	return out
}

// closeRoles are the roles of tcpKeySegments that belong to the close.
var closeRoles = map[string]bool{
	"client's FIN": true, "server's FIN": true, "client's ACK of the server's FIN": true,
	"server's ACK of the client's FIN, before its own FIN": true,
}

// tcpOpenSegments is tcpKeySegments up to the close: the handshake, the
// first data and path-MTU discovery.
func tcpOpenSegments(ps []packet) []packet {
	return keepRoles(tcpKeySegments(ps), func(r string) bool { return !closeRoles[r] })
}

// tcpCloseSegments is tcpKeySegments' close alone: the FINs and their
// ACKs.
func tcpCloseSegments(ps []packet) []packet {
	return keepRoles(tcpKeySegments(ps), func(r string) bool { return closeRoles[r] })
}

func keepRoles(ps []packet, keep func(role string) bool) []packet {
	var out []packet
	for _, p := range ps {
		if len(p.fields) > 0 && p.fields[0].name == "role" && !keep(p.fields[0].value) {
			continue
		}
		out = append(out, p)
	}
	return out
}

// withRole labels a packet with its role in the comparison.
func withRole(p packet, role string) packet {
	p.fields = append([]field{{name: "role", value: role}}, p.fields...)
	p.summary = role + ": " + p.summary
	return p
}

// relative rewrites a segment of the connection for the comparison.
func (c tcpConn) relative(p packet, role string, client bool) packet {
	t := p.tcp
	handshake := t.flags&tcpSYN != 0
	var fs []field
	for _, f := range p.fields {
		switch f.name {
		case "tcp.dport":
			f.value = "server"
			if !client {
				f.value = "client"
			}
		case "tcp.window":
			if !handshake {
				continue // allowance "TCP after the handshake"
			}
		case "tcp.data":
			f = field{name: "tcp.data-length", value: fmt.Sprint(len(f.data))} // allowance "TCP payload"
		}
		fs = append(fs, f)
	}
	seq, ack := t.seq-c.ciss, t.ack-c.siss
	if !client {
		seq, ack = t.seq-c.siss, t.ack-c.ciss
	}
	fs = append(fs, field{name: "tcp.seq(relative)", value: fmt.Sprint(seq)})
	if t.flags&tcpACK != 0 {
		fs = append(fs, field{name: "tcp.ack(relative)", value: fmt.Sprint(ack)})
	}
	p.fields = fs
	p.summary = strings.Replace(p.summary, fmt.Sprintf("TCP to port %d", c.cport), "TCP to the client", 1)
	return withRole(p, role)
}

// quotedTCP applies relative's allowances to the TCP segment an ICMP
// error quotes: its window is left out (not a SYN's) and its payload is
// compared by length.
func quotedTCP(p packet) packet {
	var fs []field
	for _, f := range p.fields {
		switch f.name {
		case "quote.tcp.window":
			continue // allowance "TCP after the handshake"
		case "quote.tcp.data":
			f = field{name: "quote.tcp.data-length", value: fmt.Sprint(len(f.data))} // allowance "TCP payload"
		}
		fs = append(fs, f)
	}
	p.fields = fs
	return p
}

// synRetries keeps a capture's SYNs (the SYN retransmission schedule),
// within synWindow of the first.
func synRetries(ps []packet) []packet {
	var out []packet
	var first time.Time
	for _, p := range ps {
		if p.tcp == nil || p.tcp.flags&tcpSYN == 0 {
			out = append(out, p) // reported if it differs: anything else is unexpected
			continue
		}
		if first.IsZero() {
			first = p.at
		}
		if p.at.Sub(first) <= synWindow {
			out = append(out, p)
		}
	}
	return out
}

// Linux arms its retransmission timer on the timer wheel
// (kernel/time/timer.c), which rounds a timeout up to its level's
// granularity: by up to an eighth of it, plus a jiffy (4 ms at HZ=250).
// Linux's intervals may be that much longer than hops', and rtoEarly
// shorter (clock reading).
const (
	rtoJiffy = 4 * time.Millisecond
	rtoEarly = 2 * time.Millisecond
)

// synTimes compares the intervals between successive SYNs (allowance
// "retransmission timer granularity").
func synTimes(point string, lin, hp []packet) []string {
	times := func(ps []packet) []time.Time {
		var ts []time.Time
		for _, p := range ps {
			if p.tcp != nil && p.tcp.flags&tcpSYN != 0 {
				ts = append(ts, p.at)
			}
		}
		return ts
	}
	lt, ht := times(lin), times(hp)
	var d []string
	for i := 1; i < len(lt) && i < len(ht); i++ {
		l, h := lt[i].Sub(lt[i-1]), ht[i].Sub(ht[i-1])
		if l < h-rtoEarly || l > h+h/8+rtoJiffy {
			d = append(d, fmt.Sprintf("%s: SYN %d came %v after SYN %d in Linux, %v in hops (Linux may be late by up to %v)",
				point, i+1, l.Round(time.Microsecond), i, h, h/8+rtoJiffy))
		}
	}
	return d
}
