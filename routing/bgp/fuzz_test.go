package bgp

import (
	"bytes"
	"errors"
	"net/netip"
	"reflect"
	"testing"

	"github.com/hopsnet/hops/sim"
)

// Fuzz targets: decoding arbitrary bytes never panics, what decodes
// re-encodes to bytes that decode to the same thing, and the session and
// speaker survive any stream. The seeds below and the corpus in
// testdata/fuzz/FuzzX are replayed by go test as regression tests.

// seedMessages are whole messages: good ones of each type and malformed
// ones from the error tables.
func seedMessages(t testing.TB) [][]byte {
	p := &Path{Origin: OriginEGP, ASPath: ASPath{{Type: ASSequence, ASNs: []uint32{65001, 4200000001}}, {Type: ASSet, ASNs: []uint32{1, 2}}},
		NextHop: addr("192.0.2.1"), MED: 1, HasMED: true, LocalPref: 2, HasLocalPref: true, AtomicAggregate: true,
		Aggregator: Aggregator{AS: 70000, Addr: addr("10.0.0.9")},
		Other:      []Attr{{Flags: FlagOptional | FlagTransitive, Code: AttrCommunities, Value: []byte{0, 1, 0, 2}}}}
	nlri := []netip.Prefix{pfx("10.0.0.0/8"), pfx("192.0.2.128/25"), pfx("0.0.0.0/0")}
	seeds := [][]byte{
		AppendMessage(nil, &Keepalive{}),
		AppendMessage(nil, &Notification{Code: 3, Subcode: 1, Data: []byte{1, 2, 3}}),
		AppendMessage(nil, NewOpen(4200000001, 90, addr("10.0.0.1"), MultiprotocolCap(AFIIPv4, SAFIUnicast), FourOctetASCap(4200000001))),
		AppendMessage(nil, &Update{Attrs: p.Attrs(true), NLRI: nlri}),
		AppendMessage(nil, &Update{Attrs: p.Attrs(false), NLRI: nlri}),
		AppendMessage(nil, &Update{Withdrawn: nlri}),
		AppendMessage(nil, &Update{Attrs: []Attr{{Flags: FlagOptional | FlagExtLen, Code: 99, Value: []byte{1}}}}),
		unhex(t, "M 0017 02 0000 0000 21 0a000000"),         // NLRI /33
		unhex(t, "M 001c 02 0000 0005 40 01 02 0000 080a"),  // bad ORIGIN length
		unhex(t, "M 001b 02 0000 0004 40 02 02 0200 080a"),  // AS_PATH segment of length 0
		unhex(t, "M 001a 02 0000 0003 40 03 05 080a"),       // attribute overrun
		unhex(t, "M 001f 01 04 0001 005a 01020304 02 0205"), // parameter overrun
		unhex(t, "M 0013 07"), // bad type
	}
	return seeds
}

func FuzzMessage(f *testing.F) {
	for _, s := range seedMessages(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, n, err := ParseMessage(b)
		if u, ok := m.(*Update); ok {
			// Attribute decoding must not panic either, with either AS
			// width; a path that decodes re-encodes to itself.
			for _, four := range []bool{true, false} {
				p, perr := u.Path(four)
				if perr != nil && perr.Action == SessionReset {
					if p != nil {
						t.Fatal("path with a session reset")
					}
					continue
				}
				if four && (perr == nil || perr.Action == AttrDiscard) {
					p2, perr2 := (&Update{Attrs: p.Attrs(true)}).Path(true)
					if perr2 != nil || !reflect.DeepEqual(p, p2) {
						t.Fatalf("path round trip: %v\n %#v\n %#v", perr2, p, p2)
					}
				}
			}
		}
		if err != nil {
			var e *Error
			if err != ErrShort && !errors.As(err, &e) {
				t.Fatalf("error of type %T", err)
			}
			return
		}
		if n < HeaderLen || n > len(b) {
			t.Fatalf("length %d of %d", n, len(b))
		}
		enc := AppendMessage(nil, m)
		m2, n2, err := ParseMessage(enc)
		if err != nil || n2 != len(enc) || !reflect.DeepEqual(m, m2) {
			t.Fatalf("round trip: %v\n %#v\n %#v", err, m, m2)
		}
		if !bytes.Equal(AppendMessage(nil, m2), enc) {
			t.Fatal("encoding is not a fixpoint")
		}
		// Only prefixes' unused trailing bits may differ from the input.
		if _, isUpdate := m.(*Update); !isUpdate && !bytes.Equal(enc, b[:n]) {
			t.Fatalf("re-encoded\n %x\noriginal\n %x", enc, b[:n])
		}
	})
}

