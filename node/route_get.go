package node

import "net/netip"

// Get returns the route for exactly prefix (masked), if the table holds
// one.
func (t *RouteTable) Get(prefix netip.Prefix) (Route, bool) {
	if !prefix.IsValid() || !prefix.Addr().Is4() {
		return Route{}, false
	}
	if t.stale {
		t.build()
	}
	i, ok := t.index[prefix.Masked()]
	if !ok {
		return Route{}, false
	}
	return t.routes[i], true
}
