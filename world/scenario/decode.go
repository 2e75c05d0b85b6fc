package scenario

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"
)

// This file reads the scenario schema from the YAML AST: one value at a
// time, with checks that need nothing but the value itself. Checks across
// nodes, links and events are in validate.go.

var roleNames = func() []string {
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	return names
}()

var (
	topSchema = &schema{
		what:    "scenario",
		example: ` with "name", "nodes", "links" and "events"`,
		known:   []string{"name", "nodes", "links", "events"},
		synonyms: map[string]string{
			"hosts": "nodes", "routers": "nodes", "edges": "links", "connections": "links",
		},
		extra: func(key string) bool { return strings.HasPrefix(key, "x-") },
	}
	nodeSchema = &schema{
		what:     "node",
		example:  " (e.g. {name: r1, role: router})",
		known:    []string{"name", "role"},
		synonyms: map[string]string{"type": "role", "kind": "role", "id": "name"},
	}
	linkSchema = &schema{
		what:    "link",
		example: ` (e.g. {a: "r1 10.0.0.1/30", b: "r2 10.0.0.2/30", rate: 100Mbps, delay: 5ms})`,
		known: []string{"name", "a", "b", "rate", "delay", "queue", "mtu", "loss", "burst-loss",
			"duplicate", "reorder", "reorder-delay", "jitter", "corrupt", "cost"},
		synonyms: map[string]string{
			"latency": "delay", "bandwidth": "rate", "bw": "rate", "speed": "rate",
			"drop": "loss", "packet-loss": "loss", "dup": "duplicate", "queue-size": "queue",
			"buffer": "queue", "burst": "burst-loss", "gilbert-elliott": "burst-loss",
			"metric": "cost", "weight": "cost",
		},
	}
	endpointSchema = &schema{
		what:    "endpoint",
		example: ` (e.g. {node: r1, iface: eth0, addr: 10.0.0.1/30})`,
		known:   []string{"node", "iface", "addr"},
		synonyms: map[string]string{
			"interface": "iface", "if": "iface", "dev": "iface", "address": "addr",
			"ip": "addr", "prefix": "addr", "name": "node", "host": "node",
		},
	}
	burstSchema = &schema{
		what:    "burst-loss",
		example: " (e.g. {p: 1%, r: 25%})",
		known:   []string{"p", "r", "loss-bad", "loss-good"},
	}
	queueSchema = &schema{
		what:    "queue",
		example: " (e.g. {packets: 100, bytes: 64KB})",
		known:   []string{"packets", "bytes"},
	}
	eventSchema = &schema{
		what:     "event",
		example:  " (e.g. {at: 2s, down: core})",
		known:    []string{"at", "up", "down"},
		synonyms: map[string]string{"time": "at", "when": "at"},
	}
)

// nodeInfo is a parsed node with the positions validation needs.
type nodeInfo struct {
	Node
	namePos Pos
	hasName bool
}

// linkInfo is a parsed link with the positions validation needs.
type linkInfo struct {
	Link
	namePos Pos
	named   bool
	ends    [2]endInfo
}

// endInfo holds the positions of the parts of an endpoint.
type endInfo struct {
	nodePos, ifacePos, addrPos Pos
	hasNode, hasIface, addrOK  bool
}

// eventInfo is a parsed event with the positions validation needs.
type eventInfo struct {
	Event
	linkPos Pos
	hasLink bool
}

// end returns a pointer to endpoint i (0 = A, 1 = B) of l.
func (l *linkInfo) end(i int) *Endpoint {
	if i == 0 {
		return &l.A
	}
	return &l.B
}

