package main

import (
	"fmt"
	"image"
	"io"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/hopsnet/hops/app/browse"
	"github.com/hopsnet/hops/app/web"
	"github.com/hopsnet/hops/browser/loader"
	"github.com/hopsnet/hops/browser/page"
	"github.com/hopsnet/hops/dns/resolver"
	"github.com/hopsnet/hops/http/h1"
	"github.com/hopsnet/hops/sim"
	"github.com/hopsnet/hops/trace"
	"github.com/hopsnet/hops/wire"
	"github.com/miekg/dns"
)

// The story's sections, in the order the classic explanations tell them.
const (
	secAddress = "Finding the address"
	secConnect = "Opening the connection"
	secPath    = "The packets' path"
	secAsk     = "Asking for the page"
	secBuild   = "Building the page"
	secPackets = "Every packet"
)

// storyLine is one numbered line of the narration. Claims are the
// numbers of DESIGN.md's "What hops must let a person see" that it shows.
type storyLine struct {
	Visit   int    `json:"visit"`
	Section string `json:"section"`
	Claims  []int  `json:"claims,omitempty"`
	Text    string `json:"text"`
}

// visitSummary is a visit's figures, as a browser's timing panel gives
// them; times in milliseconds of virtual time since the navigation
// started (TTFB too: the first byte of the page's response).
type visitSummary struct {
	Visit            int     `json:"visit"`
	URL              string  `json:"url"`
	Status           int     `json:"status"`
	DNSMs            float64 `json:"dns_ms"`
	ConnectMs        float64 `json:"connect_ms"`
	TTFBMs           float64 `json:"ttfb_ms"`
	DOMContentLoaded float64 `json:"dom_content_loaded_ms"`
	FirstPaintMs     float64 `json:"first_paint_ms"`
	LoadMs           float64 `json:"load_ms"`
	Requests         int     `json:"requests"`
	FromCache        int     `json:"from_cache"`
	Revalidated      int     `json:"revalidated"`
	Bytes            int     `json:"bytes"`
	Connections      int     `json:"connections"`
	Packets          int     `json:"packets"`
	Retransmitted    int     `json:"retransmitted_segments"`
	Error            string  `json:"error,omitempty"`
}

func (v visitSummary) String() string {
	if v.Error != "" {
		return fmt.Sprintf("visit %d: %s: %s", v.Visit, v.URL, v.Error)
	}
	extra := ""
	if v.FromCache > 0 || v.Revalidated > 0 {
		extra = fmt.Sprintf(" (%d from the cache, %d revalidated)", v.FromCache, v.Revalidated)
	}
	return fmt.Sprintf("visit %d: %s %d · DNS %.1f ms · connect %.1f ms · TTFB %.1f ms · DOMContentLoaded %.1f ms · first paint %.1f ms · load %.1f ms · %d requests%s · %d bytes of content · %d connections · %d packets · %d retransmitted",
		v.Visit, v.URL, v.Status, v.DNSMs, v.ConnectMs, v.TTFBMs, v.DOMContentLoaded, v.FirstPaintMs, v.LoadMs,
		v.Requests, extra, v.Bytes, v.Connections, v.Packets, v.Retransmitted)
}

// browseStory is the whole narration of a run.
type browseStory struct {
	lines     []storyLine
	packets   [][]string // -v: per visit, one line per packet
	summaries []visitSummary
	visits    []*browse.Visit
	r         *browseRun
}

// story tells the run.
func (r *browseRun) story() *browseStory {
	st := &browseStory{r: r, visits: r.visits}
	for i, v := range r.visits {
		vt := &visitTeller{st: st, r: r, v: v, n: i + 1}
		vt.tell()
		st.summaries = append(st.summaries, vt.summary())
		if r.o.verbose {
			st.packets = append(st.packets, vt.packetLines())
		}
	}
	return st
}

// print writes the narration: a heading per visit and section, the
// lines numbered from 1 in each visit, then the summary. pause, when
// not nil, runs after each numbered line (--step).
func (st *browseStory) print(w io.Writer, pause func()) {
	visit, section, n := 0, "", 0
	for _, l := range st.lines {
		if l.Visit != visit {
			if visit != 0 {
				st.printVisitEnd(w, visit)
			}
			visit, section, n = l.Visit, "", 0
			v := st.visits[l.Visit-1]
			fmt.Fprintf(w, "hops browse %s — visit %d of %d, from %s (%s), seed %d\n", v.URL, l.Visit, len(st.visits), st.r.src.Name, st.r.src.Addr(), st.r.g.seed)
		}
		if l.Section != section {
			section = l.Section
			fmt.Fprintf(w, "\n%s\n", section)
		}
		n++
		fmt.Fprintf(w, "%3d. %s\n", n, l.Text)
		if pause != nil {
			pause()
		}
	}
	if visit != 0 {
		st.printVisitEnd(w, visit)
	}
}

func (st *browseStory) printVisitEnd(w io.Writer, visit int) {
	if len(st.packets) >= visit {
		fmt.Fprintf(w, "\n%s\n", secPackets)
		for _, l := range st.packets[visit-1] {
			fmt.Fprintf(w, "     %s\n", l)
		}
	}
	fmt.Fprintf(w, "\nSummary: %s\n\n", st.summaries[visit-1])
}

// json is the story as --json prints it.
func (st *browseStory) json() any {
	return struct {
		Lines   []storyLine    `json:"lines"`
		Summary []visitSummary `json:"summary"`
	}{st.lines, st.summaries}
}

// visitTeller tells one visit.
type visitTeller struct {
	st      *browseStory
	r       *browseRun
	v       *browse.Visit
	n       int
	section string
	packets []*pktRec // visitPackets, once computed
	counted bool
}

