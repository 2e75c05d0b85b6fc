package bgp

import (
	"bytes"
	"net/netip"
	"reflect"
	"testing"

	gb "github.com/osrg/gobgp/v3/pkg/packet/bgp"
)

// TestCodecAgainstGoBGP: GoBGP's codec (pkg/packet/bgp) and ours encode
// the same messages to the same bytes, and each decodes the other's.
func TestCodecAgainstGoBGP(t *testing.T) {
	ser := func(m *gb.BGPMessage) []byte {
		t.Helper()
		b, err := m.Serialize()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	nlri := []*gb.IPAddrPrefix{gb.NewIPAddrPrefix(24, "198.51.100.0"), gb.NewIPAddrPrefix(16, "10.1.0.0")}
	ourNLRI := []netip.Prefix{pfx("198.51.100.0/24"), pfx("10.1.0.0/16")}
	path := &Path{
		Origin:  OriginIncomplete,
		ASPath:  ASPath{{Type: ASSequence, ASNs: []uint32{65001, 4200000001}}, {Type: ASSet, ASNs: []uint32{7, 8}}},
		NextHop: addr("192.0.2.1"), MED: 100, HasMED: true, LocalPref: 300, HasLocalPref: true,
		AtomicAggregate: true, Aggregator: Aggregator{AS: 70000, Addr: addr("10.9.9.9")},
		Other: []Attr{{Flags: FlagOptional | FlagTransitive, Code: AttrCommunities, Value: []byte{0, 1, 0, 2, 0xff, 0xff, 0xff, 0x01}}},
	}

	t.Run("update-4-octet", func(t *testing.T) {
		theirs := ser(gb.NewBGPUpdateMessage(nil, []gb.PathAttributeInterface{
			gb.NewPathAttributeOrigin(2),
			gb.NewPathAttributeAsPath([]gb.AsPathParamInterface{
				gb.NewAs4PathParam(gb.BGP_ASPATH_ATTR_TYPE_SEQ, []uint32{65001, 4200000001}),
				gb.NewAs4PathParam(gb.BGP_ASPATH_ATTR_TYPE_SET, []uint32{7, 8}),
			}),
			gb.NewPathAttributeNextHop("192.0.2.1"),
			gb.NewPathAttributeMultiExitDisc(100),
			gb.NewPathAttributeLocalPref(300),
			gb.NewPathAttributeAtomicAggregate(),
			gb.NewPathAttributeAggregator(uint32(70000), "10.9.9.9"),
			gb.NewPathAttributeCommunities([]uint32{0x00010002, 0xffffff01}),
		}, nlri))
		ours := AppendMessage(nil, &Update{Attrs: path.Attrs(true), NLRI: ourNLRI})
		if !bytes.Equal(ours, theirs) {
			t.Errorf("ours\n %x\nGoBGP's\n %x", ours, theirs)
		}
		m, _, err := ParseMessage(theirs)
		if err != nil {
			t.Fatal(err)
		}
		got, perr := m.(*Update).Path(true)
		if perr != nil || !reflect.DeepEqual(got, path) || !reflect.DeepEqual(m.(*Update).NLRI, ourNLRI) {
			t.Errorf("decoded GoBGP's UPDATE: %v\n %#v", perr, got)
		}
		gm, err := gb.ParseBGPMessage(ours)
		if err != nil {
			t.Fatalf("GoBGP cannot parse ours: %v", err)
		}
		if ok, err := gb.ValidateUpdateMsg(gm.Body.(*gb.BGPUpdate), map[gb.RouteFamily]gb.BGPAddPathMode{gb.RF_IPv4_UC: 0}, false, false, false); !ok {
			t.Errorf("GoBGP rejects ours: %v", err)
		}
	})

	t.Run("update-2-octet", func(t *testing.T) {
		p2 := path.Clone()
		p2.Aggregator.AS = 65002
		theirs := ser(gb.NewBGPUpdateMessage(nil, []gb.PathAttributeInterface{
			gb.NewPathAttributeOrigin(2),
			gb.NewPathAttributeAsPath([]gb.AsPathParamInterface{
				gb.NewAsPathParam(gb.BGP_ASPATH_ATTR_TYPE_SEQ, []uint16{65001, ASTrans}),
				gb.NewAsPathParam(gb.BGP_ASPATH_ATTR_TYPE_SET, []uint16{7, 8}),
			}),
			gb.NewPathAttributeNextHop("192.0.2.1"),
			gb.NewPathAttributeMultiExitDisc(100),
			gb.NewPathAttributeLocalPref(300),
			gb.NewPathAttributeAtomicAggregate(),
			gb.NewPathAttributeAggregator(uint16(65002), "10.9.9.9"),
			gb.NewPathAttributeCommunities([]uint32{0x00010002, 0xffffff01}),
			gb.NewPathAttributeAs4Path([]*gb.As4PathParam{
				gb.NewAs4PathParam(gb.BGP_ASPATH_ATTR_TYPE_SEQ, []uint32{65001, 4200000001}),
				gb.NewAs4PathParam(gb.BGP_ASPATH_ATTR_TYPE_SET, []uint32{7, 8}),
			}),
		}, nlri))
		ours := AppendMessage(nil, &Update{Attrs: p2.Attrs(false), NLRI: ourNLRI})
		if !bytes.Equal(ours, theirs) {
			t.Errorf("ours\n %x\nGoBGP's\n %x", ours, theirs)
		}
		m, _, err := ParseMessage(theirs)
		if err != nil {
			t.Fatal(err)
		}
		// AGGREGATOR holds a real 2-octet AS, so RFC 6793 4.2.3 says to
		// ignore AS4_PATH: the path keeps AS_TRANS.
		got, perr := m.(*Update).Path(false)
		if perr != nil || got.ASPath.String() != "65001 23456 {7,8}" {
			t.Errorf("decoded GoBGP's UPDATE: %v %v", perr, got)
		}
		p2.Aggregator = Aggregator{}
		ours = AppendMessage(nil, &Update{Attrs: p2.Attrs(false), NLRI: ourNLRI})
		gm, err := gb.ParseBGPMessage(ours)
		if err != nil {
			t.Fatalf("GoBGP cannot parse ours: %v", err)
		}
		m, _, _ = ParseMessage(ours)
		if got, _ := m.(*Update).Path(false); got.ASPath.String() != "65001 4200000001 {7,8}" {
			t.Errorf("our AS4_PATH round trip: %v", got.ASPath)
		}
		var as4 *gb.PathAttributeAs4Path
		for _, a := range gm.Body.(*gb.BGPUpdate).PathAttributes {
			if a, ok := a.(*gb.PathAttributeAs4Path); ok {
				as4 = a
			}
		}
		if as4 == nil || as4.String() != "65001 4200000001 {7,8}" {
			t.Errorf("GoBGP reads our AS4_PATH as %v", as4)
		}
	})

	t.Run("open", func(t *testing.T) {
		theirs := ser(gb.NewBGPOpenMessage(ASTrans, 90, "10.0.0.1", []gb.OptionParameterInterface{
			gb.NewOptionParameterCapability([]gb.ParameterCapabilityInterface{gb.NewCapMultiProtocol(gb.RF_IPv4_UC)}),
			gb.NewOptionParameterCapability([]gb.ParameterCapabilityInterface{gb.NewCapFourOctetASNumber(65546)}),
		}))
		ours := AppendMessage(nil, NewOpen(65546, 90, addr("10.0.0.1"), MultiprotocolCap(AFIIPv4, SAFIUnicast), FourOctetASCap(65546)))
		if !bytes.Equal(ours, theirs) {
			t.Errorf("ours\n %x\nGoBGP's\n %x", ours, theirs)
		}
		// Several capabilities in one parameter, as GoBGP may send them.
		both := ser(gb.NewBGPOpenMessage(65001, 30, "10.0.0.2", []gb.OptionParameterInterface{
			gb.NewOptionParameterCapability([]gb.ParameterCapabilityInterface{
				gb.NewCapMultiProtocol(gb.RF_IPv4_UC), gb.NewCapRouteRefresh(), gb.NewCapFourOctetASNumber(65001)}),
		}))
		m, _, err := ParseMessage(both)
		if err != nil {
			t.Fatal(err)
		}
		caps, err := m.(*Open).Capabilities()
		want := []Capability{MultiprotocolCap(AFIIPv4, SAFIUnicast), {Code: CapRouteRefresh, Value: []byte{}}, FourOctetASCap(65001)}
		if err != nil || !reflect.DeepEqual(caps, want) {
			t.Errorf("capabilities %v %v", caps, err)
		}
	})

	t.Run("notification", func(t *testing.T) {
		theirs := ser(gb.NewBGPNotificationMessage(gb.BGP_ERROR_UPDATE_MESSAGE_ERROR, gb.BGP_ERROR_SUB_MALFORMED_AS_PATH, []byte{1, 2}))
		ours := AppendMessage(nil, &Notification{Code: CodeUpdate, Subcode: SubMalformedASPath, Data: []byte{1, 2}})
		if !bytes.Equal(ours, theirs) {
			t.Errorf("ours\n %x\nGoBGP's\n %x", ours, theirs)
		}
	})
}