// decode parses data into a Scenario. It returns nil only after reporting
// at least one error; the result is meaningful only if d.errs is empty.
func (d *decoder) decode(data []byte) *Scenario {
	f := d.parseYAML(data)
	if f == nil {
		return nil
	}
	var body ast.Node
	for _, doc := range f.Docs {
		if isNil(doc) || isNil(doc.Body) {
			continue
		}
		if body != nil {
			pos := tokenPos(doc.Start)
			if pos.Line == 0 {
				pos = d.pos(doc.Body)
			}
			d.errorf(pos, "a scenario file must hold a single YAML document, found a second one")
			break
		}
		body = doc.Body
		d.collectAnchors(doc)
	}
	if body == nil {
		d.errorf(Pos{1, 1}, `empty scenario: expected a mapping with "nodes", "links" and "events"`)
		return nil
	}
	root, ok := d.resolve(body, Pos{1, 1})
	if !ok {
		return nil
	}
	top := d.object(root, topSchema)
	if top == nil {
		return nil
	}
	s := &Scenario{File: d.file}
	if f := top.get("name"); f != nil {
		if name, ok := d.text(f); ok {
			if strings.TrimSpace(name) == "" {
				d.errorf(f.val.pos, "scenario name must not be empty")
			}
			s.Name = name
		}
	}

	var nodes []nodeInfo
	if f := top.get("nodes"); f != nil {
		for _, item := range d.list(f.val, `"nodes"`) {
			if n, ok := d.node(item); ok {
				nodes = append(nodes, n)
			}
		}
		switch {
		case f.val.isNull():
			d.errorf(f.keyPos, `"nodes" is empty: a scenario needs at least one node`)
		case isEmptyList(f.val):
			d.errorf(f.val.pos, `"nodes" is empty: a scenario needs at least one node`)
		}
	} else if top.missing("nodes") {
		d.errorf(top.pos, `missing required field "nodes" (the list of hosts and routers)`)
	}

	var links []linkInfo
	if f := top.get("links"); f != nil {
		for _, item := range d.list(f.val, `"links"`) {
			if l, ok := d.link(item); ok {
				links = append(links, l)
			}
		}
	}

	var events []eventInfo
	if f := top.get("events"); f != nil {
		for _, item := range d.list(f.val, `"events"`) {
			if e, ok := d.event(item); ok {
				events = append(events, e)
			}
		}
	}

	d.validate(nodes, links, events)

	for _, n := range nodes {
		s.Nodes = append(s.Nodes, n.Node)
	}
	for _, l := range links {
		s.Links = append(s.Links, l.Link)
	}
	for _, e := range events {
		s.Events = append(s.Events, e.Event)
	}
	return s
}

// isEmptyList reports whether v is a list without items.
func isEmptyList(v value) bool {
	seq, ok := v.node.(*ast.SequenceNode)
	return ok && len(seq.Values) == 0
}

// maxNameLen bounds node, interface and link names.
const maxNameLen = 64

// checkName reports whether name is a valid name for a node, interface or
// link (what), reporting at pos if not. Names must be usable in the
// compact endpoint form "NODE:IFACE ADDR" and in file names, so they are
// restricted to letters, digits, '-', '_' and '.', starting with a letter
// or digit.
func (d *decoder) checkName(pos Pos, what, name string) bool {
	if name == "" {
		d.errorf(pos, "%s name must not be empty", what)
		return false
	}
	if len(name) > maxNameLen {
		d.errorf(pos, "%s name %s is too long (at most %d characters)", what, quoteShort(name), maxNameLen)
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if !alnum && (i == 0 || c != '-' && c != '_' && c != '.') {
			d.errorf(pos, "bad %s name %q: use letters, digits, '-', '_' and '.', starting with a letter or digit", what, name)
			return false
		}
	}
	return true
}

