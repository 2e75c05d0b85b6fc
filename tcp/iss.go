package tcp

import (
	"crypto/sha256"
	"encoding/binary"
	"net/netip"

	"github.com/hopsnet/hops/seq"
	"github.com/hopsnet/hops/sim"
)

// ISS computes an initial sequence number the way RFC 6528 section 3
// asks: ISN = M + F(localip, localport, remoteip, remoteport, secretkey),
// where M is a timer that ticks every 4 microseconds (here, of the
// virtual clock) and F is a keyed hash (here SHA-256 of the key and the
// connection's identifiers; Linux uses SipHash). Connections between the
// same endpoints get increasing ISNs; other connections' ISNs are
// unpredictable without the secret. ISS does not allocate.
func ISS(secret [16]byte, local, remote netip.AddrPort, now sim.Time) seq.Value {
	var b [16 + 2*(16+2)]byte
	copy(b[:16], secret[:])
	putAddrPort(b[16:34], local)
	putAddrPort(b[34:52], remote)
	sum := sha256.Sum256(b[:])
	f := binary.BigEndian.Uint32(sum[:4])
	m := uint32(int64(now) / 4000) // RFC 6528: "M is the 4 microsecond timer"
	return seq.Value(m + f)
}

func putAddrPort(b []byte, ap netip.AddrPort) {
	a := ap.Addr().As16()
	copy(b[:16], a[:])
	binary.BigEndian.PutUint16(b[16:18], ap.Port())
}
