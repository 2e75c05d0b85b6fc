package node

import (
	"net/netip"
)

// identBuckets is the size of the IP ID and port-offset tables: Linux's
// IP_IDENTS_SZ for IP IDs; RFC 6056 leaves the port table's size open.
const identBuckets = 2048

// idents makes the numbers a node puts in its datagrams that must not be
// guessable or shared between unrelated flows: IP identifications and
// ephemeral ports. Both follow the per-destination schemes Linux uses, so
// one app's traffic never shifts the numbers another app sees unless both
// talk to the same peer (or their keys collide in a bucket, as in Linux):
//
//   - IP IDs (Linux's ip_idents, RFC 6864): a keyed hash of source,
//     destination and protocol picks a bucket and an offset; the bucket's
//     counter counts datagrams.
//   - Ports for connected sockets (RFC 6056 algorithm 4, "double-hash"):
//     a keyed hash of the local and remote addresses and the remote port
//     gives an offset, a second hash picks a counter that advances past
//     each port tried.
//
// The secrets come from the node's own random streams, so they depend
// only on the seed and the node's name.
type idents struct {
	ipSecret   uint64
	portSecret uint64
	ecmpSecret uint64   // the key of the flow hash of multipath routes
	ipIDs      []uint16 // made on first use: routers seldom originate
	ports      []uint16
}

// ipID returns the IP identification of the next datagram from src to
// dst with protocol proto.
func (g *idents) ipID(src, dst netip.Addr, proto uint8) uint16 {
	if g.ipIDs == nil {
		g.ipIDs = make([]uint16, identBuckets)
	}
	h := mix(g.ipSecret, addr32(src)<<32|addr32(dst), uint64(proto))
	b := &g.ipIDs[h%identBuckets]
	*b++
	return uint16(h>>32) + *b
}

// port picks an ephemeral port in [EphemeralMin, EphemeralMax] for a
// connection from local to remote for which free(port) is true, or
// reports false when every port is taken.
func (g *idents) port(local netip.Addr, remote netip.AddrPort, proto uint8, free func(uint16) bool) (uint16, bool) {
	if g.ports == nil {
		g.ports = make([]uint16, identBuckets)
	}
	key := addr32(local)<<32 | addr32(remote.Addr())
	offset := mix(g.portSecret, key, uint64(remote.Port())<<8|uint64(proto))
	b := &g.ports[mix(g.portSecret^0x5bd1e995, key, uint64(remote.Port()))%identBuckets]
	const span = EphemeralMax - EphemeralMin + 1
	for i := 0; i < span; i++ {
		p := uint16(EphemeralMin + (offset+uint64(*b))%span)
		*b++
		if free(p) {
			return p, true
		}
	}
	return 0, false
}

func addr32(a netip.Addr) uint64 {
	if !a.Is4() {
		return 0
	}
	b := a.As4()
	return uint64(b[0])<<24 | uint64(b[1])<<16 | uint64(b[2])<<8 | uint64(b[3])
}

// mix is a keyed hash of two words (splitmix64's finalizer, twice).
func mix(secret, a, b uint64) uint64 {
	return fmix(fmix(secret^a) ^ b)
}

func fmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