// node reads one entry of "nodes".
func (d *decoder) node(v value) (nodeInfo, bool) {
	o := d.object(v, nodeSchema)
	if o == nil {
		return nodeInfo{}, false
	}
	n := nodeInfo{Node: Node{Pos: o.pos}}
	if f := o.get("name"); f != nil {
		if name, ok := d.text(f); ok && d.checkName(f.val.pos, "node", name) {
			n.Name, n.namePos, n.hasName = name, f.val.pos, true
		}
	} else if o.missing("name") {
		d.errorf(o.pos, `node is missing required field "name"`)
	}
	if f := o.get("role"); f != nil {
		if role, ok := d.text(f); ok {
			if Role(role).Valid() {
				n.Role = Role(role)
			} else if hint := suggest(role, roleNames); hint != "" {
				d.errorf(f.val.pos, "unknown role %s (did you mean %q?)", quoteShort(role), hint)
			} else {
				d.errorf(f.val.pos, "unknown role %s (valid roles: %s)", quoteShort(role), strings.Join(roleNames, ", "))
			}
		}
	} else if o.missing("role") {
		what := "node"
		if n.hasName {
			what = fmt.Sprintf("node %q", n.Name)
		}
		d.errorf(o.pos, `%s is missing required field "role" (one of: %s)`, what, strings.Join(roleNames, ", "))
	}
	return n, n.hasName
}

// link reads one entry of "links".
func (d *decoder) link(v value) (linkInfo, bool) {
	o := d.object(v, linkSchema)
	if o == nil {
		return linkInfo{}, false
	}
	l := linkInfo{Link: Link{Pos: o.pos, MTU: DefaultMTU}}
	if f := o.get("name"); f != nil {
		if name, ok := d.text(f); ok && d.checkName(f.val.pos, "link", name) {
			l.Name, l.namePos, l.named = name, f.val.pos, true
		}
	}
	for i, key := range []string{"a", "b"} {
		if f := o.get(key); f != nil {
			d.endpoint(f, l.end(i), &l.ends[i])
		} else if o.missing(key) {
			d.errorf(o.pos, `link is missing required field %q (e.g. %s: "r1:eth0 10.0.0.%d/30")`, key, key, i+1)
		}
	}
	if f := o.get("rate"); f != nil {
		if s, ok := d.text(f); ok {
			if r, err := ParseRate(s); err != nil {
				d.errorf(f.val.pos, "%v", err)
			} else if r == 0 {
				d.errorf(f.val.pos, "rate must be greater than 0 (leave rate out for an unlimited link)")
			} else {
				l.RateBps = r
			}
		}
	}
	l.Delay = d.nonNegDuration(o.get("delay"))
	l.Jitter = d.nonNegDuration(o.get("jitter"))

	mtuOK := true
	if f := o.get("mtu"); f != nil {
		n, text, ok := d.integer(f)
		switch {
		case !ok:
			mtuOK = false
		case n < MinMTU || n > MaxMTU:
			d.errorf(f.val.pos, "mtu %s out of range (must be %d..%d)", text, MinMTU, MaxMTU)
			mtuOK = false
		default:
			l.MTU = int(n)
		}
	}
	if f := o.get("queue"); f != nil {
		d.queue(f, &l.Link)
		if mtuOK && l.QueueBytes > 0 && l.QueueBytes < l.MTU {
			d.errorf(f.val.pos, "queue of %d bytes is smaller than the MTU (%d): full-size packets would always be dropped", l.QueueBytes, l.MTU)
		}
	}
	if l.QueuePackets == 0 && l.QueueBytes == 0 {
		l.QueuePackets = DefaultQueuePackets
	}

	l.Loss = d.probability(o.get("loss"))
	l.Duplicate = d.probability(o.get("duplicate"))
	l.Reorder = d.probability(o.get("reorder"))
	l.Corrupt = d.probability(o.get("corrupt"))
	if f := o.get("burst-loss"); f != nil {
		l.Burst = d.burst(f)
	}
	if f := o.get("reorder-delay"); f != nil {
		if s, ok := d.text(f); ok {
			if rd, err := ParseDuration(s); err != nil {
				d.errorf(f.val.pos, "%v", err)
			} else if rd <= 0 {
				d.errorf(f.val.pos, "reorder-delay must be greater than 0, got %q", s)
			} else if o.missing("reorder") {
				d.errorf(f.keyPos, "reorder-delay has no effect without reorder (the probability that a packet is held back)")
			} else {
				l.ReorderDelay = rd
			}
		}
	}
	if l.Reorder > 0 && l.ReorderDelay == 0 {
		l.ReorderDelay = DefaultReorderDelay
	}
	if f := o.get("cost"); f != nil {
		const maxCost = 1<<24 - 1
		n, text, ok := d.integer(f)
		if ok && (n < 1 || n > maxCost) {
			d.errorf(f.val.pos, "cost %s out of range (must be 1..%d; leave cost out to derive it from the delay)", text, maxCost)
		} else if ok {
			l.Cost = int(n)
		}
	}
	return l, true
}