func (vt *visitTeller) say(claims []int, format string, args ...any) {
	vt.st.lines = append(vt.st.lines, storyLine{Visit: vt.n, Section: vt.section, Claims: claims, Text: fmt.Sprintf(format, args...)})
}

// ms is a duration in milliseconds, one decimal.
func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/1e6) }

// at is a time since the visit began.
func (vt *visitTeller) at(t sim.Time) string { return ms(t.Sub(vt.v.Result.Start)) }

func (vt *visitTeller) tell() {
	res := vt.v.Result
	vt.section = secAddress
	for _, lk := range vt.v.Lookups {
		vt.lookup(lk)
	}
	chain := vt.navigation()
	if len(chain) == 0 {
		return
	}
	doc := chain[len(chain)-1]
	// The handshake told is the navigation's first: the connection the
	// first request opened (later hops of a redirect may reuse it).
	first := vt.v.Net[chain[0].ID].Exchange
	if first != nil && first.Connected != 0 {
		vt.section = secConnect
		if syn := vt.handshake(first); syn != nil {
			vt.section = secPath
			vt.path(syn, first)
		}
	}
	vt.section = secAsk
	for _, e := range chain[:len(chain)-1] {
		vt.say([]int{9}, "%s answered %d with Location: %s — the browser follows the redirect.", e.URL, e.Status, vt.v.Result.Entries[e.RedirectedTo].URL)
	}
	x := vt.v.Net[doc.ID].Exchange
	switch {
	case x != nil && x != first && x.Connected != 0 && !x.Reused:
		vt.section = secConnect
		vt.handshake(x)
		vt.section = secAsk
		vt.ask(doc, x)
	case x != nil && x.Connected != 0:
		vt.ask(doc, x)
	case doc.Err != nil:
		vt.section = secConnect
		vt.say([]int{6}, "The connection to %s failed: %s.", doc.URL, browseErrText(doc.Err))
	}
	if res.Err != nil {
		return
	}
	vt.section = secBuild
	vt.build(doc)
}

// navigation returns the page's entries: the first request and those
// its redirects led to, the page last.
func (vt *visitTeller) navigation() []*loader.Entry {
	es := vt.v.Result.Entries
	if len(es) == 0 {
		return nil
	}
	chain := []*loader.Entry{es[0]}
	for e := es[0]; e.RedirectedTo >= 0; {
		e = es[e.RedirectedTo]
		chain = append(chain, e)
	}
	return chain
}

func (vt *visitTeller) lookup(lk *browse.Lookup) {
	src := vt.r.src
	took := lk.End.Sub(lk.Start)
	switch {
	case lk.Result.Err != nil:
		vt.say([]int{8}, "Looking up %s failed after %s: %s.", lk.Host, ms(took), browseErrText(lk.Result.Err))
		return
	case lk.Result.Cached:
		vt.say([]int{8}, "The browser needs the address of %s. The %s's stub resolver still has it cached from an earlier answer, within its TTL: %s, found without sending a packet.", lk.Host, src.Name, lk.Result.Addr)
		return
	case !vt.r.s.usesDNS(lk.Host):
		vt.say(nil, "%s is a node of the world: its address, %s, comes from the node table (the simulation's /etc/hosts), with no DNS.", lk.Host, lk.Result.Addr)
		return
	}
	q := vt.stubQuery(lk)
	if q == nil {
		vt.say([]int{8}, "The browser needs the address of %s; the stub resolver found %s in %s.", lk.Host, lk.Result.Addr, ms(took))
		return
	}
	ip := q.ip()
	u, _ := q.udp()
	var m dns.Msg
	qtext, id := lk.Host+" A?", 0
	if m.Unpack(u.Payload()) == nil && len(m.Question) == 1 {
		qtext, id = fmt.Sprintf("%s %s?", m.Question[0].Name, dns.Type(m.Question[0].Qtype)), int(m.Id)
	}
	resolverName := vt.r.s.nameOf(ip.Dst())
	defer vt.stubRetries(lk, q)
	vt.say([]int{7, 8, 1}, "The browser needs the address of %s. The %s's stub resolver sends one UDP datagram of %d bytes (IPv4 header %d, UDP header 8, DNS message %d) from %s:%d to its recursive resolver %s (%s) port 53, asking \"%s\" with query ID %d (0x%04x). UDP has no handshake and no retransmission of its own: if the datagram were lost, the stub would ask again after 5 s.",
		lk.Host, src.Name, ip.TotalLen(), ip.HeaderLen(), len(u.Payload()), ip.Src(), u.SrcPort(), resolverName, ip.Dst(), qtext, id, id)
	dr := vt.resolverResult(lk)
	if dr == nil {
		vt.say([]int{8}, "The resolver answers after %s: %s is %s.", ms(took), lk.Host, lk.Result.Addr)
		return
	}
	queries := 0
	for _, s := range dr.res.Trace.Steps {
		switch {
		case s.Event == "cache":
			vt.say([]int{8}, "%s finds %s %s in its cache: %s.", dr.node, s.QName, dns.Type(s.QType), s.Note)
		case s.Server.IsValid():
			queries++
			vt.say([]int{8}, "%s asks %s (%s), %s, \"%s %s?\" → %s, after %s.", dr.node, strings.TrimSuffix(s.ServerName, "."), s.Server, zoneRole(s.Zone), s.QName, dns.Type(s.QType), s.Note, ms(s.RTT))
		}
	}
	ttl := answerTTL(dr.res.Trace)
	how := "from its cache"
	if queries > 0 {
		how = fmt.Sprintf("after %d queries, root → TLD → domain", queries)
	}
	keep := ""
	if ttl > 0 {
		keep = fmt.Sprintf(" It keeps the answer in its cache for its TTL, %d s, so the next lookup of the name needs no query.", ttl)
	}
	vt.say([]int{8}, "%s replies to the %s %s: %s is %s. The lookup took %s.%s", dr.node, src.Name, how, lk.Host, lk.Result.Addr, ms(took), keep)
}