// FuzzSession: an Established session gets arbitrary bytes, cut in two
// anywhere. It never panics, and it is either still Established or Idle
// after sending one NOTIFICATION.
func FuzzSession(f *testing.F) {
	for _, s := range seedMessages(f) {
		f.Add(s, uint16(len(s)/2))
	}
	f.Fuzz(func(t *testing.T, b []byte, cut uint16) {
		s := newSessionQuiet(t)
		c := min(int(cut), len(b))
		s.Receive(10, b[:c])
		s.Receive(11, b[c:])
		s.Advance(12)
		out := s.AppendOutput(nil)
		switch s.State() {
		case Established:
		case Idle:
			m, n, err := ParseMessage(out)
			if err != nil || n != len(out) {
				// A peer's NOTIFICATION ends the session without one of ours.
				if len(out) == 0 {
					return
				}
				t.Fatalf("output %x: %v", out, err)
			}
			if _, ok := m.(*Notification); !ok {
				t.Fatalf("sent %v before going Idle", m.Type())
			}
		default:
			t.Fatalf("state %v", s.State())
		}
	})
}

func newSessionQuiet(t *testing.T) *Session {
	cfg := SessionConfig{LocalAS: 65001, PeerAS: 65002, RouterID: addr("10.255.0.1"), LocalAddr: addr("10.0.0.1"), PeerAddr: addr("10.0.0.2")}
	s, err := NewSession(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s.Start(0)
	s.Connected(0)
	s.Receive(1, AppendMessage(AppendMessage(nil, NewOpen(65002, 90, addr("10.255.0.2"), FourOctetASCap(65002))), &Keepalive{}))
	s.AppendOutput(nil)
	s.AppendEvents(nil)
	return s
}

// FuzzSpeaker: UPDATE bodies of any shape into a speaker with two peers.
// The Loc-RIB stays consistent with the Adj-RIB-In, and the other peer's
// Adj-RIB-Out holds only prefixes the Loc-RIB has.
func FuzzSpeaker(f *testing.F) {
	for _, s := range seedMessages(f) {
		if len(s) > HeaderLen && s[18] == byte(TypeUpdate) {
			f.Add(s[HeaderLen:], s[HeaderLen:])
		}
	}
	f.Fuzz(func(t *testing.T, body1, body2 []byte) {
		sp, _, _ := scripted(t, RelCustomer)
		if _, err := sp.AddPeer(PeerConfig{Relationship: RelPeer, Session: SessionConfig{PeerAS: 65003,
			LocalAddr: addr("10.0.1.1"), PeerAddr: addr("10.0.1.2")}}); err != nil {
			t.Fatal(err)
		}
		sp.Start(0, 1)
		sp.Connected(0, 1)
		sp.Receive(0, 1, AppendMessage(AppendMessage(nil, NewOpen(65003, 90, addr("10.255.0.3"), FourOctetASCap(65003))), &Keepalive{}))
		for i, body := range [][]byte{body1, body2} {
			if len(body) > MaxMessageLen-HeaderLen {
				body = body[:MaxMessageLen-HeaderLen]
			}
			msg := AppendMessage(nil, &Keepalive{})
			msg[18] = byte(TypeUpdate)
			msg = append(msg, body...)
			msg[16], msg[17] = byte(len(msg)>>8), byte(len(msg))
			sp.Receive(sim.Time(i+1), 0, msg)
		}
		for _, r := range sp.AdjRIBIn(0) {
			found := false
			for _, x := range sp.Table() {
				found = found || x.Prefix == r.Prefix && x.Peer == 0
			}
			if !found {
				t.Fatalf("%v in Adj-RIB-In, not in the Loc-RIB", r.Prefix)
			}
		}
		for _, r := range sp.AdjRIBOut(1) {
			if _, ok := sp.Best(r.Prefix); !ok {
				t.Fatalf("%v advertised without a best path", r.Prefix)
			}
		}
		if sp.Session(0).State() == Idle && len(sp.AdjRIBIn(0)) != 0 {
			t.Fatal("routes of a session that is down")
		}
	})
}