// nonNegDuration reads an optional duration that must not be negative.
func (d *decoder) nonNegDuration(f *field) time.Duration {
	if f == nil {
		return 0
	}
	s, ok := d.text(f)
	if !ok {
		return 0
	}
	v, err := ParseDuration(s)
	if err != nil {
		d.errorf(f.val.pos, "%v", err)
		return 0
	}
	if v < 0 {
		d.errorf(f.val.pos, "%s must not be negative, got %q", f.key, s)
		return 0
	}
	return v
}

// probability reads an optional probability.
func (d *decoder) probability(f *field) float64 {
	if f == nil {
		return 0
	}
	s, ok := d.text(f)
	if !ok {
		return 0
	}
	p, err := ParseProbability(s)
	if err != nil {
		d.errorf(f.val.pos, "%s: %v", f.key, err)
		return 0
	}
	return p
}

// queue reads "queue": an integer or "N packets" for a packet limit, a size
// such as "64KB" for a byte limit, or a mapping {packets: N, bytes: SIZE}
// for both.
func (d *decoder) queue(f *field, l *Link) {
	if _, isMap := mappingValues(f.val.node); isMap {
		o := d.object(f.val, queueSchema)
		if p := o.get("packets"); p != nil {
			if n, ok := d.queuePackets(p); ok {
				l.QueuePackets = n
			}
		}
		if b := o.get("bytes"); b != nil {
			if s, ok := d.text(b); ok {
				if n, err := ParseSize(s); err != nil {
					d.errorf(b.val.pos, "%v", err)
				} else if n == 0 {
					d.errorf(b.val.pos, "queue must hold at least 1 byte")
				} else {
					l.QueueBytes = n
				}
			}
		}
		if o.missing("packets") && o.missing("bytes") {
			d.errorf(o.pos, `queue needs "packets", "bytes" or both`)
		}
		return
	}
	s, ok := d.text(f)
	if !ok {
		return
	}
	_, u := splitQuantity(s)
	if u == "" || contains(packetUnits, u) {
		if n, ok := d.queuePackets(f); ok {
			l.QueuePackets = n
		}
		return
	}
	sizeNames := unitNames(sizeUnits)
	if !contains(sizeNames, u) {
		if hint := foldMatch(u, append(sizeNames, packetUnits...)); hint != "" {
			d.errorf(f.val.pos, "bad queue %s: unknown unit %q (did you mean %q?)", quoteShort(s), u, hint)
		} else {
			d.errorf(f.val.pos, "bad queue %s: unknown unit %s (use packets, or a size in B, KB, KiB, MB, MiB)", quoteShort(s), quoteShort(u))
		}
		return
	}
	n, err := ParseSize(s)
	switch {
	case err != nil:
		d.errorf(f.val.pos, "%v", err)
	case n == 0:
		d.errorf(f.val.pos, "queue must hold at least 1 byte")
	default:
		l.QueueBytes = n
	}
}

// packetUnits are the units of a queue limit in packets.
var packetUnits = []string{"packets", "packet", "pkts", "pkt"}