// zoneRole says what kind of server is authoritative for zone.
func zoneRole(zone string) string {
	switch labels := dns.CountLabel(zone); {
	case zone == ".":
		return "a root server"
	case labels == 1:
		return "a server of the " + strings.TrimSuffix(zone, ".") + " TLD"
	default:
		return "a server of " + strings.TrimSuffix(zone, ".")
	}
}

// answerTTL returns the TTL of the A record in the trace's last answer,
// or 0.
func answerTTL(t *resolver.Trace) uint32 {
	for i := len(t.Steps) - 1; i >= 0; i-- {
		s := t.Steps[i]
		if s.Event != "answer" || s.Resp == nil {
			continue
		}
		var m dns.Msg
		if m.Unpack(s.Resp) != nil {
			return 0
		}
		for _, rr := range m.Answer {
			if a, ok := rr.(*dns.A); ok {
				return a.Hdr.Ttl
			}
		}
	}
	return 0
}

// resolverResult returns the world resolver's answer that served lk.
func (vt *visitTeller) resolverResult(lk *browse.Lookup) *dnsResult {
	name := dns.Fqdn(strings.ToLower(lk.Host))
	for i := range vt.r.rec.dns {
		d := &vt.r.rec.dns[i]
		if d.at >= lk.Start && d.at <= lk.End && d.res.Trace != nil && strings.EqualFold(d.res.Trace.Name, name) {
			return d
		}
	}
	return nil
}

// stubRetries tells the stub's queries after the first, sent because
// no answer came in time (claim 7: UDP itself never sends again).
func (vt *visitTeller) stubRetries(lk *browse.Lookup, first *pktRec) {
	n := 0
	var last *pktRec
	for _, p := range vt.r.rec.order {
		if p == first || p.sent < first.sent || p.sent > lk.End || p.from != vt.r.src.Name {
			continue
		}
		if u, ok := p.udp(); ok && u.DstPort() == 53 {
			n++
			last = p
		}
	}
	if n == 0 {
		return
	}
	why := "no answer came"
	if first.dropped != "" {
		why = "the first was lost (" + first.dropped + ")"
	}
	vt.say([]int{7}, "The stub sent the query %d more time(s), the last %s after the first: %s, and UDP does not send anything again by itself — the application (here the stub) must.", n, ms(last.sent.Sub(first.sent)), why)
}

// stubQuery returns the stub's first query for lk.
func (vt *visitTeller) stubQuery(lk *browse.Lookup) *pktRec {
	for _, p := range vt.r.rec.order {
		if p.sent < lk.Start || p.sent > lk.End || p.from != vt.r.src.Name {
			continue
		}
		if u, ok := p.udp(); ok && u.DstPort() == 53 {
			return p
		}
	}
	return nil
}

// handshake tells the three-way handshake of x's connection and returns
// the SYN, or nil when the connection was reused.
func (vt *visitTeller) handshake(x *web.Exchange) *pktRec {
	src := vt.r.src
	remote := vt.r.s.nameOf(x.Remote.Addr())
	if x.Reused {
		vt.say([]int{6}, "The browser already has connection #%d to %s (%s) open, kept alive from before: no new handshake.", x.ConnID, remote, x.Remote)
		return nil
	}
	var syn, synack, ack *pktRec
	var synT, synackT wire.TCP
	for _, p := range vt.r.rec.flow(x.Local, x.Remote) {
		t, _ := p.tcp()
		f := t.Flags()
		switch {
		case syn == nil && f == wire.SYN && p.from == src.Name:
			syn, synT = p, t
		case syn != nil && synack == nil && f == wire.SYN|wire.ACK && t.Ack() == synT.Seq()+1:
			synack, synackT = p, t
		case synack != nil && ack == nil && p.from == src.Name && f&wire.ACK != 0 && f&wire.SYN == 0 && t.Ack() == synackT.Seq()+1:
			ack = p
		}
	}
	if syn == nil {
		vt.say([]int{6}, "The browser opened a TCP connection from %s to %s (%s).", x.Local, remote, x.Remote)
		return nil
	}
	vt.say([]int{6, 1}, "The %s opens a TCP connection from %s to %s (%s): a SYN whose initial sequence number, ISN = %d, is random (RFC 6528), with its options: %s.",
		src.Name, x.Local, remote, x.Remote, synT.Seq(), optionText(synT))
	if synack == nil {
		return syn
	}
	vt.say([]int{6}, "%s answers %s later with a SYN-ACK: its own random ISN = %d, and acknowledgement number %d = %d + 1, the %s's ISN plus one (a SYN counts as one byte); options: %s.",
		remote, ms(synack.arrived.Sub(syn.sent)), synackT.Seq(), synackT.Ack(), synT.Seq(), src.Name, optionText(synackT))
	if ack != nil {
		t, _ := ack.tcp()
		vt.say([]int{6}, "The %s's ACK, acknowledgement number %d = %d + 1, completes the three-way handshake %s after the SYN: one round trip. Connection #%d is open.",
			src.Name, t.Ack(), synackT.Seq(), ms(ack.sent.Sub(syn.sent)), x.ConnID)
	}
	return syn
}

