package scenario

import (
	"cmp"
	"fmt"
	"net/netip"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// validate runs the checks that span several nodes, links, LANs and
// events, and fills in defaults that depend on them (interface and link
// names, dhcp leases).
func (d *decoder) validate(nodes []nodeInfo, links []linkInfo, lans []lanInfo, events []eventInfo) {
	// Node names.
	nodePos := make(map[string]Pos, len(nodes))
	var nodeNames []string
	for _, n := range nodes {
		if first, dup := nodePos[n.Name]; dup {
			d.errorf(n.namePos, "duplicate node name %q (first defined at %s)", n.Name, first)
			continue
		}
		nodePos[n.Name] = n.namePos
		nodeNames = append(nodeNames, n.Name)
	}

	segs := segments(links, lans)

	// Endpoints must name known nodes, a link not the same one twice, a
	// LAN not the same one twice either.
	for _, sg := range segs {
		for _, m := range sg.members() {
			if !m.info.hasNode {
				continue
			}
			if _, ok := nodePos[m.ep.Node]; !ok {
				if hint := suggest(m.ep.Node, nodeNames); hint != "" {
					d.errorf(m.info.nodePos, "unknown node %q (did you mean %q?)", m.ep.Node, hint)
				} else {
					d.errorf(m.info.nodePos, "unknown node %q (not defined in \"nodes\")", m.ep.Node)
				}
			}
		}
		if l := sg.link; l != nil && l.ends[0].hasNode && l.ends[1].hasNode && l.A.Node == l.B.Node {
			d.errorf(l.ends[1].nodePos, "link connects node %q to itself", l.A.Node)
		}
		if l := sg.lan; l != nil {
			first := make(map[string]Pos)
			for _, m := range sg.members() {
				if !m.info.hasNode {
					continue
				}
				if p, dup := first[m.ep.Node]; dup {
					what := "the LAN"
					if l.Name != "" {
						what = fmt.Sprintf("LAN %q", l.Name)
					}
					d.errorf(m.info.nodePos, "node %q is already a member of %s (at %s); a node joins a LAN once", m.ep.Node, what, p)
					continue
				}
				first[m.ep.Node] = m.info.nodePos
			}
		}
	}

	d.assignInterfaces(segs)
	d.checkAddresses(segs)
	linkPos := d.nameLinks(links)
	lanPos := d.nameLANs(lans, links, linkPos)

	// Events must name known links.
	var linkNames []string
	for _, l := range links {
		linkNames = append(linkNames, l.Name)
	}
	for _, e := range events {
		if !e.hasLink {
			continue
		}
		if _, ok := linkPos[e.Link]; ok {
			continue
		}
		if p, ok := lanPos[e.Link]; ok {
			d.errorf(e.linkPos, "%q is a LAN (at %s), not a link: events take links down and up", e.Link, p)
			continue
		}
		if hint := suggest(e.Link, linkNames); hint != "" {
			d.errorf(e.linkPos, "unknown link %q in event (did you mean %q?)", e.Link, hint)
		} else {
			d.errorf(e.linkPos, "unknown link %q in event (links are named by \"name:\" or default to \"A--B\" after their nodes)", e.Link)
		}
	}

	ifaces := interfaces(segs, nodePos)
	servers := d.checkServices(nodes, ifaces)
	d.checkNATs(nodes, ifaces)
	d.checkDHCPClients(segs, nodes, servers)
}

// member is one end of a link or one member of a LAN.
type member struct {
	ep   *Endpoint
	info *endInfo
}

// label names the member's interface in messages: "r1:eth0".
func (m member) label() string { return m.ep.Node + ":" + m.ep.Iface }

// segment is a link or a LAN: interfaces that share a subnet. Exactly
// one of link and lan is set.
type segment struct {
	link *linkInfo
	lan  *lanInfo
}

// segments lists the links and LANs in the order they appear in the
// file (links first where that cannot tell).
func segments(links []linkInfo, lans []lanInfo) []segment {
	segs := make([]segment, 0, len(links)+len(lans))
	for i := range links {
		segs = append(segs, segment{link: &links[i]})
	}
	for i := range lans {
		segs = append(segs, segment{lan: &lans[i]})
	}
	slices.SortStableFunc(segs, func(x, y segment) int {
		switch px, py := x.pos(), y.pos(); {
		case px.before(py):
			return -1
		case py.before(px):
			return 1
		}
		return 0
	})
	return segs
}

// pos is where the segment's entry is written.
func (s segment) pos() Pos {
	if s.link != nil {
		return s.link.Pos
	}
	return s.lan.Pos
}

// members returns the segment's ends (a link) or members (a LAN).
func (s segment) members() []member {
	if l := s.link; l != nil {
		return []member{{&l.A, &l.ends[0]}, {&l.B, &l.ends[1]}}
	}
	ms := make([]member, len(s.lan.Members))
	for i := range ms {
		ms[i] = member{&s.lan.Members[i], &s.lan.ends[i]}
	}
	return ms
}

// label names the segment in messages: `link "r1--r2"`, `LAN "home"`.
func (s segment) label() string {
	if s.link != nil {
		return fmt.Sprintf("link %q", s.link.displayName())
	}
	return fmt.Sprintf("LAN %q", s.lan.Name)
}

// assignInterfaces checks that no node has two interfaces of the same name
// and names the unnamed ones "eth0", "eth1", ... in order of appearance
// in links and LANs, skipping names already taken.
func (d *decoder) assignInterfaces(segs []segment) {
	type key struct{ node, iface string }
	taken := make(map[key]Pos)
	for _, sg := range segs {
		for _, m := range sg.members() {
			ep, info := m.ep, m.info
			if !info.hasNode || !info.hasIface {
				continue
			}
			k := key{ep.Node, ep.Iface}
			if first, dup := taken[k]; dup {
				d.errorf(info.ifacePos, "duplicate interface %q on node %q (first used at %s)", ep.Iface, ep.Node, first)
				continue
			}
			taken[k] = info.ifacePos
		}
	}
	next := make(map[string]int)
	for _, sg := range segs {
		for _, m := range sg.members() {
			ep, info := m.ep, m.info
			if !info.hasNode || info.hasIface {
				continue
			}
			n := next[ep.Node]
			for {
				if _, ok := taken[key{ep.Node, "eth" + strconv.Itoa(n)}]; !ok {
					break
				}
				n++
			}
			ep.Iface = "eth" + strconv.Itoa(n)
			next[ep.Node] = n + 1
		}
	}
}

// checkAddresses checks that both ends of each link, and the statically
// addressed members of each LAN, are in one subnet, that no address is
// used twice and that no two subnets overlap.
func (d *decoder) checkAddresses(segs []segment) {
	type use struct {
		label string
		pos   Pos
	}
	used := make(map[netip.Addr]use)
	type subnet struct {
		prefix netip.Prefix
		seg    segment
		pos    Pos
	}
	var subnets []subnet
	for _, sg := range segs {
		for _, m := range sg.members() {
			ep, info := m.ep, m.info
			if !info.addrOK {
				continue
			}
			a := ep.Addr.Addr()
			if first, dup := used[a]; dup {
				d.errorf(info.addrPos, "duplicate address %s (already used by %s at %s)", a, first.label, first.pos)
				continue
			}
			used[a] = use{m.label(), info.addrPos}
		}
		if l := sg.link; l != nil {
			if p, pos, ok := d.linkSubnet(l); ok {
				subnets = append(subnets, subnet{p, sg, pos})
			}
			continue
		}
		if p, pos, ok := d.lanSubnet(sg.lan); ok {
			subnets = append(subnets, subnet{p, sg, pos})
		}
	}

	// Subnets are either nested or disjoint. Sorted by first address (and
	// larger subnets first), a subnet overlaps an earlier one exactly when
	// it starts before the furthest end seen so far.
	slices.SortFunc(subnets, func(x, y subnet) int {
		return cmp.Or(x.prefix.Addr().Compare(y.prefix.Addr()), cmp.Compare(x.prefix.Bits(), y.prefix.Bits()))
	})
	var cur *subnet
	for i := range subnets {
		s := &subnets[i]
		if cur != nil && s.prefix.Addr().Compare(broadcast(cur.prefix)) <= 0 {
			// Report at whichever of the two comes later in the file.
			at, other := s, cur
			if s.pos.before(cur.pos) {
				at, other = cur, s
			}
			d.errorf(at.pos, "subnet %s overlaps subnet %s of %s (at %s)",
				at.prefix, other.prefix, other.seg.label(), other.pos)
		}
		if cur == nil || broadcast(s.prefix).Compare(broadcast(cur.prefix)) > 0 {
			cur = s
		}
	}
}

// linkSubnet checks that the ends of l are in one subnet with room for
// both, and returns it and where it is written. An end that takes its
// address from DHCP joins the other end's subnet.
func (d *decoder) linkSubnet(l *linkInfo) (netip.Prefix, Pos, bool) {
	a, b := &l.ends[0], &l.ends[1]
	pa, pb := l.A.Addr, l.B.Addr
	switch {
	case a.addrOK && b.dhcp || a.dhcp && b.addrOK:
		p, pos := pa, a.addrPos
		if b.addrOK {
			p, pos = pb, b.addrPos
		}
		if p.Bits() == 32 {
			d.errorf(pos, "prefix length /32 leaves no room for the other end of the link (use /31 or /30)")
			return netip.Prefix{}, Pos{}, false
		}
		return p.Masked(), pos, true
	case !a.addrOK || !b.addrOK:
		return netip.Prefix{}, Pos{}, false
	case pa.Bits() != pb.Bits():
		d.errorf(b.addrPos, "prefix length /%d does not match /%d at the other end (%s)", pb.Bits(), pa.Bits(), pa)
	case pa.Bits() == 32:
		d.errorf(a.addrPos, "prefix length /32 leaves no room for the other end of the link (use /31 or /30)")
	case pa.Masked() != pb.Masked():
		d.errorf(b.addrPos, "address %s is not in the same subnet as the other end %s (subnet %s)", pb, pa, pa.Masked())
	default:
		return pa.Masked(), a.addrPos, true
	}
	return netip.Prefix{}, Pos{}, false
}

// lanSubnet checks that the statically addressed members of l are in one
// subnet (the first one's) with room for every member, and returns it and
// where it is written.
func (d *decoder) lanSubnet(l *lanInfo) (netip.Prefix, Pos, bool) {
	first := -1
	for i := range l.ends {
		if l.ends[i].addrOK {
			first = i
			break
		}
	}
	if first < 0 {
		if l.membersOK && len(l.Members) >= minMembers {
			d.errorf(l.membersPos, "LAN %q has no member with a static address: give one, such as the router that serves the others by DHCP, an address such as 192.168.1.1/24", l.Name)
		}
		return netip.Prefix{}, Pos{}, false
	}
	ref, refPos := l.Members[first].Addr, l.ends[first].addrPos
	if ref.Bits() == 32 {
		d.errorf(refPos, "prefix length /32 leaves no room for the other members of the LAN (use a shorter prefix, e.g. /24)")
		return netip.Prefix{}, Pos{}, false
	}
	ok := true
	for i := first + 1; i < len(l.ends); i++ {
		if !l.ends[i].addrOK {
			continue
		}
		p, pos := l.Members[i].Addr, l.ends[i].addrPos
		switch {
		case p.Bits() != ref.Bits():
			d.errorf(pos, "prefix length /%d does not match /%d of the LAN's first address (%s at %s)", p.Bits(), ref.Bits(), ref, refPos)
			ok = false
		case p.Masked() != ref.Masked():
			d.errorf(pos, "address %s is not in the same subnet as the LAN's first address %s (subnet %s)", p, ref, ref.Masked())
			ok = false
		}
	}
	if room := hostCount(ref); ok && uint64(len(l.Members)) > room {
		d.errorf(refPos, "subnet %s has room for %d addresses, but LAN %q has %d members (use a shorter prefix)", ref.Masked(), room, l.Name, len(l.Members))
	}
	return ref.Masked(), refPos, true
}

// hostCount is the number of interface addresses of subnet p: all but
// the network and broadcast address, or both of a /31.
func hostCount(p netip.Prefix) uint64 {
	switch n := uint64(1) << (32 - p.Bits()); {
	case p.Bits() >= 31:
		return n
	default:
		return n - 2
	}
}

// displayName is the link's name, or its default name "A--B".
func (l *linkInfo) displayName() string {
	if l.Name != "" {
		return l.Name
	}
	return l.A.Node + "--" + l.B.Node
}

// nameLinks gives unnamed links their default name "A--B" and checks that
// link names are unique. It returns the position of each name.
func (d *decoder) nameLinks(links []linkInfo) map[string]Pos {
	first := make(map[string]Pos, len(links))
	for i := range links {
		l := &links[i]
		pos := l.namePos
		if !l.named {
			l.Name = l.displayName()
			pos = l.Pos
			if !l.ends[0].hasNode || !l.ends[1].hasNode {
				continue // the endpoint errors say enough
			}
		}
		if p, dup := first[l.Name]; dup {
			if l.named {
				d.errorf(pos, "duplicate link name %q (first used at %s)", l.Name, p)
			} else {
				d.errorf(pos, "duplicate link name %q (first used at %s); give one of the links a \"name:\"", l.Name, p)
			}
			continue
		}
		first[l.Name] = pos
	}
	return first
}

// nameLANs checks that LAN names are unique among links and LANs. It
// returns the position of each LAN's name.
func (d *decoder) nameLANs(lans []lanInfo, links []linkInfo, linkPos map[string]Pos) map[string]Pos {
	unnamed := make(map[string]bool)
	for _, l := range links {
		if !l.named {
			unnamed[l.Name] = true
		}
	}
	first := make(map[string]Pos, len(lans))
	for _, l := range lans {
		if !l.named {
			continue
		}
		if p, dup := first[l.Name]; dup {
			d.errorf(l.namePos, "duplicate LAN name %q (first used at %s)", l.Name, p)
			continue
		}
		first[l.Name] = l.namePos
		p, clash := linkPos[l.Name]
		switch {
		case !clash:
		case p.before(l.namePos):
			d.errorf(l.namePos, "LAN name %q is already the name of a link (at %s): links and LANs share names", l.Name, p)
		case unnamed[l.Name]:
			d.errorf(p, "link's default name %q is already the name of a LAN (at %s); give the link a \"name:\"", l.Name, l.namePos)
		default:
			d.errorf(p, "link name %q is already the name of a LAN (at %s): links and LANs share names", l.Name, l.namePos)
		}
	}
	return first
}

// iface is an interface of a node: a member of a link or LAN.
type iface struct {
	seg segment
	m   member
}

// ifaceKey names an interface: its node and name.
type ifaceKey struct{ node, iface string }

// interfaces maps every interface of a known node to where it is, the
// first one where names are duplicated (already reported).
func interfaces(segs []segment, nodePos map[string]Pos) map[ifaceKey]iface {
	out := make(map[ifaceKey]iface)
	for _, sg := range segs {
		for _, m := range sg.members() {
			if _, known := nodePos[m.ep.Node]; !m.info.hasNode || !known || m.ep.Iface == "" {
				continue
			}
			k := ifaceKey{m.ep.Node, m.ep.Iface}
			if _, dup := out[k]; !dup {
				out[k] = iface{sg, m}
			}
		}
	}
	return out
}

// findIface returns the interface name of node, reporting at pos (what
// names the key, e.g. "dhcp service") if the node has none such.
func (d *decoder) findIface(ifaces map[ifaceKey]iface, node, name string, pos Pos) (iface, bool) {
	if i, ok := ifaces[ifaceKey{node, name}]; ok {
		return i, true
	}
	var names []string
	for k := range ifaces {
		if k.node == node {
			names = append(names, k.iface)
		}
	}
	slices.Sort(names)
	switch hint := suggest(name, names); {
	case len(names) == 0:
		d.errorf(pos, "node %q has no interface %q (it is on no link or LAN)", node, name)
	case hint != "":
		d.errorf(pos, "node %q has no interface %q (did you mean %q?)", node, name, hint)
	default:
		d.errorf(pos, "node %q has no interface %q (its interfaces: %s)", node, name, strings.Join(names, ", "))
	}
	return iface{}, false
}

// dhcpKeys are the keys of a service that belong to kind dhcp.
var dhcpKeys = []string{"iface", "pool", "lease"}

// maxLease is the longest lease DHCP can state (0xffffffff seconds means
// infinite).
const maxLease = (1<<32 - 2) * time.Second

// checkServices checks the dhcp services (and that their keys appear on
// no other kind), fills in their default lease, and returns the
// interfaces they serve.
func (d *decoder) checkServices(nodes []nodeInfo, ifaces map[ifaceKey]iface) map[ifaceKey]bool {
	served := make(map[ifaceKey]Pos)
	for ni := range nodes {
		n := &nodes[ni]
		for si := range n.Services {
			svc := &n.Services[si]
			if svc.Kind != ServiceDHCP {
				for _, key := range dhcpKeys {
					if f := keyOf[Service](d, svc.Pos, key); f != nil {
						d.errorf(f.keyPos, "%q belongs to a dhcp service, not %s", key, svc.Kind)
					}
				}
				continue
			}
			if svc.Lease == 0 {
				svc.Lease = DefaultLease
			}
			if f := keyOf[Service](d, svc.Pos, "lease"); f != nil {
				text, _ := scalarText(f.val.node)
				switch {
				case svc.Lease < time.Second:
					d.errorf(f.val.pos, "lease %s is shorter than 1s (DHCP counts leases in whole seconds)", quoteShort(text))
				case svc.Lease > maxLease:
					d.errorf(f.val.pos, "lease %s is too long (DHCP leases last at most %ds, about 136 years)", quoteShort(text), maxLease/time.Second)
				}
			}
			ifaceField, poolField := keyOf[Service](d, svc.Pos, "iface"), keyOf[Service](d, svc.Pos, "pool")
			o := d.objects[objKey{reflect.TypeFor[Service](), svc.Pos}]
			if o.missing("iface") {
				d.errorf(svc.Pos, `dhcp service is missing required field "iface" (the interface it serves, e.g. iface: lan0)`)
			}
			if o.missing("pool") {
				d.errorf(svc.Pos, `dhcp service is missing required field "pool" (the addresses it leases, e.g. pool: 192.168.1.100-192.168.1.199)`)
			}
			if ifaceField == nil || svc.Iface == "" {
				continue
			}
			i, ok := d.findIface(ifaces, n.Name, svc.Iface, ifaceField.val.pos)
			if !ok {
				continue
			}
			k := ifaceKey{n.Name, svc.Iface}
			if p, dup := served[k]; dup {
				d.errorf(ifaceField.val.pos, "interface %s already has a dhcp service (at %s): one per interface", i.m.label(), p)
				continue
			}
			served[k] = ifaceField.val.pos
			switch {
			case i.m.info.dhcp:
				d.errorf(ifaceField.val.pos, "interface %s takes its address from DHCP: a dhcp service needs an interface with a static address", i.m.label())
				continue
			case !i.m.info.addrOK:
				continue // its address is reported already
			}
			if poolField != nil && svc.PoolStart.IsValid() {
				d.checkPool(svc, i, poolField.val.pos)
			}
		}
	}
	out := make(map[ifaceKey]bool, len(served))
	for k := range served {
		out[k] = true
	}
	return out
}

// checkPool checks that the pool of svc, serving interface i, lies in
// i's subnet, holds no network or broadcast address, and has room for
// every interface on i's link or LAN that takes its address from DHCP.
func (d *decoder) checkPool(svc *Service, i iface, pos Pos) {
	p := i.m.ep.Addr
	subnet := p.Masked()
	pool := svc.PoolStart.String() + "-" + svc.PoolEnd.String()
	if !subnet.Contains(svc.PoolStart) || !subnet.Contains(svc.PoolEnd) {
		d.errorf(pos, "pool %s is not inside %s, the subnet of %s (%s)", pool, subnet, i.m.label(), p)
		return
	}
	in := func(a netip.Addr) bool { return svc.PoolStart.Compare(a) <= 0 && a.Compare(svc.PoolEnd) <= 0 }
	if p.Bits() <= 30 {
		if a := subnet.Addr(); in(a) {
			d.errorf(pos, "pool %s holds the network address %s of %s (start it at %s or later)", pool, a, subnet, a.Next())
			return
		}
		if a := broadcast(p); in(a) {
			d.errorf(pos, "pool %s holds the broadcast address %s of %s (end it at %s or earlier)", pool, a, subnet, a.Prev())
			return
		}
	}
	size := addrNum(svc.PoolEnd) - addrNum(svc.PoolStart) + 1
	if in(p.Addr()) {
		size-- // the server skips its own address
	}
	clients := 0
	for _, m := range i.seg.members() {
		if m.info.dhcp {
			clients++
		}
	}
	if uint64(clients) > size {
		d.errorf(pos, "pool %s has %s for %s on %s that take their address from DHCP", pool, plural(size, "free address", "free addresses"), plural(uint64(clients), "interface", "interfaces"), i.seg.label())
	}
}

// addrNum is the IPv4 address a as a number.
func addrNum(a netip.Addr) uint64 {
	b := a.As4()
	return uint64(b[0])<<24 | uint64(b[1])<<16 | uint64(b[2])<<8 | uint64(b[3])
}

// checkNATs checks each node's nat: a router's, between two different
// interfaces of the node, the inside one with a static address that
// every forward leads into.
func (d *decoder) checkNATs(nodes []nodeInfo, ifaces map[ifaceKey]iface) {
	for _, n := range nodes {
		c := n.NAT
		if c == nil {
			continue
		}
		if !n.Role.IsRouter() && n.Role.Valid() {
			if f := keyOf[Node](d, n.Pos, "nat"); f != nil {
				d.errorf(f.keyPos, "nat needs a router, but %q is a %s (use a router role such as home-router)", n.Name, n.Role)
			}
		}
		inField, outField := keyOf[NAT](d, c.Pos, "inside"), keyOf[NAT](d, c.Pos, "outside")
		if c.Inside != "" && c.Inside == c.Outside && outField != nil {
			d.errorf(outField.val.pos, "inside and outside are both %q: a NAT translates between two interfaces", c.Inside)
			continue
		}
		if c.Outside != "" && outField != nil {
			d.findIface(ifaces, n.Name, c.Outside, outField.val.pos)
		}
		if c.Inside == "" || inField == nil {
			continue
		}
		in, ok := d.findIface(ifaces, n.Name, c.Inside, inField.val.pos)
		switch {
		case !ok:
			continue
		case in.m.info.dhcp:
			d.errorf(inField.val.pos, "inside interface %s takes its address from DHCP: the inside network needs a static address (e.g. 192.168.1.1/24)", in.m.label())
			continue
		case !in.m.info.addrOK:
			continue
		}
		inside := in.m.ep.Addr
		for fi, pf := range c.Forwards {
			pos := c.Pos
			if ps := d.forwardPos[c.Pos]; fi < len(ps) {
				pos = ps[fi]
			}
			a := pf.To.Addr()
			switch {
			case !inside.Masked().Contains(a):
				d.errorf(pos, "%s port %d is forwarded to %s, outside the inside network %s (of %s)", pf.Proto, pf.Port, a, inside.Masked(), in.m.label())
			case inside.Bits() <= 30 && a == inside.Masked().Addr():
				d.errorf(pos, "%s port %d is forwarded to %s, the network address of %s", pf.Proto, pf.Port, a, inside.Masked())
			case inside.Bits() <= 30 && a == broadcast(inside):
				d.errorf(pos, "%s port %d is forwarded to %s, the broadcast address of %s", pf.Proto, pf.Port, a, inside.Masked())
			}
		}
	}
}

// checkDHCPClients checks that every interface that takes its address
// from DHCP shares its link or LAN with an interface that a dhcp service
// serves.
func (d *decoder) checkDHCPClients(segs []segment, nodes []nodeInfo, served map[ifaceKey]bool) {
	routers := make(map[string]bool)
	for _, n := range nodes {
		routers[n.Name] = n.Role.IsRouter()
	}
	for _, sg := range segs {
		ms := sg.members()
		if slices.ContainsFunc(ms, func(m member) bool { return m.info.failed() }) {
			continue // the server may be the member in error
		}
		for _, m := range ms {
			if _, known := routers[m.ep.Node]; !m.info.dhcp || !known {
				continue
			}
			var server *member
			ok := false
			for j := range ms {
				o := &ms[j]
				if o.ep == m.ep || !o.info.hasNode {
					continue
				}
				if served[ifaceKey{o.ep.Node, o.ep.Iface}] {
					ok = true
					break
				}
				if o.info.addrOK && (server == nil || routers[o.ep.Node] && !routers[server.ep.Node]) {
					server = o
				}
			}
			if ok {
				continue
			}
			if server == nil {
				why := "the other end has no static address to serve it from"
				if sg.lan != nil {
					why = "no other member has a static address to serve it from"
				}
				d.errorf(m.ep.Pos, "%s takes its address from DHCP, but no node on %s runs a dhcp service on it (and %s)", m.label(), sg.label(), why)
				continue
			}
			d.errorf(m.ep.Pos, "%s takes its address from DHCP, but no node on %s runs a dhcp service on it (add services: [{kind: dhcp, iface: %s, pool: ...}] to %s)", m.label(), sg.label(), server.ep.Iface, server.ep.Node)
		}
	}
}

// plural writes n and the noun, singular or plural.
func plural(n uint64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.FormatUint(n, 10) + " " + many
}