// queuePackets reads a packet count: an integer, optionally followed by
// "packets".
func (d *decoder) queuePackets(f *field) (int, bool) {
	s, ok := d.text(f)
	if !ok {
		return 0, false
	}
	num, _ := splitQuantity(s)
	if !allDigits(num) || num == "" {
		if num != "" && num[0] == '-' {
			d.errorf(f.val.pos, "queue must hold at least 1 packet, got %s", quoteShort(s))
		} else {
			d.errorf(f.val.pos, "bad queue %s: expected a packet count (e.g. 100 packets) or a size (e.g. 64KB)", quoteShort(s))
		}
		return 0, false
	}
	const maxPackets = 1 << 30
	n, err := strconv.Atoi(num)
	switch {
	case err != nil || n > maxPackets:
		d.errorf(f.val.pos, "queue of %s packets is too large (at most %d)", num, maxPackets)
		return 0, false
	case n < 1:
		d.errorf(f.val.pos, "queue must hold at least 1 packet, got %s", quoteShort(s))
		return 0, false
	}
	return n, true
}

// burst reads "burst-loss".
func (d *decoder) burst(f *field) *GilbertElliott {
	o := d.object(f.val, burstSchema)
	if o == nil {
		return nil
	}
	ge := &GilbertElliott{LossBad: 1}
	for _, k := range []struct {
		key  string
		dst  *float64
		help string
	}{
		{"p", &ge.P, "probability of going from the good to the bad state"},
		{"r", &ge.R, "probability of going from the bad back to the good state"},
		{"loss-bad", &ge.LossBad, ""},
		{"loss-good", &ge.LossGood, ""},
	} {
		if kf := o.get(k.key); kf != nil {
			*k.dst = d.probability(kf)
		} else if k.help != "" && o.missing(k.key) {
			d.errorf(o.pos, "burst-loss is missing required field %q (%s)", k.key, k.help)
		}
	}
	return ge
}

// endpoint reads "a" or "b" of a link into ep and its positions into info.
func (d *decoder) endpoint(f *field, ep *Endpoint, info *endInfo) {
	v := f.val
	ep.Pos = v.pos
	if _, isMap := mappingValues(v.node); isMap {
		d.endpointMapping(v, ep, info)
		return
	}
	s, isScalar := scalarText(v.node)
	switch v.node.(type) {
	case *ast.StringNode, *ast.LiteralNode:
	default:
		isScalar = false
	}
	if !isScalar {
		if v.isNull() {
			d.errorf(f.keyPos, `missing value for %q (e.g. %s: "r1:eth0 10.0.0.1/30")`, f.key, f.key)
			return
		}
		d.errorf(v.pos, `endpoint must be "NODE[:IFACE] ADDR/LEN" (e.g. "r1:eth0 10.0.0.1/30") or a mapping {node, iface, addr}, got %s`, describe(v.node))
		return
	}
	d.endpointCompact(v, s, ep, info)
}

// endpointForm is the compact endpoint syntax, for messages.
const endpointForm = `expected "NODE[:IFACE] ADDR/LEN", e.g. "r1:eth0 10.0.0.1/30"`