// optionText lists a SYN's TCP options in words.
func optionText(t wire.TCP) string {
	h, _, err := wire.ParseTCP(t)
	if err != nil {
		return "none readable"
	}
	o := h.Options
	var parts []string
	if o.MSS != 0 {
		parts = append(parts, fmt.Sprintf("MSS %d", o.MSS))
	}
	if o.HasWindowScale {
		parts = append(parts, fmt.Sprintf("window scale %d", o.WindowScale))
	}
	if o.SACKPermitted {
		parts = append(parts, "SACK permitted")
	}
	if o.HasTimestamps {
		parts = append(parts, "timestamps")
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// path tells the SYN's way there and the SYN-ACK's way back.
func (vt *visitTeller) path(syn *pktRec, x *web.Exchange) {
	ip := syn.ip()
	t, _ := syn.tcp()
	vt.say([]int{1}, "The SYN is packet #%d, %d bytes: an IPv4 header of %d bytes (source %s, destination %s, protocol %d = TCP, TTL %d, checksum 0x%04x) and a TCP header of %d bytes (ports %d → %d, sequence number %d, flags SYN), no payload. Data packets carry a slice of the bytes after such headers.",
		syn.id, ip.TotalLen(), ip.HeaderLen(), ip.Src(), ip.Dst(), ip.Protocol(), ip.TTL(), ip.HeaderChecksum(), t.HeaderLen(), t.SrcPort(), t.DstPort(), t.Seq())
	if syn.to == "" {
		vt.say([]int{2}, "It crossed %s and was lost (%s).", strings.Join(append([]string{syn.from}, syn.hops...), " → "), syn.dropped)
		return
	}
	way := append(append([]string{syn.from}, syn.hops...), syn.to)
	routers, lans := vt.splitHops(syn.hops)
	l2 := ""
	if len(lans) > 0 {
		l2 = " and " + strings.Join(lans, " and ") + ", which forwards Ethernet frames by MAC address and leaves the TTL alone"
	}
	vt.say([]int{2}, "It crossed %d routers%s: %s, arriving %s after it left, with TTL %d: each router took one off.",
		routers, l2, strings.Join(way, " → "), ms(syn.arrived.Sub(syn.sent)), syn.ttlIn)
	vt.home(syn, x)
	var steps []string
	for _, r := range syn.hops {
		n := vt.r.s.w.Node(r)
		if n == nil {
			continue
		}
		rt, ok := n.Routes.Lookup(ip.Dst())
		if !ok {
			continue
		}
		next := "?"
		if rt.Iface >= 0 && rt.Iface < len(n.Ifaces()) {
			next, _ = n.Ifaces()[rt.Iface].Peer()
		}
		steps = append(steps, fmt.Sprintf("%s: %s → %s", r, rt.Prefix, next))
	}
	if len(steps) > 0 {
		vt.say([]int{3}, "Each router looked the destination %s up in its routing table and sent the packet to the next hop of the longest matching prefix: %s.", ip.Dst(), strings.Join(steps, "; "))
	}
	for _, p := range vt.r.rec.flow(x.Local, x.Remote) {
		tt, _ := p.tcp()
		if tt.Flags() != wire.SYN|wire.ACK || p.to == "" {
			continue
		}
		back := append(append([]string{p.from}, p.hops...), p.to)
		same := len(back) == len(way)
		for i := range back {
			if same && back[i] != way[len(way)-1-i] {
				same = false
			}
		}
		how := "the same way, reversed"
		if !same {
			how = "a different way from the SYN's: each direction is routed on its own"
		}
		vt.say([]int{2, 3}, "The SYN-ACK came back %s: %s, in %s.", how, strings.Join(back, " → "), ms(p.arrived.Sub(p.sent)))
		break
	}
	vt.otherWays(syn, way)
}

// splitHops counts the routers among hops and describes the LAN
// segments (switches, access points) it crossed.
func (vt *visitTeller) splitHops(hops []string) (routers int, lans []string) {
	w := vt.r.s.w
	for _, h := range hops {
		if w.Node(h) != nil {
			routers++
			continue
		}
		what := "the switch " + h
		for _, l := range w.Scenario.LANs {
			if l.Name == h && l.Kind == "wifi" {
				what = "the Wi-Fi access point " + h
			}
		}
		lans = append(lans, what)
	}
	return routers, lans
}

// home tells where the browsing host's address came from (DHCP) and
// what the NAT routers on the SYN's way rewrote (claim 5).
func (vt *visitTeller) home(syn *pktRec, x *web.Exchange) {
	w := vt.r.s.w
	src := vt.r.src
	if c := w.DHCPClient(src.Name); c != nil {
		if b, ok := c.Binding(); ok {
			srv := vt.r.s.nameOf(b.Server)
			kind := "public"
			if b.Addr.IsPrivate() {
				kind = "private (RFC 1918), usable only inside the home"
			}
			vt.say([]int{5}, "The %s's address, %s, is %s: %s's DHCP server leased it to the %s for %s when it joined the network (DISCOVER, OFFER, REQUEST, ACK), with the default router %s and the resolver %s.",
				src.Name, b.Prefix, kind, srv, src.Name, fmtDur(b.LeaseTime), joinAddrs(b.Router), joinAddrs(b.DNS))
		}
	}
	for i, n := range syn.nat {
		before := wire.IPv4(syn.data)
		if i > 0 {
			before = syn.nat[i-1].data
		}
		after := wire.IPv4(n.data)
		bt, at := wire.TCP(before.Payload()), wire.TCP(after.Payload())
		from := netip.AddrPortFrom(before.Src(), bt.SrcPort())
		to := netip.AddrPortFrom(after.Src(), at.SrcPort())
		port := "kept the port, as it was free (port preservation, RFC 4787)"
		if from.Port() != to.Port() {
			port = fmt.Sprintf("chose port %d, as %d was taken", to.Port(), from.Port())
		}
		pub := ""
		if c := w.DHCPClient(n.node); c != nil {
			if b, ok := c.Binding(); ok && b.Addr == to.Addr() {
				pub = fmt.Sprintf(", which %s's DHCP server gave it", vt.r.s.nameOf(b.Server))
			}
		}
		vt.say([]int{5, 1}, "On its way out, %s rewrote the SYN (NAPT, RFC 3022): source %s became %s, the router's one public address%s; it %s, recomputed the IPv4 header checksum (0x%04x → 0x%04x) and the TCP checksum (0x%04x → 0x%04x), and remembered the mapping. No router outside the home ever sees %s.",
			n.node, from, to, pub, port, before.HeaderChecksum(), after.HeaderChecksum(), bt.Checksum(), at.Checksum(), from.Addr())
		// The SYN-ACK: translated back by the same mapping.
		for _, p := range vt.r.rec.flow(x.Local, x.Remote) {
			t, _ := p.tcp()
			if t.Flags() != wire.SYN|wire.ACK || len(p.nat) == 0 {
				continue
			}
			in := wire.IPv4(p.data)
			for _, m := range p.nat {
				if m.node != n.node {
					continue
				}
				out := wire.IPv4(m.data)
				it, ot := wire.TCP(in.Payload()), wire.TCP(out.Payload())
				vt.say([]int{5}, "%s sent its SYN-ACK to %s; %s found the mapping and rewrote the destination back to %s before passing it into the home.",
					vt.r.s.nameOf(in.Src()), netip.AddrPortFrom(in.Dst(), it.DstPort()), n.node, netip.AddrPortFrom(out.Dst(), ot.DstPort()))
				break
			}
			break
		}
	}
}

// ospfStory tells how the routing protocol reacted to the last link
// change before t: for OSPF who lost a neighbour, for BGP whose session
// ended and how many UPDATEs followed, and when the routers' tables
// changed; "" when the world routes by the oracle.
func (vt *visitTeller) ospfStory(t sim.Time) string {
	var cut sim.Time = -1
	for _, l := range vt.r.rec.links {
		if l.at <= t {
			cut = l.at
		}
	}
	if cut < 0 {
		return ""
	}
	var lost, sessions []string
	changed := map[string]bool{}
	var first, last sim.Time = -1, -1
	updates := 0
	for _, e := range vt.r.rec.routing {
		if e.at < cut || e.at > t {
			continue
		}
		switch {
		case strings.HasPrefix(e.what, "bgp neighbor ") && strings.Contains(e.what, "Established -> Idle") && !slices.Contains(sessions, e.node):
			sessions = append(sessions, e.node)
		case strings.HasPrefix(e.what, "bgp update "):
			updates++
		case strings.Contains(e.what, " -> Down") && !slices.Contains(lost, e.node):
			lost = append(lost, e.node)
		case strings.HasPrefix(e.what, "ospf add ") || strings.HasPrefix(e.what, "ospf change ") || strings.HasPrefix(e.what, "ospf del ") ||
			strings.HasPrefix(e.what, "bgp add ") || strings.HasPrefix(e.what, "bgp change ") || strings.HasPrefix(e.what, "bgp del "):
			changed[e.node] = true
			if first < 0 {
				first = e.at
			}
			last = e.at
		}
	}
	if len(changed) == 0 {
		return ""
	}
	if len(sessions) > 0 {
		// BGP: the session over the link ended at once (fast external
		// fallover); withdrawals and new best paths followed.
		s := strings.Join(sessions, " and ") + " ended their BGP session over the link at once (its carrier went down) and withdrew the routes they had learned over it"
		if updates > 0 {
			s += fmt.Sprintf("; %d UPDATEs carried the withdrawals and the next best paths to the other routers", updates)
		}
		return fmt.Sprintf("%s, and %d routers changed their routes, the first %s and the last %s after the change",
			s, len(changed), ms(first.Sub(cut)), ms(last.Sub(cut)))
	}
	s := "OSPF"
	if len(lost) > 0 {
		s = strings.Join(lost, " and ") + " noticed at once (the link's carrier went down) and flooded new router-LSAs; "
		s += "every router ran SPF on them"
	} else {
		s += " flooded new router-LSAs and every router ran SPF on them"
	}
	return fmt.Sprintf("%s, and %d routers changed their routes, the first %s and the last %s after the change", s, len(changed), ms(first.Sub(cut)), ms(last.Sub(cut)))
}

// otherWays tells the first later packet of the visit from this node to
// the same destination that took another way, and the link changes that
// made the routers choose it.
func (vt *visitTeller) otherWays(syn *pktRec, way []string) {
	dst := syn.ip().Dst()
	for _, p := range vt.visitPackets() {
		if p.sent <= syn.sent || p.from != syn.from || p.to == "" || p.ip().Dst() != dst {
			continue
		}
		w := append(append([]string{p.from}, p.hops...), p.to)
		if strings.Join(w, ",") == strings.Join(way, ",") {
			continue
		}
		var changes []string
		for _, l := range vt.r.rec.links {
			if l.at <= p.sent {
				state := "went down"
				if l.up {
					state = "came back up"
				}
				changes = append(changes, fmt.Sprintf("the link %s %s at %s", l.link, state, vt.at(l.at)))
			}
		}
		why := "the routes had changed"
		if len(changes) > 0 {
			why = strings.Join(changes, ", ") + ", and the routers found another path on their own"
			if o := vt.ospfStory(p.sent); o != "" {
				why += ": " + o
			}
		}
		vt.say([]int{3, 4}, "Not every packet took that way: packet #%d, sent at %s, crossed %s: %s.", p.id, vt.at(p.sent), strings.Join(w, " → "), why)
		return
	}
}

// ask tells the page's request and response.
func (vt *visitTeller) ask(doc *loader.Entry, x *web.Exchange) {
	n := vt.v.Net[doc.ID]
	remote := vt.r.s.nameOf(x.Remote.Addr())
	h2 := x.Proto == "HTTP/2"
	if n.Request != nil {
		var fields []string
		for _, f := range n.Request.Header {
			fields = append(fields, f.Name+": "+f.Value)
		}
		if h2 {
			vt.say([]int{10, 9}, "The browser speaks HTTP/2 by prior knowledge (h2c): connection #%d opens with the 24-byte preface and a SETTINGS frame, and the request is a HEADERS frame on stream %d: :method %s, :scheme http, :authority %s, :path %s and %d more fields — %s — compressed with HPACK, lower-case names, no Host or Connection.",
				x.ConnID, x.Stream, n.Request.Method, n.Request.Header.Get("Host"), n.Request.Target, len(fields)-2, strings.Join(fields[2:], "; "))
		} else {
			vt.say([]int{9}, "The browser sends \"%s %s HTTP/1.1\" on connection #%d with %d header fields — %s — %d bytes in all.",
				n.Request.Method, n.Request.Target, x.ConnID, len(fields), strings.Join(fields, "; "), len(x.RequestHead))
		}
	}
	// The request's segment and the server's ACK of it.
	var reqSeg *pktRec
	var reqT wire.TCP
	flow := vt.r.rec.flow(x.Local, x.Remote)
	for _, p := range flow {
		t, _ := p.tcp()
		if p.from == vt.r.src.Name && len(t.Payload()) > 0 && p.sent >= x.Start {
			reqSeg, reqT = p, t
			break
		}
	}
	if reqSeg != nil {
		end := reqT.Seq() + uint32(len(reqT.Payload()))
		acked := ""
		for _, p := range flow {
			t, _ := p.tcp()
			if p.from != vt.r.src.Name && p.sent > reqSeg.sent && t.Flags()&wire.ACK != 0 && t.Ack() == end {
				acked = fmt.Sprintf(" %s acknowledges them with %d = %d + %d.", remote, t.Ack(), reqT.Seq(), len(reqT.Payload()))
				break
			}
		}
		what := "Its"
		if h2 {
			what = "Those frames'"
		}
		vt.say([]int{6, 1}, "%s %d bytes travel in packet #%d with sequence number %d: sequence numbers count bytes, so they are bytes %d to %d of the stream.%s",
			what, len(reqT.Payload()), reqSeg.id, reqT.Seq(), reqT.Seq(), end-1, acked)
	}
	if x.Resp == nil {
		return
	}
	resp := x.Resp
	segs := 0
	for _, p := range flow {
		t, _ := p.tcp()
		if p.from != vt.r.src.Name && len(t.Payload()) > 0 && p.sent >= x.Start && p.sent <= x.Done {
			segs++
		}
	}
	status := fmt.Sprintf("%d %s", resp.Status, reasonOf(resp.Status, resp.Reason))
	if resp.Status == 304 {
		vt.say([]int{9}, "%s answers \"HTTP/1.1 %s\" %s after the request left, with no body: the browser sent If-None-Match with the ETag of its cached copy, %s, and that copy is still good, so the page comes from the cache.",
			remote, status, ms(x.FirstByte.Sub(x.Connected)), resp.Header.Get("ETag"))
		vt.losses()
		return
	}
	if h2 {
		vt.say([]int{10, 9, 12}, "%s answers on stream %d %s after the request left: a HEADERS frame with :status %d, content-type: %s, content-length: %s, then DATA frames — %d bytes of body in %d TCP segment(s), done %s after the navigation began.",
			remote, x.Stream, ms(x.FirstByte.Sub(x.Connected)), resp.Status, orNone(resp.Header.Get("Content-Type")), orNone(resp.Header.Get("Content-Length")), len(resp.Body), segs, vt.at(x.Done))
	} else {
		vt.say([]int{9, 12}, "%s answers \"HTTP/1.1 %s\" %s after the request left: Content-Type: %s, Content-Length: %s — %d bytes of body in %d TCP segment(s), done %s after the navigation began.",
			remote, status, ms(x.FirstByte.Sub(x.Connected)), orNone(resp.Header.Get("Content-Type")), orNone(resp.Header.Get("Content-Length")), len(resp.Body), segs, vt.at(x.Done))
	}
	if sc := n.SetCookie; len(sc) > 0 {
		vt.say([]int{9}, "It also sets a cookie — Set-Cookie: %s — which the browser keeps in its jar and sends back, as a Cookie header, with every later request to %s.", strings.Join(sc, " | "), remote)
	}
	vt.losses()
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func reasonOf(status int, reason string) string {
	if reason != "" {
		return reason
	}
	return h1.StatusText(status)
}

// segKey identifies a TCP segment's bytes in one direction.
type segKey struct {
	src, dst netip.AddrPort
	seq      uint32
	syn      bool
}

// resend is a TCP segment of the browsing node's connections sent a
// second time, with its first copy.
type resend struct{ first, again *pktRec }

// resends lists the visit's TCP segments (with data, SYN or FIN) sent
// more than once, in the order the copies left.
func (vt *visitTeller) resends() []resend {
	first := map[segKey]*pktRec{}
	var out []resend
	for _, p := range vt.visitPackets() {
		t, ok := p.tcp()
		if !ok || p.from != vt.r.src.Name && p.to != vt.r.src.Name {
			continue
		}
		f := t.Flags()
		if len(t.Payload()) == 0 && f&(wire.SYN|wire.FIN) == 0 {
			continue
		}
		ip := p.ip()
		k := segKey{netip.AddrPortFrom(ip.Src(), t.SrcPort()), netip.AddrPortFrom(ip.Dst(), t.DstPort()), t.Seq(), f&wire.SYN != 0}
		if o := first[k]; o != nil {
			out = append(out, resend{o, p})
			continue
		}
		first[k] = p
	}
	return out
}

// losses tells the segments sent again.
func (vt *visitTeller) losses() {
	rs := vt.resends()
	if len(rs) == 0 {
		vt.say([]int{6}, "No segment of this visit was lost, so TCP sent nothing twice.")
		return
	}
	var again []string
	data := false
	for _, r := range rs {
		t, _ := r.again.tcp()
		what := fmt.Sprintf("seq %d (%d bytes)", t.Seq(), len(t.Payload()))
		switch {
		case t.Flags()&wire.SYN != 0:
			what = fmt.Sprintf("the SYN (seq %d)", t.Seq())
		case len(t.Payload()) == 0:
			what = fmt.Sprintf("the FIN (seq %d)", t.Seq())
		default:
			data = true
		}
		if len(again) < 5 {
			why := "it was not acknowledged in time"
			if r.first.dropped != "" {
				why = "the first copy was dropped (" + r.first.dropped + ")"
			}
			again = append(again, fmt.Sprintf("%s from %s, sent again %s after the first copy: %s", what, r.again.from, ms(r.again.sent.Sub(r.first.sent)), why))
		}
	}
	order := ""
	if data {
		order = " The receiver put the bytes back in order before handing them to the browser."
	}
	vt.say([]int{6}, "TCP sent %d segment(s) again because they went missing: %s.%s", len(rs), strings.Join(again, "; "), order)
}

// visitPackets returns the packets sent while the visit ran.
func (vt *visitTeller) visitPackets() []*pktRec {
	if vt.counted {
		return vt.packets
	}
	vt.counted = true
	res := vt.v.Result
	end := res.Load
	if end == 0 {
		end = sim.Never
	}
	if vt.n < len(vt.r.visits) {
		// The next visit begins as this one ends: what is sent then is
		// the next visit's.
		end = vt.r.visits[vt.n].Result.Start - 1
	}
	var out []*pktRec
	for _, p := range vt.r.rec.order {
		if p.sent >= res.Start && p.sent <= end {
			out = append(out, p)
		}
	}
	vt.packets = out
	return out
}

// build tells how the page was built from what arrived.
func (vt *visitTeller) build(doc *loader.Entry) {
	res := vt.v.Result
	ct := doc.ContentType
	var subs []*loader.Entry
	for _, e := range res.Entries {
		if e.Initiator == "parser" {
			subs = append(subs, e)
		}
	}
	if len(subs) > 0 {
		var names []string
		after := 0
		for _, e := range subs {
			what := string(e.Kind)
			if e.Defer {
				what += ", defer"
			}
			if e.Async {
				what += ", async"
			}
			names = append(names, fmt.Sprintf("%s (%s)", vt.rel(e.URL), what))
			after = max(after, e.DiscoveredAfter)
		}
		vt.say([]int{11}, "The browser parses the HTML as it arrives; its preload scanner found %d sub-resources in the first %d of %d bytes: %s.",
			len(subs), after, len(doc.Body), strings.Join(names, ", "))
		conns := map[int]bool{}
		var how []string
		for _, e := range subs {
			x := vt.v.Net[e.ID].Exchange
			switch {
			case e.FromCache:
				how = append(how, vt.rel(e.URL)+" from the cache")
			case x == nil:
				how = append(how, vt.rel(e.URL)+" (failed)")
			case x.Reused:
				conns[x.ConnID] = true
				how = append(how, fmt.Sprintf("%s on #%d (reused)", vt.rel(e.URL), x.ConnID))
			default:
				conns[x.ConnID] = true
				how = append(how, fmt.Sprintf("%s on #%d (a new connection, its own handshake)", vt.rel(e.URL), x.ConnID))
			}
		}
		var streams []string
		for _, e := range subs {
			if x := vt.v.Net[e.ID].Exchange; x != nil && x.Proto == "HTTP/2" {
				if x.Pushed {
					when := "arriving with the page"
					if e.Queued > x.Start {
						when = ms(e.Queued.Sub(x.Start)) + " before the browser found it"
					}
					streams = append(streams, fmt.Sprintf("%s already pushed by the server (PUSH_PROMISE on stream %d for pushed stream %d, %s), so no request", vt.rel(e.URL), x.PromisedOn, x.Stream, when))
					continue
				}
				streams = append(streams, fmt.Sprintf("%s on stream %d", vt.rel(e.URL), x.Stream))
			}
		}
		if len(conns) == 0 {
			vt.say([]int{11}, "It needs no request for them: %s.", strings.Join(how, ", "))
		} else if len(streams) > 0 {
			vt.say([]int{10, 11}, "It asks for them at once, without waiting for the HTML to finish, as streams of the same connection: %s — HTTP/2 multiplexes every request on one connection, where HTTP/1.1 would open up to 6.",
				strings.Join(streams, ", "))
		} else {
			vt.say([]int{11, 9}, "It asks for them at once, without waiting for the HTML to finish, over %d connection(s) (a browser opens up to 6 per host over HTTP/1.1): %s.",
				len(conns), strings.Join(how, ", "))
		}
	}
	images := imageSizes(res)
	for _, e := range res.Entries {
		if e.Initiator == "navigation" || e.RedirectedTo >= 0 || e.ID == doc.ID {
			continue
		}
		vt.say([]int{9, 12}, "%s → %s", vt.rel(e.URL), vt.entryText(e, images))
	}
	var evs []string
	for _, ev := range res.Page.Events {
		switch ev.Kind {
		case "DOM complete", "CSSOM complete", "layout complete", "content type":
			evs = append(evs, ev.String())
		}
	}
	mt, _, _ := strings.Cut(ct, ";")
	switch {
	case isHTMLType(mt):
		vt.say([]int{12, 11}, "The page's Content-Type, %s, makes the browser parse it as HTML into the DOM (an image would be shown centred in a viewer, JSON pretty-printed, XML as a tree): %s.", mt, strings.Join(evs, "; "))
	default:
		how := "as plain text"
		switch m := strings.TrimSpace(strings.ToLower(mt)); {
		case strings.HasPrefix(m, "image/"):
			how = "as an image centred on a dark background, scaled down to fit"
		case m == "application/json" || strings.HasSuffix(m, "+json"):
			how = "as JSON, pretty-printed"
		case m == "application/xml" || m == "text/xml" || strings.HasSuffix(m, "+xml"):
			how = "as XML, an indented tree"
		}
		vt.say([]int{12, 11}, "The page's Content-Type, %s, is not HTML, so the browser shows it in a viewer document %s: %s.", orNone(mt), how, strings.Join(evs, "; "))
	}
	b := res.Page.Boxes()
	vt.say([]int{11}, "The render tree joins the DOM and the computed styles: %d element boxes and %d lines of text laid out in a %d×%d viewport, %.0f px tall; then the browser paints it.",
		len(b.Elements), len(b.Texts), vt.r.o.width, vt.r.o.height, b.ScrollHeight)
	vt.say([]int{11}, "DOMContentLoaded at %s (the HTML parsed, blocking and deferred scripts arrived), first paint at %s (the style sheets arrived too), load at %s (everything).",
		vt.at(res.DCL), vt.at(res.FirstPaint), vt.at(res.Load))
}

func isHTMLType(mt string) bool {
	mt = strings.TrimSpace(strings.ToLower(mt))
	return mt == "text/html" || mt == "application/xhtml+xml"
}

// rel shortens a URL of the page's own origin to its path.
func (vt *visitTeller) rel(u string) string {
	base := vt.v.Result.URL
	if i := strings.Index(base[len("http://"):], "/"); i >= 0 {
		origin := base[:len("http://")+i]
		if strings.HasPrefix(u, origin+"/") {
			return u[len(origin):]
		}
	}
	return u
}

// entryText says how a sub-resource came and what the browser made of it.
func (vt *visitTeller) entryText(e *loader.Entry, images map[string]image.Point) string {
	mt, _, _ := strings.Cut(e.ContentType, ";")
	mt = strings.TrimSpace(mt)
	var use string
	switch {
	case e.Err != nil:
		return "failed: " + browseErrText(e.Err)
	case e.Status/100 != 2:
		use = "not used"
	case e.Kind == loader.Stylesheet:
		use = "parsed into the CSSOM"
	case e.Kind == loader.Script:
		use = "fetched and not executed (hops runs no JavaScript)"
	case e.Kind == loader.Image:
		if sz, ok := images[e.URL]; ok {
			use = fmt.Sprintf("decoded: a %d×%d image", sz.X, sz.Y)
		} else {
			use = "could not be decoded"
		}
	default:
		use = "kept"
	}
	switch {
	case e.FromCache:
		return fmt.Sprintf("from the browser's cache, still fresh (%s, %d bytes), no request: %s.", mt, len(e.Body), use)
	case e.Revalidated:
		return fmt.Sprintf("304 Not Modified after %s: the cached copy (%s, %d bytes) is still good: %s.", ms(e.Done.Sub(e.Started)), mt, len(e.Body), use)
	}
	return fmt.Sprintf("%d %s, %s, %d bytes, in %s: %s.", e.Status, reasonOf(e.Status, ""), mt, len(e.Body), ms(e.Done.Sub(e.Started)), use)
}

// imageSizes decodes the sizes of the images that arrived, by URL.
func imageSizes(res loader.Result) map[string]image.Point {
	out := map[string]image.Point{}
	for _, e := range res.Entries {
		if e.Kind != loader.Image || e.Status/100 != 2 {
			continue
		}
		if img, _, err := page.DecodeImage(e.Body); err == nil {
			out[e.URL] = img.Bounds().Size()
		}
	}
	return out
}

// summary gives the visit's figures.
func (vt *visitTeller) summary() visitSummary {
	v, res := vt.v, vt.v.Result
	s := visitSummary{Visit: vt.n, URL: v.URL}
	since := func(t sim.Time) float64 {
		if t == 0 {
			return 0
		}
		return float64(t.Sub(res.Start)) / 1e6
	}
	if res.Err != nil {
		s.Error = browseErrText(res.Err)
	}
	conns := map[int]bool{}
	for _, e := range res.Entries {
		s.Requests++
		s.Bytes += len(e.Body)
		if e.FromCache {
			s.FromCache++
		}
		if e.Revalidated {
			s.Revalidated++
		}
		if x := v.Net[e.ID].Exchange; x != nil && !x.Reused && x.Connected != 0 {
			conns[x.ConnID] = true
		}
	}
	s.Connections = len(conns)
	if len(res.Entries) > 0 {
		doc := res.Entries[0]
		for doc.RedirectedTo >= 0 {
			doc = res.Entries[doc.RedirectedTo]
		}
		s.Status = doc.Status
		if n := v.Net[doc.ID]; n != nil {
			if n.Lookup != nil {
				s.DNSMs = float64(n.Lookup.End.Sub(n.Lookup.Start)) / 1e6
			}
			if x := n.Exchange; x != nil {
				if !x.Reused && x.Connected != 0 {
					s.ConnectMs = float64(x.Connected.Sub(x.Start)) / 1e6
				}
				s.TTFBMs = since(x.FirstByte)
			}
		}
	}
	s.DOMContentLoaded, s.FirstPaintMs, s.LoadMs = since(res.DCL), since(res.FirstPaint), since(res.Load)
	for _, p := range vt.visitPackets() {
		if p.from == vt.r.src.Name || p.to == vt.r.src.Name {
			s.Packets++
		}
	}
	s.Retransmitted = len(vt.resends())
	return s
}

// packetLines lists, for -v, every packet the browsing node sent or
// received during the visit.
func (vt *visitTeller) packetLines() []string {
	var out []string
	name := vt.r.src.Name
	for _, p := range vt.visitPackets() {
		switch {
		case p.from == name:
			out = append(out, fmt.Sprintf("%10s  #%-5d sent      %s", vt.at(p.sent), p.id, trace.Summary(p.data)))
		case p.to == name:
			out = append(out, fmt.Sprintf("%10s  #%-5d received  %s (via %s)", vt.at(p.arrived), p.id, trace.Summary(p.data), strings.Join(p.hops, ", ")))
		}
	}
	return out
}
