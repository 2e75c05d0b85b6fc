package scenario

import (
	"fmt"
	"net/netip"
	"reflect"
	"strconv"
	"strings"

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

// The schemas of the mappings, from the struct tags (schema.go); queue's
// mapping form is the one mapping that is not a struct of its own.
var (
	topSchema      = specFor(reflect.TypeFor[Scenario]()).schema
	endpointSchema = specFor(reflect.TypeFor[Endpoint]()).schema
	queueSchema    = &schema{
		what:    "queue",
		example: " (e.g. {packets: 100, bytes: 64KB})",
		known:   []string{"packets", "bytes"},
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
	s := &Scenario{File: d.file}
	var nodes []nodeInfo
	var links []linkInfo
	var events []eventInfo
	top := d.decodeStruct(root, s, map[string]func(*field){
		"nodes": func(f *field) {
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
		},
		"links": func(f *field) {
			for _, item := range d.list(f.val, `"links"`) {
				if l, ok := d.link(item); ok {
					links = append(links, l)
				}
			}
		},
		"events": func(f *field) {
			for _, item := range d.list(f.val, `"events"`) {
				if e, ok := d.event(item); ok {
					events = append(events, e)
				}
			}
		},
	})
	if top == nil {
		return nil
	}
	if f := top.get("name"); f != nil && !top.failed[f.key] && strings.TrimSpace(s.Name) == "" {
		d.errorf(f.val.pos, "scenario name must not be empty")
	}

	d.validate(nodes, links, events)

	s.Nodes = nil
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

// node reads one entry of "nodes". Every key of a node is decoded by its
// schema (the tags of Node).
func (d *decoder) node(v value) (nodeInfo, bool) {
	var n nodeInfo
	o := d.decodeStruct(v, &n.Node, nil)
	if o == nil {
		return nodeInfo{}, false
	}
	if f := o.get("name"); f != nil && n.Name != "" {
		n.namePos, n.hasName = f.val.pos, true
	}
	return n, n.hasName
}

// link reads one entry of "links": the keys with a plain syntax by the
// schema (the tags of Link), the endpoints and the queue by hand, then
// the rules that tie keys together.
func (d *decoder) link(v value) (linkInfo, bool) {
	var l linkInfo
	var queue *field
	o := d.decodeStruct(v, &l.Link, map[string]func(*field){
		"a":     func(f *field) { d.endpoint(f, &l.A, &l.ends[0]) },
		"b":     func(f *field) { d.endpoint(f, &l.B, &l.ends[1]) },
		"queue": func(f *field) { queue = f; d.queue(f, &l.Link) },
	})
	if o == nil {
		return linkInfo{}, false
	}
	if f := o.get("name"); f != nil && l.Name != "" {
		l.namePos, l.named = f.val.pos, true
	}
	if queue != nil && !o.failed["mtu"] && l.QueueBytes > 0 && l.QueueBytes < l.MTU {
		d.errorf(queue.val.pos, "queue of %d bytes is smaller than the MTU (%d): full-size packets would always be dropped", l.QueueBytes, l.MTU)
	}
	if l.QueuePackets == 0 && l.QueueBytes == 0 {
		l.QueuePackets = DefaultQueuePackets
	}
	if f := o.get("reorder-delay"); f != nil && !o.failed[f.key] && o.missing("reorder") {
		d.errorf(f.keyPos, "reorder-delay has no effect without reorder (the probability that a packet is held back)")
	}
	if l.Reorder > 0 && l.ReorderDelay == 0 {
		l.ReorderDelay = DefaultReorderDelay
	}
	return l, true
}

// probability reads a probability.
func (d *decoder) probability(f *field) (float64, bool) {
	s, ok := d.text(f)
	if !ok {
		return 0, false
	}
	p, err := ParseProbability(s)
	if err != nil {
		d.errorf(f.val.pos, "%s: %v", f.key, err)
		return 0, false
	}
	return p, true
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

// event reads one entry of "events": "at" by the schema, "up" and
// "down" by hand.
func (d *decoder) event(v value) (eventInfo, bool) {
	var e eventInfo
	o := d.decodeStruct(v, &e.Event, nil)
	if o == nil {
		return eventInfo{}, false
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