// endpointCompact reads the compact form "NODE[:IFACE] ADDR/LEN".
func (d *decoder) endpointCompact(v value, s string, ep *Endpoint, info *endInfo) {
	ws := words(s)
	switch {
	case len(ws) == 0:
		d.errorf(v.pos, "empty endpoint (%s)", endpointForm)
		return
	case len(ws) == 1 && looksLikeAddr(ws[0].text):
		d.errorf(v.pos, "endpoint %s is missing the node name (%s)", quoteShort(s), endpointForm)
		return
	case len(ws) == 1:
		d.errorf(v.pos, "endpoint %s is missing an address (%s)", quoteShort(s), endpointForm)
		return
	case len(ws) > 2:
		d.errorf(subPos(v, ws[2].off), "unexpected %s in endpoint %s (%s)", quoteShort(ws[2].text), quoteShort(s), endpointForm)
		return
	}
	nodePart := ws[0]
	node, iface, hasColon := strings.Cut(nodePart.text, ":")
	info.nodePos = subPos(v, nodePart.off)
	switch {
	case node == "":
		d.errorf(info.nodePos, "endpoint %s is missing the node name before %q (%s)", quoteShort(s), ":", endpointForm)
	case d.checkName(info.nodePos, "node", node):
		ep.Node, info.hasNode = node, true
	}
	if hasColon {
		info.ifacePos = subPos(v, nodePart.off+len([]rune(node))+1)
		if iface == "" {
			d.errorf(info.ifacePos, "endpoint %s is missing the interface name after %q (%s)", quoteShort(s), node+":", endpointForm)
		} else if d.checkName(info.ifacePos, "interface", iface) {
			ep.Iface, info.hasIface = iface, true
		}
	}
	info.addrPos = subPos(v, ws[1].off)
	d.address(info.addrPos, ws[1].text, ep, info)
}

// endpointMapping reads the mapping form {node, iface, addr}.
func (d *decoder) endpointMapping(v value, ep *Endpoint, info *endInfo) {
	o := d.object(v, endpointSchema)
	if o == nil {
		return
	}
	if f := o.get("node"); f != nil {
		info.nodePos = f.val.pos
		if name, ok := d.text(f); ok && d.checkName(f.val.pos, "node", name) {
			ep.Node, info.hasNode = name, true
		}
	} else if o.missing("node") {
		d.errorf(o.pos, `endpoint is missing required field "node"`)
	}
	if f := o.get("iface"); f != nil {
		info.ifacePos = f.val.pos
		if name, ok := d.text(f); ok && d.checkName(f.val.pos, "interface", name) {
			ep.Iface, info.hasIface = name, true
		}
	}
	if f := o.get("addr"); f != nil {
		info.addrPos = f.val.pos
		if s, ok := d.text(f); ok {
			d.address(f.val.pos, s, ep, info)
		}
	} else if o.missing("addr") {
		d.errorf(o.pos, `endpoint is missing required field "addr" (e.g. addr: 10.0.0.1/30)`)
	}
}

// address parses and checks an interface address.
func (d *decoder) address(pos Pos, s string, ep *Endpoint, info *endInfo) {
	p, err := parseAddr(s)
	if err != nil {
		d.errorf(pos, "%v", err)
		return
	}
	ep.Addr, info.addrOK = p, true
}

// word is a white-space separated part of a string; off is its offset in
// runes.
type word struct {
	text string
	off  int
}

// words splits s at white space, keeping rune offsets.
func words(s string) []word {
	var ws []word
	start, off := -1, 0
	startOff := 0
	for i, r := range s {
		space := r == ' ' || r == '\t' || r == '\n' || r == '\r'
		switch {
		case space && start >= 0:
			ws = append(ws, word{s[start:i], startOff})
			start = -1
		case !space && start < 0:
			start, startOff = i, off
		}
		off++
	}
	if start >= 0 {
		ws = append(ws, word{s[start:], startOff})
	}
	return ws
}

// looksLikeAddr reports whether s looks like an IP address or prefix
// rather than a node name.
func looksLikeAddr(s string) bool {
	return strings.Contains(s, "/") || strings.Count(s, ".") == 3 && s != "" && s[0] >= '0' && s[0] <= '9'
}

