package scenario

import (
	"cmp"
	"net/netip"
	"slices"
	"strconv"
)

// validate runs the checks that span several nodes, links and events, and
// fills in defaults that depend on them (interface and link names).
func (d *decoder) validate(nodes []nodeInfo, links []linkInfo, events []eventInfo) {
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

	// Endpoints must name known nodes, and not the same one twice.
	for i := range links {
		l := &links[i]
		for e := range 2 {
			ep, info := l.end(e), &l.ends[e]
			if !info.hasNode {
				continue
			}
			if _, ok := nodePos[ep.Node]; !ok {
				if hint := suggest(ep.Node, nodeNames); hint != "" {
					d.errorf(info.nodePos, "unknown node %q (did you mean %q?)", ep.Node, hint)
				} else {
					d.errorf(info.nodePos, "unknown node %q (not defined in \"nodes\")", ep.Node)
				}
			}
		}
		if l.ends[0].hasNode && l.ends[1].hasNode && l.A.Node == l.B.Node {
			d.errorf(l.ends[1].nodePos, "link connects node %q to itself", l.A.Node)
		}
	}

	d.assignInterfaces(links)
	d.checkAddresses(links)
	linkPos := d.nameLinks(links)

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
		if hint := suggest(e.Link, linkNames); hint != "" {
			d.errorf(e.linkPos, "unknown link %q in event (did you mean %q?)", e.Link, hint)
		} else {
			d.errorf(e.linkPos, "unknown link %q in event (links are named by \"name:\" or default to \"A--B\" after their nodes)", e.Link)
		}
	}
}

// assignInterfaces checks that no node has two interfaces of the same name
// and names the unnamed ones "eth0", "eth1", ... in order of appearance,
// skipping names already taken.
func (d *decoder) assignInterfaces(links []linkInfo) {
	type key struct{ node, iface string }
	taken := make(map[key]Pos)
	for i := range links {
		l := &links[i]
		for e := range 2 {
			ep, info := l.end(e), &l.ends[e]
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
	for i := range links {
		l := &links[i]
		for e := range 2 {
			ep, info := l.end(e), &l.ends[e]
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

// checkAddresses checks that both ends of each link are in one subnet,
// that no address is used twice and that no two links' subnets overlap.
func (d *decoder) checkAddresses(links []linkInfo) {
	type use struct {
		label string
		pos   Pos
	}
	used := make(map[netip.Addr]use)
	type subnet struct {
		prefix netip.Prefix
		link   int
		pos    Pos
	}
	var subnets []subnet
	for i := range links {
		l := &links[i]
		for e := range 2 {
			ep, info := l.end(e), &l.ends[e]
			if !info.addrOK {
				continue
			}
			a := ep.Addr.Addr()
			if first, dup := used[a]; dup {
				d.errorf(info.addrPos, "duplicate address %s (already used by %s at %s)", a, first.label, first.pos)
				continue
			}
			used[a] = use{ep.Node + ":" + ep.Iface, info.addrPos}
		}
		if !l.ends[0].addrOK || !l.ends[1].addrOK {
			continue
		}
		pa, pb := l.A.Addr, l.B.Addr
		switch {
		case pa.Bits() != pb.Bits():
			d.errorf(l.ends[1].addrPos, "prefix length /%d does not match /%d at the other end (%s)", pb.Bits(), pa.Bits(), pa)
		case pa.Bits() == 32:
			d.errorf(l.ends[0].addrPos, "prefix length /32 leaves no room for the other end of the link (use /31 or /30)")
		case pa.Masked() != pb.Masked():
			d.errorf(l.ends[1].addrPos, "address %s is not in the same subnet as the other end %s (subnet %s)", pb, pa, pa.Masked())
		default:
			subnets = append(subnets, subnet{pa.Masked(), i, l.ends[0].addrPos})
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
			d.errorf(at.pos, "subnet %s overlaps subnet %s of link %q (at %s)",
				at.prefix, other.prefix, links[other.link].displayName(), other.pos)
		}
		if cur == nil || broadcast(s.prefix).Compare(broadcast(cur.prefix)) > 0 {
			cur = s
		}
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
