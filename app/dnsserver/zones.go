package dnsserver

import (
	"embed"
	"fmt"
	"strings"

	"github.com/hopsnet/hops/dns/auth"
	"github.com/hopsnet/hops/node"
)

// zoneFiles holds the default world's zones.
//
//go:embed zones/*.zone
var zoneFiles embed.FS

// A ZoneFile is one embedded zone: its origin and file name.
type ZoneFile struct {
	Origin string
	File   string // under zones/
}

// DefaultServers says which embedded zones each name server of the
// default world serves, by node name.
var DefaultServers = []struct {
	Node  string
	Zones []ZoneFile
}{
	{"a.root-servers.net", []ZoneFile{{".", "root.zone"}, {"in-addr.arpa.", "in-addr.arpa.zone"}}},
	{"a.gtld-servers.net", []ZoneFile{{"com.", "com.zone"}, {"net.", "net.zone"}, {"org.", "org.zone"}}},
	{"ns1.example.com", append([]ZoneFile{{"example.com.", "example.com.zone"}, {"example.net.", "example.net.zone"},
		{"example.org.", "example.org.zone"}}, reverseZones...)},
	// ISP B's router runs example.com.'s second name server (ns2), in
	// another network than ns1.
	{"isp-b-core", append([]ZoneFile{{"example.com.", "example.com.zone"}, {"example.org.", "example.org.zone"}}, reverseZones...)},
}

// reverseZones are the default world's reverse zones.
var reverseZones = []ZoneFile{
	{"2.0.192.in-addr.arpa.", "2.0.192.in-addr.arpa.zone"}, {"18.198.in-addr.arpa.", "18.198.in-addr.arpa.zone"},
	{"100.51.198.in-addr.arpa.", "100.51.198.in-addr.arpa.zone"}, {"113.0.203.in-addr.arpa.", "113.0.203.in-addr.arpa.zone"},
}

// LoadEmbedded parses the embedded zones zs into an engine.
func LoadEmbedded(zs []ZoneFile) (*auth.Server, error) {
	var zones []*auth.Zone
	for _, zf := range zs {
		z, err := ParseEmbedded(zf)
		if err != nil {
			return nil, err
		}
		zones = append(zones, z)
	}
	return auth.NewServer(zones...)
}

// ParseEmbedded parses one embedded zone.
func ParseEmbedded(zf ZoneFile) (*auth.Zone, error) {
	text, err := zoneFiles.ReadFile("zones/" + zf.File)
	if err != nil {
		return nil, fmt.Errorf("dnsserver: no embedded zone %s: %w", zf.File, err)
	}
	return auth.ParseZoneString(string(text), zf.Origin, zf.File)
}

// ZoneText returns an embedded zone file's text (for hops' docs).
func ZoneText(file string) ([]byte, error) { return zoneFiles.ReadFile("zones/" + file) }

// StartDefault starts the default world's name servers on the nodes
// lookup finds by name (a world's Node method); a name it does not find
// is skipped, so a scenario without those nodes runs no DNS.
func StartDefault(lookup func(name string) *node.Node) ([]*Server, error) {
	var out []*Server
	for _, d := range DefaultServers {
		n := lookup(d.Node)
		if n == nil {
			continue
		}
		eng, err := LoadEmbedded(d.Zones)
		if err != nil {
			return nil, err
		}
		s, err := Start(n, eng)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// embeddedZones are the zone files hops ships, by origin, that a
// scenario's dns service may name: the root (which also serves
// in-addr.arpa.), com., net. and org., the example domains, and the
// reverse zones of the default world's public addresses (2.0.192,
// 18.198, 100.51.198 and 113.0.203.in-addr.arpa., served by ns1 and ns2,
// delegated without glue).
var embeddedZones = []ZoneFile{
	{".", "root.zone"}, {"com.", "com.zone"}, {"net.", "net.zone"}, {"org.", "org.zone"},
	{"example.com.", "example.com.zone"}, {"example.net.", "example.net.zone"}, {"example.org.", "example.org.zone"},
	{"in-addr.arpa.", "in-addr.arpa.zone"},
	{"2.0.192.in-addr.arpa.", "2.0.192.in-addr.arpa.zone"}, {"18.198.in-addr.arpa.", "18.198.in-addr.arpa.zone"},
	{"100.51.198.in-addr.arpa.", "100.51.198.in-addr.arpa.zone"}, {"113.0.203.in-addr.arpa.", "113.0.203.in-addr.arpa.zone"},
}

// EmbeddedZone returns the zone file hops ships for origin (with or
// without its final dot), if there is one.
func EmbeddedZone(origin string) (ZoneFile, bool) {
	if !strings.HasSuffix(origin, ".") {
		origin += "."
	}
	for _, z := range embeddedZones {
		if strings.EqualFold(z.Origin, origin) {
			return z, true
		}
	}
	return ZoneFile{}, false
}

// EmbeddedOrigins lists the origins of the zones hops ships.
func EmbeddedOrigins() []string {
	out := make([]string, len(embeddedZones))
	for i, z := range embeddedZones {
		out[i] = z.Origin
	}
	return out
}
