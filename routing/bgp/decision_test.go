package bgp

import (
	"fmt"
	"testing"
)

// cand builds a decision-process candidate. med < 0 means no MED.
func cand(peer int, lp uint32, asns []uint32, origin Origin, med int, external bool, id, peerAddr string) *candidate {
	p := &Path{Origin: origin, LocalPref: lp, HasLocalPref: true}
	if len(asns) > 0 {
		p.ASPath = ASPath{{Type: ASSequence, ASNs: asns}}
	}
	if med >= 0 {
		p.MED, p.HasMED = uint32(med), true
	}
	c := &candidate{peer: peer, path: p, external: external, peerID: addr(id), peerAddr: addr(peerAddr)}
	c.neighborAS = p.ASPath.Neighbor()
	if c.neighborAS == 0 {
		c.neighborAS = 65000
	}
	return c
}

// TestDecision: RFC 4271 9.1.2, one rule per row; the winner is given by
// peer index.
func TestDecision(t *testing.T) {
	as := func(a ...uint32) []uint32 { return a }
	for _, tc := range []struct {
		name  string
		cands []*candidate
		want  int
	}{
		{"local-pref-beats-path-length", []*candidate{
			cand(0, 100, as(1), OriginIGP, -1, true, "1.1.1.1", "10.0.0.1"),
			cand(1, 200, as(2, 3, 4), OriginIGP, -1, true, "2.2.2.2", "10.0.0.2"),
		}, 1},
		{"shortest-as-path", []*candidate{
			cand(0, 100, as(1, 5), OriginIGP, -1, true, "1.1.1.1", "10.0.0.1"),
			cand(1, 100, as(2), OriginIncomplete, -1, true, "2.2.2.2", "10.0.0.2"),
		}, 1},
		{"as-set-counts-one", []*candidate{
			{peer: 0, path: &Path{LocalPref: 100, ASPath: ASPath{{Type: ASSequence, ASNs: as(1)}, {Type: ASSet, ASNs: as(7, 8, 9)}}},
				external: true, peerID: addr("1.1.1.1"), peerAddr: addr("10.0.0.1"), neighborAS: 1},
			cand(1, 100, as(2, 3, 4), OriginIGP, -1, true, "2.2.2.2", "10.0.0.2"),
		}, 0},
		{"lowest-origin", []*candidate{
			cand(0, 100, as(1), OriginEGP, -1, true, "1.1.1.1", "10.0.0.1"),
			cand(1, 100, as(2), OriginIGP, -1, true, "2.2.2.2", "10.0.0.2"),
		}, 1},
		{"lowest-med-same-neighbour", []*candidate{
			cand(0, 100, as(1, 9), OriginIGP, 20, true, "1.1.1.1", "10.0.0.1"),
			cand(1, 100, as(1, 8), OriginIGP, 10, true, "2.2.2.2", "10.0.0.2"),
		}, 1},
		{"missing-med-is-zero", []*candidate{
			cand(0, 100, as(1, 9), OriginIGP, 5, true, "1.1.1.1", "10.0.0.1"),
			cand(1, 100, as(1, 8), OriginIGP, -1, true, "2.2.2.2", "10.0.0.2"),
		}, 1},
		// MEDs of different neighbouring ASes are not compared: the lower
		// router ID decides.
		{"med-other-neighbour", []*candidate{
			cand(0, 100, as(1), OriginIGP, 50, true, "1.1.1.1", "10.0.0.1"),
			cand(1, 100, as(2), OriginIGP, 10, true, "2.2.2.2", "10.0.0.2"),
		}, 0},
		// The MED rule removes routes, it is not a pairwise order: peer 0
		// loses to peer 1 (same AS 1, lower MED); between 1 and 2 (AS 2)
		// the router ID decides, and peer 1 has the higher one.
		{"med-removes", []*candidate{
			cand(0, 100, as(1), OriginIGP, 10, true, "1.1.1.1", "10.0.0.1"),
			cand(1, 100, as(1), OriginIGP, 5, true, "3.3.3.3", "10.0.0.2"),
			cand(2, 100, as(2), OriginIGP, 50, true, "2.2.2.2", "10.0.0.3"),
		}, 2},
		{"ebgp-over-ibgp", []*candidate{
			cand(0, 100, as(1), OriginIGP, -1, false, "1.1.1.1", "10.0.0.1"),
			cand(1, 100, as(2), OriginIGP, -1, true, "2.2.2.2", "10.0.0.2"),
		}, 1},
		{"lowest-router-id", []*candidate{
			cand(0, 100, as(1), OriginIGP, -1, true, "9.9.9.9", "10.0.0.1"),
			cand(1, 100, as(2), OriginIGP, -1, true, "2.2.2.2", "10.0.0.2"),
		}, 1},
		{"lowest-peer-address", []*candidate{
			cand(0, 100, as(1), OriginIGP, -1, true, "2.2.2.2", "10.0.0.9"),
			cand(1, 100, as(1), OriginIGP, -1, true, "2.2.2.2", "10.0.0.2"),
		}, 1},
		{"own-route-first", []*candidate{
			cand(-1, 0, nil, OriginIncomplete, -1, false, "0.0.0.0", "0.0.0.0"),
			cand(0, 300, as(1), OriginIGP, -1, true, "1.1.1.1", "10.0.0.1"),
		}, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := selectBest(tc.cands); got == nil || got.peer != tc.want {
				t.Fatalf("best %v, want peer %d", got, tc.want)
			}
		})
	}
	if selectBest(nil) != nil {
		t.Fatal("best of nothing")
	}
}

func (c *candidate) String() string {
	return fmt.Sprintf("peer %d %v", c.peer, c.path)
}
