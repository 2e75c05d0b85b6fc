package main

import (
	"cmp"
	"fmt"
	"net/netip"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/wire"
	"github.com/miekg/dns"
)

// mermaidID turns a node name into a Mermaid participant id.
var nonID = regexp.MustCompile(`[^A-Za-z0-9_]`)

// mermaidText makes s safe inside a Mermaid message: ';' and '#' have
// meanings there.
func mermaidText(s string) string {
	return strings.NewReplacer(";", ",", "#", "no. ", "\n", " ").Replace(s)
}

// sequence is the Mermaid sequence diagram of the visits: every DNS
// message, the handshakes and FINs of the browser's connections, and
// each HTTP request and response, in the order they were sent, each with
// its virtual time.
func (r *browseRun) sequence() string {
	var b strings.Builder
	b.WriteString("sequenceDiagram\n")
	b.WriteString(fmt.Sprintf("    %%%% hops browse %s, seed %d, from %s; times are virtual, since the first visit began\n", r.raw, r.g.seed, r.src.Name))
	ids := map[string]string{}
	var order []string
	var msgs []string
	part := func(name string) string {
		if id, ok := ids[name]; ok {
			return id
		}
		id := nonID.ReplaceAllString(name, "_")
		ids[name] = id
		order = append(order, name)
		return id
	}
	part(r.src.Name)
	start := r.visits[0].Result.Start
	r.handshakes = map[segKey]bool{}
	for vi, v := range r.visits {
		vt := &visitTeller{r: r, v: v, n: vi + 1}
		if len(r.visits) > 1 {
			msgs = append(msgs, fmt.Sprintf("    Note over %s: visit %d", part(r.src.Name), vi+1))
		}
		type msg struct {
			at   sim.Time
			line string
		}
		var ms2 []msg
		for _, p := range vt.visitPackets() {
			text := r.seqText(p)
			if text == "" || p.to == "" {
				continue
			}
			ms2 = append(ms2, msg{p.sent, fmt.Sprintf("    %s->>%s: +%s %s", part(p.from), part(p.to), ms(p.sent.Sub(start)), mermaidText(text))})
		}
		// HTTP/2 frames share segments, so its messages come from the
		// exchanges: the request's HEADERS, the response's HEADERS and
		// its last DATA.
		for _, e := range v.Result.Entries {
			n := v.Net[e.ID]
			x := n.Exchange
			if n == nil || x == nil || x.Proto != "HTTP/2" || x.Resp == nil {
				continue
			}
			server := r.s.nameOf(x.Remote.Addr())
			if server == "" {
				server = x.Remote.Addr().String()
			}
			me, them := part(r.src.Name), part(server)
			path := (&visitTeller{v: v}).rel(e.URL)
			sent := max(x.Start, x.Connected) // a stream waits for its connection
			ms2 = append(ms2,
				msg{sent, fmt.Sprintf("    %s->>%s: +%s %s", me, them, ms(sent.Sub(start)), mermaidText(fmt.Sprintf("HTTP/2 HEADERS stream %d GET %s", x.Stream, path)))},
				msg{x.FirstByte, fmt.Sprintf("    %s->>%s: +%s %s", them, me, ms(x.FirstByte.Sub(start)), mermaidText(fmt.Sprintf("HTTP/2 HEADERS stream %d :status %d", x.Stream, x.Resp.Status)))},
				msg{x.Done, fmt.Sprintf("    %s->>%s: +%s %s", them, me, ms(x.Done.Sub(start)), mermaidText(fmt.Sprintf("HTTP/2 DATA stream %d END_STREAM (%d bytes in all)", x.Stream, len(x.Resp.Body))))})
		}
		slices.SortStableFunc(ms2, func(a, b msg) int { return cmp.Compare(a.at, b.at) })
		for _, m := range ms2 {
			msgs = append(msgs, m.line)
		}
	}
	for _, name := range order {
		fmt.Fprintf(&b, "    participant %s as %s\n", ids[name], name)
	}
	for _, m := range msgs {
		b.WriteString(m)
		b.WriteByte('\n')
	}
	return b.String()
}

// seqText says what a packet is in the conversation, or "" for the
// packets the diagram leaves out (bare ACKs, data without a message
// start).
func (r *browseRun) seqText(p *pktRec) string {
	if u, ok := p.udp(); ok && (u.DstPort() == 53 || u.SrcPort() == 53) {
		var m dns.Msg
		if m.Unpack(u.Payload()) != nil || len(m.Question) == 0 {
			return "DNS (unreadable)"
		}
		q := fmt.Sprintf("%s %s", m.Question[0].Name, dns.Type(m.Question[0].Qtype))
		if !m.Response {
			return "DNS query " + q + "?"
		}
		switch {
		case m.Rcode != dns.RcodeSuccess:
			return "DNS " + dns.RcodeToString[m.Rcode] + " for " + q
		case len(m.Answer) > 0:
			var as []string
			for _, rr := range m.Answer {
				if a, ok := rr.(*dns.A); ok {
					as = append(as, a.A.String())
				}
			}
			return "DNS answer " + q + " = " + strings.Join(as, ", ")
		case len(m.Ns) > 0:
			if ns, ok := m.Ns[0].(*dns.NS); ok {
				return "DNS referral to " + ns.Hdr.Name + " (" + strings.TrimSuffix(ns.Ns, ".") + ")"
			}
		}
		return "DNS no data for " + q
	}
	t, ok := p.tcp()
	if !ok || p.from != r.src.Name && p.to != r.src.Name {
		return ""
	}
	f := t.Flags()
	pl := t.Payload()
	switch {
	case f&wire.SYN != 0 && f&wire.ACK == 0:
		return fmt.Sprintf("SYN seq=%d", t.Seq())
	case f&wire.SYN != 0:
		// The handshake's last ACK is the browser's next bare ACK of
		// seq+1 on this connection (as the browser sees the SYN-ACK:
		// after the home router's NAT rewrote it back).
		ip := p.delivered()
		r.handshakes[segKey{netip.AddrPortFrom(ip.Dst(), t.DstPort()), netip.AddrPortFrom(ip.Src(), t.SrcPort()), t.Seq() + 1, false}] = true
		return fmt.Sprintf("SYN-ACK seq=%d ack=%d", t.Seq(), t.Ack())
	case f == wire.ACK && len(pl) == 0:
		ip := p.ip()
		k := segKey{netip.AddrPortFrom(ip.Src(), t.SrcPort()), netip.AddrPortFrom(ip.Dst(), t.DstPort()), t.Ack(), false}
		if r.handshakes[k] {
			delete(r.handshakes, k)
			return fmt.Sprintf("ACK ack=%d", t.Ack())
		}
		return ""
	case f&wire.RST != 0:
		return "RST"
	case len(pl) > 0 && (strings.HasPrefix(string(pl), "GET ") || strings.HasPrefix(string(pl), "HTTP/1.")):
		line, _, _ := strings.Cut(string(pl), "\r\n")
		return fmt.Sprintf("%s (%d bytes, seq=%d)", line, len(pl), t.Seq())
	case f&wire.FIN != 0:
		return fmt.Sprintf("FIN seq=%d", t.Seq())
	}
	return ""
}

func (r *browseRun) writeSequence(name string) error {
	return os.WriteFile(name, []byte(r.sequence()), 0o644)
}