// parseAddr parses an interface address "A.B.C.D/LEN" and rejects
// addresses that cannot be assigned to an interface.
func parseAddr(s string) (netip.Prefix, error) {
	addrText, bitsText, ok := strings.Cut(s, "/")
	if !ok {
		if a, err := netip.ParseAddr(s); err == nil && a.Is4() {
			return netip.Prefix{}, fmt.Errorf("address %q is missing a prefix length (e.g. %s/24)", s, s)
		}
	}
	a, err := netip.ParseAddr(addrText)
	switch {
	case err != nil:
		return netip.Prefix{}, fmt.Errorf("bad address %s: %s is not an IPv4 address", quoteShort(s), quoteShort(addrText))
	case !a.Is4():
		return netip.Prefix{}, fmt.Errorf("bad address %s: only IPv4 addresses are supported", quoteShort(s))
	case !ok:
		return netip.Prefix{}, fmt.Errorf("address %q is missing a prefix length (e.g. %s/24)", s, s)
	}
	bits, err := strconv.Atoi(bitsText)
	if err != nil || !allDigits(bitsText) || bits > 32 || len(bitsText) > 1 && bitsText[0] == '0' {
		return netip.Prefix{}, fmt.Errorf("bad address %s: prefix length must be a number from 0 to 32", quoteShort(s))
	}
	p := netip.PrefixFrom(a, bits)
	if msg := hostProblem(p); msg != "" {
		return netip.Prefix{}, fmt.Errorf("address %s %s", p, msg)
	}
	return p, nil
}

// hostProblem explains why p's address cannot be an interface address, or
// returns "".
func hostProblem(p netip.Prefix) string {
	a := p.Addr()
	b := a.As4()
	switch {
	case a.IsUnspecified():
		return "is the unspecified address and cannot be assigned to an interface"
	case a.IsLoopback():
		return "is a loopback address (127.0.0.0/8) and cannot be used on a link"
	case a.IsMulticast():
		return "is a multicast address (224.0.0.0/4) and cannot be assigned to an interface"
	case b[0] >= 240:
		return "is reserved (240.0.0.0/4) and cannot be assigned to an interface"
	case b[0] == 0:
		return "is in 0.0.0.0/8 (\"this network\") and cannot be assigned to an interface"
	}
	if p.Bits() > 30 {
		return "" // /31 (RFC 3021) and /32 have no network or broadcast address
	}
	network := p.Masked().Addr()
	if a == network {
		return fmt.Sprintf("is the network address of %s (use a host address, e.g. %s/%d)", p.Masked(), network.Next(), p.Bits())
	}
	if a == broadcast(p) {
		return fmt.Sprintf("is the broadcast address of %s (use a host address, e.g. %s/%d)", p.Masked(), a.Prev(), p.Bits())
	}
	return ""
}

// broadcast returns the last address of p's subnet.
func broadcast(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().As4()
	n := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	n |= uint32(1<<(32-p.Bits()) - 1)
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)})
}

// event reads one entry of "events".
func (d *decoder) event(v value) (eventInfo, bool) {
	o := d.object(v, eventSchema)
	if o == nil {
		return eventInfo{}, false
	}
	e := eventInfo{Event: Event{Pos: o.pos}}
	if f := o.get("at"); f != nil {
		if s, ok := d.text(f); ok {
			if at, err := ParseDuration(s); err != nil {
				d.errorf(f.val.pos, "%v", err)
			} else if at < 0 {
				d.errorf(f.val.pos, "event time must not be negative, got %q", s)
			} else {
				e.At = at
			}
		}
	} else if o.missing("at") {
		d.errorf(o.pos, `event is missing required field "at" (e.g. at: 2s)`)
	}
	up, down := o.fields["up"], o.fields["down"]
	var target *field
	switch {
	case up != nil && down != nil:
		second := down
		if down.keyPos.before(up.keyPos) {
			second = up
		}
		d.errorf(second.keyPos, `event has both "up" and "down" (use one event for each)`)
		return e, true
	case up == nil && down == nil:
		d.errorf(o.pos, `event needs exactly one of "down: LINK" or "up: LINK"`)
		return e, true
	case up != nil:
		target, e.Up = up, true
	default:
		target = down
	}
	if target.bad {
		return e, true
	}
	if name, ok := d.text(target); ok {
		e.Link, e.linkPos, e.hasLink = name, target.val.pos, true
	}
	return e, true
}
