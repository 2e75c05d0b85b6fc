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
	dhcp                       bool // the address is "dhcp"
}

// failed reports whether a part of the endpoint was reported as bad.
func (e *endInfo) failed() bool {
	return !e.hasNode || !e.addrOK && !e.dhcp || e.ifacePos.Line > 0 && !e.hasIface
}

// lanInfo is a parsed LAN with the positions validation needs.
type lanInfo struct {
	LAN
	namePos    Pos
	named      bool
	ends       []endInfo // one per member
	membersPos Pos       // the value of "members"
	membersOK  bool      // every member was read without error
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
	var lans []lanInfo
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
		"lans": func(f *field) {
			for _, item := range d.list(f.val, `"lans"`) {
				if l, ok := d.lan(item); ok {
					lans = append(lans, l)
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

	d.validate(nodes, links, lans, events)
	d.checkASes(s, nodes, links)
	d.checkTimers(s)
	d.checkStaticRoutes(nodes)

	s.Nodes = nil
	for _, n := range nodes {
		s.Nodes = append(s.Nodes, n.Node)
	}
	for _, l := range links {
		s.Links = append(s.Links, l.Link)
	}
	for _, l := range lans {
		s.LANs = append(s.LANs, l.LAN)
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
	if l.A.DHCP || l.B.DHCP {
		if f := o.get("ethernet"); f != nil && !o.failed[f.key] && !l.Ethernet {
			d.errorf(f.val.pos, "ethernet: false does not work with an end that takes its address from DHCP (DHCP needs Ethernet framing; leave ethernet out)")
		}
		l.Ethernet = true
	}
	return l, true
}

// lan reads one entry of "lans": the keys with a plain syntax by the
// schema (the tags of LAN), the members by hand.
func (d *decoder) lan(v value) (lanInfo, bool) {
	var l lanInfo
	o := d.decodeStruct(v, &l.LAN, map[string]func(*field){
		"members": func(f *field) { d.members(f, &l) },
	})
	if o == nil {
		return lanInfo{}, false
	}
	if f := o.get("name"); f != nil && l.Name != "" {
		l.namePos, l.named = f.val.pos, true
	}
	return l, true
}

// minMembers is the least number of members of a LAN.
const minMembers = 2

// members reads a LAN's "members": a list of endpoints.
func (d *decoder) members(f *field, l *lanInfo) {
	l.membersPos = f.val.pos
	what := "LAN"
	if l.Name != "" {
		what = fmt.Sprintf("LAN %q", l.Name)
	}
	if f.val.isNull() {
		d.errorf(f.keyPos, "%s needs at least %d members (e.g. members: [\"r1:lan0 192.168.1.1/24\", \"laptop dhcp\"])", what, minMembers)
		return
	}
	if _, isSeq := f.val.node.(*ast.SequenceNode); !isSeq {
		d.errorf(f.val.pos, `"members" must be a list of endpoints (e.g. members: ["r1:lan0 192.168.1.1/24", "laptop dhcp"]), got %s`, describe(f.val.node))
		return
	}
	before := len(d.errs)
	items := d.list(f.val, `"members"`)
	for _, item := range items {
		var ep Endpoint
		var info endInfo
		if item.isNull() {
			ep.Pos = item.pos
			d.errorf(item.pos, `empty member (e.g. - "r1:lan0 192.168.1.1/24" or - "laptop dhcp")`)
		} else {
			d.endpoint(&field{key: "members", keyPos: item.pos, val: item}, &ep, &info)
		}
		l.Members = append(l.Members, ep)
		l.ends = append(l.ends, info)
	}
	l.membersOK = len(d.errs) == before
	if len(l.Members) < minMembers {
		d.errorf(f.val.pos, "%s needs at least %d members, got %d", what, minMembers, len(l.Members))
	}
}

// structHooks returns the hand-written decoders of the custom keys of the
// struct at ptr, for structs that decodeStruct reads from their tags
// alone: the items of a list, a mapping.
func (d *decoder) structHooks(ptr any) map[string]func(*field) {
	switch p := ptr.(type) {
	case *Service:
		return map[string]func(*field){
			"iface": func(f *field) { p.Iface, _ = d.ifaceName(f) },
			"pool":  func(f *field) { d.pool(f, p) },
		}
	case *NAT:
		return map[string]func(*field){
			"inside":   func(f *field) { p.Inside, _ = d.ifaceName(f) },
			"outside":  func(f *field) { p.Outside, _ = d.ifaceName(f) },
			"forwards": func(f *field) { d.forwards(f, p) },
		}
	}
	return nil
}

// objKey identifies a mapping read by decodeStruct: its type and
// position.
type objKey struct {
	typ reflect.Type
	pos Pos
}

// remember keeps the mapping o read as a struct of type t, so that
// validation can find where its keys are written (see at).
func (d *decoder) remember(t reflect.Type, o *object) {
	if d.objects == nil {
		d.objects = make(map[objKey]*object)
	}
	d.objects[objKey{t, o.pos}] = o
}

// keyOf returns the key of the mapping of type T read at pos, or nil if
// it is absent or its value was reported as bad.
func keyOf[T any](d *decoder, pos Pos, key string) *field {
	o := d.objects[objKey{reflect.TypeFor[T](), pos}]
	if o == nil || o.failed[key] {
		return nil
	}
	return o.get(key)
}

// ifaceName reads an interface name.
func (d *decoder) ifaceName(f *field) (string, bool) {
	name, ok := d.text(f)
	if !ok || !d.checkName(f.val.pos, "interface", name) {
		return "", false
	}
	return name, true
}

// poolForm is the syntax of a dhcp pool, for messages.
const poolForm = "expected FIRST-LAST, two IPv4 addresses, e.g. 192.168.1.100-192.168.1.199"

// pool reads a dhcp service's "pool": "FIRST-LAST", inclusive.
func (d *decoder) pool(f *field, svc *Service) {
	s, ok := d.text(f)
	if !ok {
		return
	}
	firstText, lastText, ok := strings.Cut(s, "-")
	if !ok {
		d.errorf(f.val.pos, "bad pool %s: %s", quoteShort(s), poolForm)
		return
	}
	var ends [2]netip.Addr
	for i, text := range []string{firstText, lastText} {
		text = strings.TrimSpace(text)
		a, err := netip.ParseAddr(text)
		if err != nil || !a.Is4() {
			d.errorf(f.val.pos, "bad pool %s: %s is not an IPv4 address (%s)", quoteShort(s), quoteShort(text), poolForm)
			return
		}
		ends[i] = a
	}
	if ends[1].Less(ends[0]) {
		d.errorf(f.val.pos, "bad pool %s: the first address is after the last (write the lower one first: %s-%s)", quoteShort(s), ends[1], ends[0])
		return
	}
	svc.PoolStart, svc.PoolEnd = ends[0], ends[1]
}

// forwardForm is the syntax of a port forward, for messages.
const forwardForm = `expected "PROTO PORT ADDR:PORT", e.g. "tcp 8080 192.168.1.10:80"`

// forwards reads a NAT's "forwards": a list of "PROTO PORT ADDR:PORT"
// (or one such string on its own). It checks that no (protocol, port)
// is forwarded twice and remembers where each forward is written.
func (d *decoder) forwards(f *field, n *NAT) {
	items := []value{f.val}
	if _, seq := f.val.node.(*ast.SequenceNode); seq || f.val.isNull() {
		items = d.list(f.val, `"forwards"`)
	}
	type key struct {
		proto string
		port  uint16
	}
	first := make(map[key]Pos)
	add := func(pf PortForward, pos Pos) {
		k := key{pf.Proto, pf.Port}
		if p, dup := first[k]; dup {
			d.errorf(pos, "%s port %d is forwarded twice (first at %s)", pf.Proto, pf.Port, p)
			return
		}
		first[k] = pos
		n.Forwards = append(n.Forwards, pf)
		if d.forwardPos == nil {
			d.forwardPos = make(map[Pos][]Pos)
		}
		d.forwardPos[n.Pos] = append(d.forwardPos[n.Pos], pos)
	}
	for _, item := range items {
		s, ok := adjacentPair(item)
		if ok {
			if pf, ok := d.forward(item, s); ok {
				add(pf, item.pos)
			}
			continue
		}
		if _, isMap := mappingValues(item.node); isMap || item.isNull() {
			d.errorf(item.pos, "forward must be a string \"PROTO PORT ADDR:PORT\" (e.g. \"tcp 8080 192.168.1.10:80\"), got %s", describe(item.node))
			continue
		}
		s, ok = d.text(&field{key: "forwards", keyPos: f.keyPos, val: item})
		if !ok {
			continue
		}
		if pf, ok := d.forward(item, s); ok {
			add(pf, item.pos)
		}
	}
}

// forward parses one port forward "PROTO PORT ADDR:PORT", reporting at
// the offending word.
func (d *decoder) forward(v value, s string) (PortForward, bool) {
	ws := words(s)
	if len(ws) != 3 {
		d.errorf(v.pos, "bad forward %s: %s", quoteShort(s), forwardForm)
		return PortForward{}, false
	}
	var pf PortForward
	switch p := strings.ToLower(ws[0].text); p {
	case "tcp", "udp":
		pf.Proto = p
	default:
		d.errorf(subPos(v, ws[0].off), "bad forward %s: protocol must be tcp or udp, got %s (%s)", quoteShort(s), quoteShort(ws[0].text), forwardForm)
		return PortForward{}, false
	}
	port, ok := parsePort(ws[1].text)
	if !ok {
		d.errorf(subPos(v, ws[1].off), "bad forward %s: public port must be a number from 1 to 65535, got %s (%s)", quoteShort(s), quoteShort(ws[1].text), forwardForm)
		return PortForward{}, false
	}
	pf.Port = port
	addrText, portText, _ := strings.Cut(ws[2].text, ":")
	a, err := netip.ParseAddr(addrText)
	if err != nil || !a.Is4() || !strings.Contains(ws[2].text, ":") {
		d.errorf(subPos(v, ws[2].off), "bad forward %s: %s is not an inside IPv4 address and port ADDR:PORT, e.g. 192.168.1.10:80", quoteShort(s), quoteShort(ws[2].text))
		return PortForward{}, false
	}
	toPort, ok := parsePort(portText)
	if !ok {
		d.errorf(subPos(v, ws[2].off+len([]rune(addrText))+1), "bad forward %s: inside port must be a number from 1 to 65535, got %s (%s)", quoteShort(s), quoteShort(portText), forwardForm)
		return PortForward{}, false
	}
	pf.To = netip.AddrPortFrom(a, toPort)
	return pf, true
}

// parsePort parses a port number from 1 to 65535.
func parsePort(s string) (uint16, bool) {
	if !allDigits(s) || s == "" || len(s) > 5 {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 65535 {
		return 0, false
	}
	return uint16(n), true
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
	if s, ok := adjacentPair(v); ok {
		d.endpointCompact(v, s, ep, info)
		return
	}
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
	case len(ws) == 1 && ws[0].text == "dhcp":
		d.errorf(v.pos, `endpoint "dhcp" is missing the node name (expected "NODE[:IFACE] dhcp", e.g. "laptop:wlan0 dhcp")`)
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

// address parses and checks an interface address, or the word dhcp.
func (d *decoder) address(pos Pos, s string, ep *Endpoint, info *endInfo) {
	if s == "dhcp" {
		ep.DHCP, info.dhcp = true, true
		return
	}
	if strings.EqualFold(s, "dhcp") {
		d.errorf(pos, "bad address %s (did you mean %q?)", quoteShort(s), "dhcp")
		return
	}
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
