// This cross-check decodes the writer's output with gopacket's independent
// pcapng reader (pcapgo).

package pcapng_test

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/hopsnet/hops/trace/pcapng"
)

func TestPcapgoNgReader(t *testing.T) {
	r, err := pcapgo.NewNgReader(bytes.NewReader(writeTestCapture(t)), pcapgo.NgReaderOptions{WantMixedLinkType: true})
	if err != nil {
		t.Fatal(err)
	}
	if app := r.SectionInfo().Application; app != "hops" {
		t.Errorf("shb_userappl = %q", app)
	}
	pkts := testPackets()
	for i, want := range pkts {
		data, ci, opts, err := r.ReadPacketDataWithOptions()
		if err != nil {
			t.Fatalf("packet %d: %v", i, err)
		}
		if ci.InterfaceIndex != want.iface {
			t.Errorf("packet %d: interface %d, want %d", i, ci.InterfaceIndex, want.iface)
		}
		if got := ci.Timestamp.UnixNano(); got != want.ts {
			t.Errorf("packet %d: timestamp %d ns, want %d", i, got, want.ts)
		}
		if ci.CaptureLength != want.capLen || ci.Length != len(want.data) {
			t.Errorf("packet %d: caplen %d len %d, want %d %d", i, ci.CaptureLength, ci.Length, want.capLen, len(want.data))
		}
		if !bytes.Equal(data, want.data[:want.capLen]) {
			t.Errorf("packet %d: data mismatch", i)
		}
		if lt := ci.AncillaryData[0]; lt != layers.LinkTypeRaw {
			t.Errorf("packet %d: link type %v", i, lt)
		}
		var dir pcapgo.NgEpbFlag
		if opts.Flags != nil {
			dir = opts.Flags.Direction
		}
		if uint32(dir) != uint32(want.dir) {
			t.Errorf("packet %d: direction %d, want %d", i, dir, want.dir)
		}
		var comment string
		if len(opts.Comments) > 0 {
			comment = opts.Comments[0]
		}
		if len(opts.Comments) > 1 || comment != want.comment {
			t.Errorf("packet %d: comments %q, want %q", i, opts.Comments, want.comment)
		}
	}
	if _, _, err := r.ReadPacketData(); !errors.Is(err, io.EOF) {
		t.Errorf("after last packet: %v, want EOF", err)
	}
	if n := r.NInterfaces(); n != len(testIfaces) {
		t.Fatalf("%d interfaces, want %d", n, len(testIfaces))
	}
	for i, want := range testIfaces {
		ifc, err := r.Interface(i)
		if err != nil {
			t.Fatal(err)
		}
		if ifc.Name != want.name || ifc.Description != want.desc || ifc.SnapLength != want.snapLen {
			t.Errorf("interface %d: %q %q %d, want %q %q %d", i, ifc.Name, ifc.Description, ifc.SnapLength, want.name, want.desc, want.snapLen)
		}
		if ifc.LinkType != pcapng.LinkTypeRaw || ifc.TimestampResolution != 9 {
			t.Errorf("interface %d: link type %d resolution %d", i, ifc.LinkType, ifc.TimestampResolution)
		}
	}
}
