package scenario

import (
	"encoding/json"
	"errors"
	"net/netip"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

// This file tests the keys of a home network: LANs, endpoints addressed
// by DHCP, Ethernet links, dhcp services and NAT.

// homeYAML is a home network behind a NAT router, with every new key.
const homeYAML = `name: home
nodes:
  - {name: laptop, role: laptop}
  - {name: phone, role: host}
  - {name: nas, role: server}
  - name: router
    role: home-router
    services:
      - {kind: dhcp, iface: lan0, pool: 192.168.1.100-192.168.1.199}
    nat:
      inside: lan0
      outside: wan0
      filtering: address-dependent
      forwards:
        - tcp 8080 192.168.1.10:80
        - UDP 5000 192.168.1.10:5000
      udp-timeout: 5m
      tcp-established-timeout: 1h
      tcp-transitory-timeout: 2m
      icmp-timeout: 30s
  - name: isp
    role: isp
    services: [{kind: dhcp, iface: cust0, pool: 198.51.100.2-198.51.100.2, lease: 10m}]
  - {name: server, role: server}
lans:
  - name: home-wifi
    kind: wifi
    members:
      - router:lan0 192.168.1.1/24
      - laptop:wlan0 dhcp
      - {node: phone, addr: dhcp}
      - nas 192.168.1.10/24
    rate: 300Mbps
    delay: 500us
    jitter: 750us
    loss: 0.1%
    mtu: 1492
links:
  - {name: uplink, a: router:wan0 dhcp, b: isp:cust0 198.51.100.1/30, rate: 100Mbps}
  - {a: isp 198.18.0.1/30, b: server 198.18.0.2/30, ethernet: true}
`

func addr(s string) netip.Addr { return netip.MustParseAddr(s) }

func dhcpEnd(node, iface string) Endpoint { return Endpoint{Node: node, Iface: iface, DHCP: true} }

func staticEnd(node, iface, a string) Endpoint {
	return Endpoint{Node: node, Iface: iface, Addr: pfx(a)}
}

// lan returns a LAN with Parse's defaults, for expectations.
func lan(name string, members ...Endpoint) LAN {
	return LAN{Name: name, Kind: LANSwitch, Members: members, MTU: DefaultMTU}
}

func TestParseHome(t *testing.T) {
	s, err := Parse("home.yaml", []byte(homeYAML))
	if err != nil {
		t.Fatal(err)
	}
	want := &Scenario{
		File: "home.yaml",
		Name: "home",
		Nodes: []Node{
			{Name: "laptop", Role: RoleLaptop},
			{Name: "phone", Role: RoleHost},
			{Name: "nas", Role: RoleServer},
			{
				Name: "router", Role: RoleHomeRouter,
				Services: []Service{{Kind: ServiceDHCP, Iface: "lan0", PoolStart: addr("192.168.1.100"), PoolEnd: addr("192.168.1.199"), Lease: time.Hour}},
				NAT: &NAT{
					Inside: "lan0", Outside: "wan0", Filtering: NATAddressDependent,
					Forwards: []PortForward{
						{Proto: "tcp", Port: 8080, To: netip.MustParseAddrPort("192.168.1.10:80")},
						{Proto: "udp", Port: 5000, To: netip.MustParseAddrPort("192.168.1.10:5000")},
					},
					UDPTimeout: 5 * time.Minute, TCPEstablished: time.Hour, TCPTransitory: 2 * time.Minute, ICMPTimeout: 30 * time.Second,
				},
			},
			{
				Name: "isp", Role: RoleISP,
				Services: []Service{{Kind: ServiceDHCP, Iface: "cust0", PoolStart: addr("198.51.100.2"), PoolEnd: addr("198.51.100.2"), Lease: 10 * time.Minute}},
			},
			{Name: "server", Role: RoleServer},
		},
		LANs: []LAN{{
			Name: "home-wifi", Kind: LANWiFi,
			Members: []Endpoint{
				staticEnd("router", "lan0", "192.168.1.1/24"),
				dhcpEnd("laptop", "wlan0"),
				dhcpEnd("phone", "eth0"),
				staticEnd("nas", "eth0", "192.168.1.10/24"),
			},
			RateBps: 300_000_000, Delay: 500 * time.Microsecond, Jitter: 750 * time.Microsecond, Loss: 0.001, MTU: 1492,
		}},
		Links: []Link{
			with(link("uplink", "router", "wan0", "0.0.0.0/0", "isp", "cust0", "198.51.100.1/30"), func(l *Link) {
				l.A = dhcpEnd("router", "wan0")
				l.RateBps = 100_000_000
				l.Ethernet = true
			}),
			with(link("isp--server", "isp", "eth0", "198.18.0.1/30", "server", "eth0", "198.18.0.2/30"), func(l *Link) { l.Ethernet = true }),
		},
	}
	if got := WithoutPositions(s); !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", "  ")
		w, _ := json.MarshalIndent(want, "", "  ")
		t.Errorf("Parse:\n got %s\nwant %s", g, w)
	}

	// Positions of the new entries.
	for _, c := range []struct {
		what string
		got  Pos
		want Pos
	}{
		{"LAN", s.LANs[0].Pos, Pos{26, 5}},
		{"member in compact form", s.LANs[0].Members[1].Pos, Pos{30, 9}},
		{"member in mapping form", s.LANs[0].Members[2].Pos, Pos{31, 9}},
		{"dhcp service", s.Nodes[3].Services[0].Pos, Pos{9, 9}},
		{"nat", s.Nodes[3].NAT.Pos, Pos{11, 7}},
		{"dhcp link end", s.Links[0].A.Pos, Pos{39, 23}},
	} {
		if c.got != c.want {
			t.Errorf("%s at %s, want %s", c.what, c.got, c.want)
		}
	}
}

func TestParseHomeValid(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want *Scenario // positions are not compared; File and Name neither
	}{
		{
			// Unnamed interfaces are numbered across links and LANs in the
			// order they appear in the file, skipping names given anywhere.
			name: "interface-names-across-links-and-lans",
			src: `nodes: [{name: r1, role: router}, {name: h1, role: host}, {name: h2, role: host}]
links:
  - {a: r1 10.0.0.1/30, b: h1 10.0.0.2/30}
lans:
  - name: lan
    members: [r1 192.168.1.1/24, h1 192.168.1.2/24, h2:eth0 192.168.1.3/24]
`,
			want: &Scenario{
				Nodes: []Node{{Name: "r1", Role: RoleRouter}, {Name: "h1", Role: RoleHost}, {Name: "h2", Role: RoleHost}},
				Links: []Link{link("r1--h1", "r1", "eth0", "10.0.0.1/30", "h1", "eth0", "10.0.0.2/30")},
				LANs: []LAN{lan("lan",
					staticEnd("r1", "eth1", "192.168.1.1/24"), staticEnd("h1", "eth1", "192.168.1.2/24"), staticEnd("h2", "eth0", "192.168.1.3/24"))},
			},
		},
		{
			name: "lans-before-links",
			src: `nodes: [{name: r1, role: router}, {name: h1, role: host}, {name: h2, role: host}]
lans:
  - name: lan
    members: [r1 192.168.1.1/24, h1 192.168.1.2/24, h2:eth0 192.168.1.3/24]
links:
  - {a: r1 10.0.0.1/30, b: h1 10.0.0.2/30}
  - {a: r1:eth2 10.0.0.5/30, b: h2 10.0.0.6/30}
`,
			want: &Scenario{
				Nodes: []Node{{Name: "r1", Role: RoleRouter}, {Name: "h1", Role: RoleHost}, {Name: "h2", Role: RoleHost}},
				LANs: []LAN{lan("lan",
					staticEnd("r1", "eth0", "192.168.1.1/24"), staticEnd("h1", "eth0", "192.168.1.2/24"), staticEnd("h2", "eth0", "192.168.1.3/24"))},
				Links: []Link{
					link("r1--h1", "r1", "eth1", "10.0.0.1/30", "h1", "eth1", "10.0.0.2/30"),
					link("r1--h2", "r1", "eth2", "10.0.0.5/30", "h2", "eth1", "10.0.0.6/30"),
				},
			},
		},
		{
			// goccy/go-yaml reads r1:lan0 ... in a flow list inside a
			// flow mapping as {r1: lan0 ...}; Parse reads it as written.
			name: "flow-style-colons",
			src: `nodes:
  - {name: r1, role: router, nat: {inside: lan0, outside: wan0, forwards: [tcp 8080 192.168.1.2:80, udp 53 192.168.1.2:53]}, services: [{kind: dhcp, iface: lan0, pool: 192.168.1.100-192.168.1.109}]}
  - {name: h1, role: host}
  - {name: h2, role: host}
lans:
  - {name: lan, members: [r1:lan0 192.168.1.1/24, h1:eth0 192.168.1.2/24, h2:wlan0 dhcp], rate: 1Gbps}
links:
  - {a: r1:wan0 10.0.0.1/30, b: h1 10.0.0.2/30}
`,
			want: &Scenario{
				Nodes: []Node{
					{Name: "r1", Role: RoleRouter,
						Services: []Service{{Kind: ServiceDHCP, Iface: "lan0", PoolStart: addr("192.168.1.100"), PoolEnd: addr("192.168.1.109"), Lease: DefaultLease}},
						NAT: &NAT{Inside: "lan0", Outside: "wan0", Filtering: NATEndpointIndependent, Forwards: []PortForward{
							{Proto: "tcp", Port: 8080, To: netip.MustParseAddrPort("192.168.1.2:80")},
							{Proto: "udp", Port: 53, To: netip.MustParseAddrPort("192.168.1.2:53")},
						}}},
					{Name: "h1", Role: RoleHost}, {Name: "h2", Role: RoleHost},
				},
				LANs: []LAN{with2(lan("lan", staticEnd("r1", "lan0", "192.168.1.1/24"), staticEnd("h1", "eth0", "192.168.1.2/24"), dhcpEnd("h2", "wlan0")),
					func(l *LAN) { l.RateBps = 1e9 })},
				Links: []Link{link("r1--h1", "r1", "wan0", "10.0.0.1/30", "h1", "eth1", "10.0.0.2/30")},
			},
		},
		{
			// ethernet: given explicitly, or implied by an end addressed by
			// DHCP (in the mapping form too); a dhcp service on a link.
			name: "ethernet-and-dhcp-on-links",
			src: `nodes:
  - {name: r1, role: router, services: [{kind: dhcp, iface: eth1, pool: 10.0.1.2-10.0.1.2, lease: 30s}, {kind: web}]}
  - {name: r2, role: router}
links:
  - {name: x, a: r1 10.0.0.1/30, b: r2 10.0.0.2/30, ethernet: false}
  - name: y
    a: r1 10.0.1.1/30
    b: {node: r2, iface: up, addr: dhcp}
  - {name: z, a: r1 10.0.2.1/31, b: r2 10.0.2.0/31, ethernet: true}
`,
			want: &Scenario{
				Nodes: []Node{
					{Name: "r1", Role: RoleRouter, Services: []Service{
						{Kind: ServiceDHCP, Iface: "eth1", PoolStart: addr("10.0.1.2"), PoolEnd: addr("10.0.1.2"), Lease: 30 * time.Second},
						{Kind: ServiceWeb},
					}},
					{Name: "r2", Role: RoleRouter},
				},
				Links: []Link{
					link("x", "r1", "eth0", "10.0.0.1/30", "r2", "eth0", "10.0.0.2/30"),
					with(link("y", "r1", "eth1", "10.0.1.1/30", "r2", "up", "0.0.0.0/0"), func(l *Link) {
						l.B, l.Ethernet = dhcpEnd("r2", "up"), true
					}),
					with(link("z", "r1", "eth2", "10.0.2.1/31", "r2", "eth1", "10.0.2.0/31"), func(l *Link) { l.Ethernet = true }),
				},
			},
		},
		{
			// The pool may hold the server's own address (the server skips
			// it); a /31 LAN of two; a NAT whose outside is a LAN member.
			name: "pool-and-small-lan",
			src: `nodes:
  - {name: r1, role: router, services: [{kind: dhcp, iface: lan0, pool: 10.1.0.1-10.1.0.3}], nat: {inside: lan0, outside: eth0}}
  - {name: h1, role: host}
  - {name: h2, role: host}
lans:
  - {name: inside, members: [r1:lan0 10.1.0.1/29, h1 dhcp, h2 dhcp]}
  - {name: outside, kind: switch, members: [r1 10.2.0.0/31, h1 10.2.0.1/31]}
`,
			want: &Scenario{
				Nodes: []Node{
					{Name: "r1", Role: RoleRouter,
						Services: []Service{{Kind: ServiceDHCP, Iface: "lan0", PoolStart: addr("10.1.0.1"), PoolEnd: addr("10.1.0.3"), Lease: DefaultLease}},
						NAT:      &NAT{Inside: "lan0", Outside: "eth0", Filtering: NATEndpointIndependent}},
					{Name: "h1", Role: RoleHost}, {Name: "h2", Role: RoleHost},
				},
				LANs: []LAN{
					lan("inside", staticEnd("r1", "lan0", "10.1.0.1/29"), dhcpEnd("h1", "eth0"), dhcpEnd("h2", "eth0")),
					lan("outside", staticEnd("r1", "eth0", "10.2.0.0/31"), staticEnd("h1", "eth1", "10.2.0.1/31")),
				},
			},
		},
		{
			// A forward on its own, not in a list.
			name: "one-forward",
			src: `nodes:
  - name: r1
    role: router
    nat: {inside: a, outside: b, forwards: "tcp 22 10.0.0.2:22"}
  - {name: h1, role: host}
links:
  - {name: in, a: r1:a 10.0.0.1/30, b: h1 10.0.0.2/30}
  - {name: out, a: r1:b 10.0.0.5/30, b: h1 10.0.0.6/30}
`,
			want: &Scenario{
				Nodes: []Node{
					{Name: "r1", Role: RoleRouter, NAT: &NAT{Inside: "a", Outside: "b", Filtering: NATEndpointIndependent,
						Forwards: []PortForward{{Proto: "tcp", Port: 22, To: netip.MustParseAddrPort("10.0.0.2:22")}}}},
					{Name: "h1", Role: RoleHost},
				},
				Links: []Link{
					link("in", "r1", "a", "10.0.0.1/30", "h1", "eth0", "10.0.0.2/30"),
					link("out", "r1", "b", "10.0.0.5/30", "h1", "eth1", "10.0.0.6/30"),
				},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse("", []byte(tt.src))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			got = WithoutPositions(got)
			got.Name = ""
			if !reflect.DeepEqual(got, tt.want) {
				g, _ := json.MarshalIndent(got, "", "  ")
				w, _ := json.MarshalIndent(tt.want, "", "  ")
				t.Errorf("Parse:\n got %s\nwant %s", g, w)
			}
		})
	}
}

// with2 applies f to a copy of l.
func with2(l LAN, f func(*LAN)) LAN {
	f(&l)
	return l
}

// homeErrorCases are bad home networks with the exact errors Parse must
// report for them, as errorCases.
var homeErrorCases = []struct {
	name string
	src  string
	want []string
}{
	// LAN members: at least two, each a node once, in the endpoint syntax; the LAN's own keys by the schema.
	{
		name: "lan/members",
		src: `nodes:
  - {name: r1, role: router}
  - {name: h1, role: host}
lans:
  - {name: one, members: [r1 10.0.0.1/24]}
  - {name: none, members: []}
  - name: nothing
    members:
  - {name: scalar, members: r1 10.0.1.1/24}
  - name: holes
    members:
      - r1 10.0.2.1/24
      -
      - {node: h1}
  - {name: twice, members: [r1 10.0.3.1/24, h1 10.0.3.2/24, r1 10.0.3.3/24]}
  - {members: [r1 10.0.4.1/24, h1 10.0.4.2/24]}
  - {name: "bad name", members: [r1 10.0.5.1/24, h1 10.0.5.2/24], kind: wify, colour: red}
`,
		want: []string{
			"w.yaml:5:26: LAN \"one\" needs at least 2 members, got 1",
			"w.yaml:6:27: LAN \"none\" needs at least 2 members, got 0",
			"w.yaml:8:5: LAN \"nothing\" needs at least 2 members (e.g. members: [\"r1:lan0 192.168.1.1/24\", \"laptop dhcp\"])",
			"w.yaml:9:29: \"members\" must be a list of endpoints (e.g. members: [\"r1:lan0 192.168.1.1/24\", \"laptop dhcp\"]), got the string \"r1 10.0.1.1/24\"",
			"w.yaml:13:8: empty member (e.g. - \"r1:lan0 192.168.1.1/24\" or - \"laptop dhcp\")",
			"w.yaml:14:9: endpoint is missing required field \"addr\" (e.g. addr: 10.0.0.1/30)",
			"w.yaml:15:61: node \"r1\" is already a member of LAN \"twice\" (at 15:29); a node joins a LAN once",
			"w.yaml:16:5: LAN is missing required field \"name\" (e.g. name: home-lan)",
			"w.yaml:17:12: bad LAN name \"bad name\": use letters, digits, '-', '_' and '.', starting with a letter or digit",
			"w.yaml:17:73: unknown LAN kind \"wify\" (did you mean \"wifi\"?)",
			"w.yaml:17:79: unknown field \"colour\" in LAN (known fields: name, kind, members, rate, delay, jitter, loss, mtu)",
		},
	},
	// A LAN needs a statically addressed member (the one a dhcp service can run on).
	{
		name: "lan/no-static-member",
		src: `nodes:
  - {name: r1, role: router, services: [{kind: dhcp, iface: eth0, pool: 10.0.0.2-10.0.0.9}]}
  - {name: h1, role: host}
lans:
  - {name: home, members: [r1 dhcp, h1 dhcp]}
`,
		want: []string{
			"w.yaml:2:61: interface r1:eth0 takes its address from DHCP: a dhcp service needs an interface with a static address",
			"w.yaml:5:27: LAN \"home\" has no member with a static address: give one, such as the router that serves the others by DHCP, an address such as 192.168.1.1/24",
			"w.yaml:5:28: r1:eth0 takes its address from DHCP, but no node on LAN \"home\" runs a dhcp service on it (and no other member has a static address to serve it from)",
		},
	},
	// Static addresses of a LAN share one subnet with room for every member, apart from every other subnet.
	{
		name: "lan/subnets",
		src: `nodes:
  - {name: r1, role: router}
  - {name: h1, role: host}
  - {name: h2, role: host}
lans:
  - {name: a, members: [r1 10.0.0.1/24, h1 10.0.0.2/25, h2 10.0.1.3/24]}
  - {name: b, members: [r1 10.1.0.1/32, h1 10.1.0.2/32]}
  - {name: c, members: [r1 10.2.0.1/31, h1 10.2.0.0/31, h2 10.2.0.0/31]}
  - {name: d, members: [r1 10.3.0.1/30, h1 10.3.0.2/30, h2 10.3.0.3/30]}
  - {name: e, members: [r1 10.4.0.1/16, h1 10.4.0.2/16]}
links:
  - {a: r1 10.4.1.1/30, b: h1 10.4.1.2/30}
  - {a: r1 10.5.0.1/30, b: h2 10.4.0.2/30}
`,
		want: []string{
			"w.yaml:6:44: prefix length /25 does not match /24 of the LAN's first address (10.0.0.1/24 at 6:28)",
			"w.yaml:6:60: address 10.0.1.3/24 is not in the same subnet as the LAN's first address 10.0.0.1/24 (subnet 10.0.0.0/24)",
			"w.yaml:7:28: prefix length /32 leaves no room for the other members of the LAN (use a shorter prefix, e.g. /24)",
			"w.yaml:8:28: subnet 10.2.0.0/31 has room for 2 addresses, but LAN \"c\" has 3 members (use a shorter prefix)",
			"w.yaml:8:60: duplicate address 10.2.0.0 (already used by h1:eth2 at 8:44)",
			"w.yaml:9:28: subnet 10.3.0.0/30 has room for 2 addresses, but LAN \"d\" has 3 members (use a shorter prefix)",
			"w.yaml:9:60: address 10.3.0.3/30 is the broadcast address of 10.3.0.0/30 (use a host address, e.g. 10.3.0.2/30)",
			"w.yaml:12:12: subnet 10.4.1.0/30 overlaps subnet 10.4.0.0/16 of LAN \"e\" (at 10:28)",
			"w.yaml:13:31: duplicate address 10.4.0.2 (already used by h1:eth4 at 10:44)",
			"w.yaml:13:31: address 10.4.0.2/30 is not in the same subnet as the other end 10.5.0.1/30 (subnet 10.5.0.0/30)",
		},
	},
	// LAN names are unique among links and LANs; events take only links down.
	{
		name: "lan/names-and-events",
		src: `nodes:
  - {name: r1, role: router}
  - {name: h1, role: host}
links:
  - {name: wire, a: r1 10.0.0.1/30, b: h1 10.0.0.2/30}
lans:
  - {name: wire, members: [r1 10.1.0.1/24, h1 10.1.0.2/24]}
  - {name: home, members: [r1 10.2.0.1/24, h1 10.2.0.2/24]}
  - {name: home, members: [r1 10.3.0.1/24, h1 10.3.0.2/24]}
  - {name: r1--h1, members: [r1 10.4.0.1/24, h1 10.4.0.2/24]}
events:
  - {at: 1s, down: home}
`,
		want: []string{
			"w.yaml:7:12: LAN name \"wire\" is already the name of a link (at 5:12): links and LANs share names",
			"w.yaml:9:12: duplicate LAN name \"home\" (first used at 8:12)",
			"w.yaml:12:20: \"home\" is a LAN (at 8:12), not a link: events take links down and up",
		},
	},
	// A link named (or by default named) like an earlier LAN.
	{
		name: "lan/link-after-lan",
		src: `nodes:
  - {name: r1, role: router}
  - {name: h1, role: host}
lans:
  - {name: r1--h1, members: [r1 10.4.0.1/24, h1 10.4.0.2/24]}
  - {name: wire, members: [r1 10.1.0.1/24, h1 10.1.0.2/24]}
links:
  - {a: r1 10.0.0.1/30, b: h1 10.0.0.2/30}
  - {name: wire, a: r1 10.0.1.1/30, b: h1 10.0.1.2/30}
`,
		want: []string{
			"w.yaml:8:5: link's default name \"r1--h1\" is already the name of a LAN (at 5:12); give the link a \"name:\"",
			"w.yaml:9:12: link name \"wire\" is already the name of a LAN (at 6:12): links and LANs share names",
		},
	},
	// Members name known nodes; interface names and addresses are unique across links and LANs.
	{
		name: "lan/unknown-nodes-and-interfaces",
		src: `nodes:
  - {name: r1, role: router}
  - {name: h1, role: host}
links:
  - {a: r1:lan0 10.0.0.1/30, b: h1 10.0.0.2/30}
lans:
  - {name: home, members: [r1:lan0 10.1.0.1/24, h2 10.1.0.2/24, h1 10.0.0.2/24]}
`,
		want: []string{
			"w.yaml:7:28: duplicate interface \"lan0\" on node \"r1\" (first used at 5:12)",
			"w.yaml:7:49: unknown node \"h2\" (did you mean \"h1\"?)",
			"w.yaml:7:68: duplicate address 10.0.0.2 (already used by h1:eth0 at 5:36)",
			"w.yaml:7:68: address 10.0.0.2/24 is not in the same subnet as the LAN's first address 10.1.0.1/24 (subnet 10.1.0.0/24)",
		},
	},
	// An end addressed by DHCP needs a dhcp service on its link or LAN.
	{
		name: "dhcp-endpoint/no-server",
		src: `nodes:
  - {name: router, role: home-router}
  - {name: laptop, role: laptop}
  - {name: phone, role: host}
lans:
  - name: home-lan
    members:
      - router:lan0 192.168.1.1/24
      - laptop:wlan0 dhcp
      - {node: phone, addr: dhcp}
links:
  - {a: router:wan0 dhcp, b: phone 10.0.0.2/30}
  - {a: laptop dhcp, b: phone dhcp}
`,
		want: []string{
			"w.yaml:9:9: laptop:wlan0 takes its address from DHCP, but no node on LAN \"home-lan\" runs a dhcp service on it (add services: [{kind: dhcp, iface: lan0, pool: ...}] to router)",
			"w.yaml:10:9: phone:eth0 takes its address from DHCP, but no node on LAN \"home-lan\" runs a dhcp service on it (add services: [{kind: dhcp, iface: lan0, pool: ...}] to router)",
			"w.yaml:12:9: router:wan0 takes its address from DHCP, but no node on link \"router--phone\" runs a dhcp service on it (add services: [{kind: dhcp, iface: eth1, pool: ...}] to phone)",
			"w.yaml:13:9: laptop:eth0 takes its address from DHCP, but no node on link \"laptop--phone\" runs a dhcp service on it (and the other end has no static address to serve it from)",
			"w.yaml:13:25: phone:eth2 takes its address from DHCP, but no node on link \"laptop--phone\" runs a dhcp service on it (and the other end has no static address to serve it from)",
		},
	},
	// The word dhcp in place of ADDR/LEN; ethernet is a boolean, and not false with DHCP.
	{
		name: "dhcp-endpoint/syntax",
		src: `nodes:
  - {name: r1, role: router, services: [{kind: dhcp, iface: eth0, pool: 10.0.0.2-10.0.0.2}, {kind: dhcp, iface: eth1, pool: 10.0.1.2-10.0.1.2}]}
  - {name: h1, role: host}
links:
  - {name: l0, a: r1 10.0.0.1/30, b: h1 DHCP}
  - {name: l1, a: r1 10.0.1.1/30, b: h1 dhcp, ethernet: false}
  - {name: l2, a: r1 10.0.2.1/30, b: h1 10.0.2.2/30, ethernet: yes}
  - {name: l3, a: r1 10.0.3.1/32, b: h1 dhcp}
  - {name: l4, a: dhcp, b: h1 dhcp extra}
`,
		want: []string{
			"w.yaml:5:41: bad address \"DHCP\" (did you mean \"dhcp\"?)",
			"w.yaml:6:57: ethernet: false does not work with an end that takes its address from DHCP (DHCP needs Ethernet framing; leave ethernet out)",
			"w.yaml:7:64: \"ethernet\" must be true or false, got the string \"yes\"",
			"w.yaml:8:22: prefix length /32 leaves no room for the other end of the link (use /31 or /30)",
			"w.yaml:8:38: h1:eth3 takes its address from DHCP, but no node on link \"l3\" runs a dhcp service on it (add services: [{kind: dhcp, iface: eth3, pool: ...}] to r1)",
			"w.yaml:9:19: endpoint \"dhcp\" is missing the node name (expected \"NODE[:IFACE] dhcp\", e.g. \"laptop:wlan0 dhcp\")",
			"w.yaml:9:36: unexpected \"extra\" in endpoint \"h1 dhcp extra\" (expected \"NODE[:IFACE] ADDR/LEN\", e.g. \"r1:eth0 10.0.0.1/30\")",
		},
	},
	// iface and pool are required for dhcp, and belong to dhcp only.
	{
		name: "dhcp-service/keys",
		src: `nodes:
  - name: r1
    role: router
    services:
      - {kind: dhcp}
      - {kind: dhcp, iface: "lan 0", pool: 10.0.0.2-10.0.0.2}
      - {kind: web, iface: eth0, pool: 10.0.0.2-10.0.0.2, lease: 1h}
      - {kind: dhcp, interface: eth0, pol: 10.0.0.2-10.0.0.2, lease-time: 1h}
  - {name: h1, role: host}
links:
  - {a: r1 10.0.0.1/30, b: h1 10.0.0.2/30}
`,
		want: []string{
			"w.yaml:5:9: dhcp service is missing required field \"iface\" (the interface it serves, e.g. iface: lan0)",
			"w.yaml:5:9: dhcp service is missing required field \"pool\" (the addresses it leases, e.g. pool: 192.168.1.100-192.168.1.199)",
			"w.yaml:6:29: bad interface name \"lan 0\": use letters, digits, '-', '_' and '.', starting with a letter or digit",
			"w.yaml:7:21: \"iface\" belongs to a dhcp service, not web",
			"w.yaml:7:34: \"pool\" belongs to a dhcp service, not web",
			"w.yaml:7:59: \"lease\" belongs to a dhcp service, not web",
			"w.yaml:8:22: unknown field \"interface\" in service (did you mean \"iface\"?)",
			"w.yaml:8:39: unknown field \"pol\" in service (did you mean \"pool\"?)",
			"w.yaml:8:63: unknown field \"lease-time\" in service (did you mean \"lease\"?)",
		},
	},
	// A dhcp service serves an interface of its node with a static address, one service per interface.
	{
		name: "dhcp-service/interfaces",
		src: `nodes:
  - name: r1
    role: router
    services:
      - {kind: dhcp, iface: lan1, pool: 10.0.0.2-10.0.0.2}
      - {kind: dhcp, iface: lan0, pool: 10.0.0.2-10.0.0.2}
      - {kind: dhcp, iface: lan0, pool: 10.0.0.2-10.0.0.2}
      - {kind: dhcp, iface: wan0, pool: 10.0.0.2-10.0.0.2}
  - name: r2
    role: router
    services: [{kind: dhcp, iface: eth0, pool: 10.0.0.2-10.0.0.2}]
  - name: h1
    role: host
    services: [{kind: dhcp, iface: eth0, pool: 10.0.0.2-10.0.0.2}]
links:
  - {name: l0, a: r1:lan0 10.0.0.1/30, b: r2 10.0.0.2/30}
  - {name: l1, a: r1:wan0 dhcp, b: r2 10.0.1.1/30}
`,
		want: []string{
			"w.yaml:5:29: node \"r1\" has no interface \"lan1\" (did you mean \"lan0\"?)",
			"w.yaml:7:29: interface r1:lan0 already has a dhcp service (at 6:29): one per interface",
			"w.yaml:8:29: interface r1:wan0 takes its address from DHCP: a dhcp service needs an interface with a static address",
			"w.yaml:14:36: node \"h1\" has no interface \"eth0\" (it is on no link or LAN)",
			"w.yaml:17:19: r1:wan0 takes its address from DHCP, but no node on link \"l1\" runs a dhcp service on it (add services: [{kind: dhcp, iface: eth1, pool: ...}] to r2)",
		},
	},
	// Pools: FIRST-LAST inside the interface's subnet, without its network and broadcast address, with room for the clients; leases of whole seconds.
	{
		name: "dhcp-service/pools",
		src: `nodes:
  - name: r1
    role: router
    services:
      - {kind: dhcp, iface: a, pool: 192.168.1.0/24}
      - {kind: dhcp, iface: b, pool: 192.168.2.100-192.168.2.x}
      - {kind: dhcp, iface: c, pool: 192.168.3.200-192.168.3.100}
      - {kind: dhcp, iface: d, pool: 192.168.5.1-192.168.5.9}
      - {kind: dhcp, iface: e, pool: 192.168.5.0-192.168.5.9}
      - {kind: dhcp, iface: f, pool: 192.168.6.250-192.168.6.255}
      - {kind: dhcp, iface: g, pool: 192.168.7.1-192.168.7.2, lease: 500ms}
      - {kind: dhcp, iface: h, pool: 192.168.8.2-192.168.8.9, lease: 2000000h}
      - {kind: dhcp, iface: i, pool: 192.168.9.2-192.168.9.9, lease: 0s}
  - {name: h1, role: host}
  - {name: h2, role: host}
lans:
  - {name: a, members: [r1:a 192.168.1.1/24, h1 192.168.1.2/24]}
  - {name: b, members: [r1:b 192.168.2.1/24, h1 192.168.2.2/24]}
  - {name: c, members: [r1:c 192.168.3.1/24, h1 192.168.3.2/24]}
  - {name: d, members: [r1:d 192.168.4.1/24, h1 192.168.4.2/24]}
  - {name: e, members: [r1:e 192.168.5.1/24, h1 192.168.5.2/24]}
  - {name: f, members: [r1:f 192.168.6.1/24, h1 192.168.6.2/24]}
  - {name: g, members: [r1:g 192.168.7.1/24, h1 dhcp, h2 dhcp]}
  - {name: h, members: [r1:h 192.168.8.1/24, h1 192.168.8.2/24]}
  - {name: i, members: [r1:i 192.168.9.1/24, h1 192.168.9.2/24]}
`,
		want: []string{
			"w.yaml:5:38: bad pool \"192.168.1.0/24\": expected FIRST-LAST, two IPv4 addresses, e.g. 192.168.1.100-192.168.1.199",
			"w.yaml:6:38: bad pool \"192.168.2.100-192.168.2.x\": \"192.168.2.x\" is not an IPv4 address (expected FIRST-LAST, two IPv4 addresses, e.g. 192.168.1.100-192.168.1.199)",
			"w.yaml:7:38: bad pool \"192.168.3.200-192.168.3.100\": the first address is after the last (write the lower one first: 192.168.3.100-192.168.3.200)",
			"w.yaml:8:38: pool 192.168.5.1-192.168.5.9 is not inside 192.168.4.0/24, the subnet of r1:d (192.168.4.1/24)",
			"w.yaml:9:38: pool 192.168.5.0-192.168.5.9 holds the network address 192.168.5.0 of 192.168.5.0/24 (start it at 192.168.5.1 or later)",
			"w.yaml:10:38: pool 192.168.6.250-192.168.6.255 holds the broadcast address 192.168.6.255 of 192.168.6.0/24 (end it at 192.168.6.254 or earlier)",
			"w.yaml:11:38: pool 192.168.7.1-192.168.7.2 has 1 free address for 2 interfaces on LAN \"g\" that take their address from DHCP",
			"w.yaml:11:70: lease \"500ms\" is shorter than 1s (DHCP counts leases in whole seconds)",
			"w.yaml:12:70: lease \"2000000h\" is too long (DHCP leases last at most 4294967294s, about 136 years)",
			"w.yaml:13:70: lease must be greater than 0, got \"0s\"",
		},
	},
	// NAT on routers only, between two different interfaces of the node, the inside one statically addressed.
	{
		name: "nat/placement",
		src: `nodes:
  - {name: h1, role: host, nat: {inside: eth0, outside: eth1}}
  - {name: r1, role: router, nat: {inside: lan0, outside: lan0}}
  - {name: r2, role: router, nat: {inside: lan1, outside: wan1}}
  - {name: r3, role: router, nat: {inside: wan0, outside: lan0}}
  - {name: r4, role: router, nat: {outside: eth0}}
  - {name: r5, role: router, nat: {inside: eth0, outside: eth1, filtering: full-cone, udp-timeout: 0s, icmp-timeout: -1s, tcp-timeout: 1h}}
  - {name: r6, role: router, nat: on}
links:
  - {a: h1 10.0.0.1/30, b: r1:lan0 10.0.0.2/30}
  - {a: h1 10.0.1.1/30, b: r2:lan0 10.0.1.2/30}
  - {a: r3:wan0 dhcp, b: r2:wan0 10.0.2.2/30}
  - {a: r3:lan0 10.0.3.1/30, b: r4 10.0.3.2/30}
  - {name: l4, a: r5 10.0.4.1/30, b: r6 10.0.4.2/30}
  - {name: l5, a: r5 10.0.5.1/30, b: r6 10.0.5.2/30}
`,
		want: []string{
			"w.yaml:2:28: nat needs a router, but \"h1\" is a host (use a router role such as home-router)",
			"w.yaml:3:59: inside and outside are both \"lan0\": a NAT translates between two interfaces",
			"w.yaml:4:44: node \"r2\" has no interface \"lan1\" (did you mean \"lan0\"?)",
			"w.yaml:4:59: node \"r2\" has no interface \"wan1\" (did you mean \"wan0\"?)",
			"w.yaml:5:44: inside interface r3:wan0 takes its address from DHCP: the inside network needs a static address (e.g. 192.168.1.1/24)",
			"w.yaml:6:35: nat is missing required field \"inside\" (the interface towards the private network, e.g. inside: lan0)",
			"w.yaml:7:76: unknown NAT filtering behaviour \"full-cone\" (valid NAT filtering behaviours: endpoint-independent, address-dependent)",
			"w.yaml:7:100: udp-timeout must be greater than 0, got \"0s\"",
			"w.yaml:7:118: icmp-timeout must be greater than 0, got \"-1s\"",
			"w.yaml:7:123: unknown field \"tcp-timeout\" in nat (did you mean \"tcp-established-timeout\"?)",
			"w.yaml:8:35: nat must be a mapping (e.g. {inside: lan0, outside: wan0}), got the string \"on\"",
			"w.yaml:12:9: r3:wan0 takes its address from DHCP, but no node on link \"r3--r2\" runs a dhcp service on it (add services: [{kind: dhcp, iface: wan0, pool: ...}] to r2)",
		},
	},
	// Port forwards: "PROTO PORT ADDR:PORT", unique per protocol and port, into the inside network.
	{
		name: "nat/forwards",
		src: `nodes:
  - name: r1
    role: home-router
    nat:
      inside: lan0
      outside: wan0
      forwards:
        - tcp 8080 192.168.1.10:80
        - sctp 80 192.168.1.10:80
        - tcp 0 192.168.1.10:80
        - tcp 99999 192.168.1.10:80
        - tcp 81 192.168.1.10
        - tcp 82 192.168.1.10:0
        - tcp 83 fe80::1:80
        - tcp 8080 -> 192.168.1.10:80
        - {proto: tcp, port: 84}
        - TCP 8080 192.168.1.11:80
        - udp 8080 10.0.0.9:80
        - udp 53 192.168.1.255:53
        - udp 54 192.168.1.0:53
  - {name: h1, role: host}
links:
  - {name: inside, a: r1:lan0 192.168.1.1/24, b: h1 192.168.1.10/24}
  - {name: outside, a: r1:wan0 10.0.0.1/30, b: h1 10.0.0.2/30}
`,
		want: []string{
			"w.yaml:9:11: bad forward \"sctp 80 192.168.1.10:80\": protocol must be tcp or udp, got \"sctp\" (expected \"PROTO PORT ADDR:PORT\", e.g. \"tcp 8080 192.168.1.10:80\")",
			"w.yaml:10:15: bad forward \"tcp 0 192.168.1.10:80\": public port must be a number from 1 to 65535, got \"0\" (expected \"PROTO PORT ADDR:PORT\", e.g. \"tcp 8080 192.168.1.10:80\")",
			"w.yaml:11:15: bad forward \"tcp 99999 192.168.1.10:80\": public port must be a number from 1 to 65535, got \"99999\" (expected \"PROTO PORT ADDR:PORT\", e.g. \"tcp 8080 192.168.1.10:80\")",
			"w.yaml:12:18: bad forward \"tcp 81 192.168.1.10\": \"192.168.1.10\" is not an inside IPv4 address and port ADDR:PORT, e.g. 192.168.1.10:80",
			"w.yaml:13:31: bad forward \"tcp 82 192.168.1.10:0\": inside port must be a number from 1 to 65535, got \"0\" (expected \"PROTO PORT ADDR:PORT\", e.g. \"tcp 8080 192.168.1.10:80\")",
			"w.yaml:14:18: bad forward \"tcp 83 fe80::1:80\": \"fe80::1:80\" is not an inside IPv4 address and port ADDR:PORT, e.g. 192.168.1.10:80",
			"w.yaml:15:11: bad forward \"tcp 8080 -> 192.168.1.10:80\": expected \"PROTO PORT ADDR:PORT\", e.g. \"tcp 8080 192.168.1.10:80\"",
			"w.yaml:16:11: forward must be a string \"PROTO PORT ADDR:PORT\" (e.g. \"tcp 8080 192.168.1.10:80\"), got a mapping",
			"w.yaml:17:11: tcp port 8080 is forwarded twice (first at 8:11)",
			"w.yaml:18:11: udp port 8080 is forwarded to 10.0.0.9, outside the inside network 192.168.1.0/24 (of r1:lan0)",
			"w.yaml:19:11: udp port 53 is forwarded to 192.168.1.255, the broadcast address of 192.168.1.0/24",
			"w.yaml:20:11: udp port 54 is forwarded to 192.168.1.0, the network address of 192.168.1.0/24",
		},
	},
	// Members written r1:lan0 ... in a flow list inside a flow mapping (read by goccy/go-yaml as mappings) are read as written; errors in them point at the member.
	{
		name: "lan/flow-style-errors",
		src: `nodes:
  - {name: r1, role: router}
  - {name: h1, role: host}
lans:
  - {name: x, members: [r1:lan0 10.0.0.1/33, h1:eth:0 dhcp, {node: h1, addr: Dhcp}]}
`,
		want: []string{
			"w.yaml:5:25: bad address \"10.0.0.1/33\": prefix length must be a number from 0 to 32",
			"w.yaml:5:46: bad interface name \"eth:0\": use letters, digits, '-', '_' and '.', starting with a letter or digit",
			"w.yaml:5:68: node \"h1\" is already a member of LAN \"x\" (at 5:46); a node joins a LAN once",
			"w.yaml:5:78: bad address \"Dhcp\" (did you mean \"dhcp\"?)",
		},
	},
}

func TestParseHomeErrors(t *testing.T) {
	for _, c := range homeErrorCases {
		t.Run(c.name, func(t *testing.T) {
			s, err := Parse("w.yaml", []byte(c.src))
			if err == nil {
				t.Fatalf("Parse succeeded, want errors:\n%s", strings.Join(c.want, "\n"))
			}
			if s != nil {
				t.Errorf("Parse returned a scenario along with errors")
			}
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("error is %T, want ErrorList", err)
			}
			if got := err.Error(); got != strings.Join(c.want, "\n") {
				t.Errorf("errors:\n%s\nwant:\n%s", got, strings.Join(c.want, "\n"))
			}
		})
	}
}

// TestHomeJSON checks the JSON of the new keys: an end addressed by DHCP
// has "dhcp" and no "addr"; pools, leases, forwards and LANs have
// snake_case keys.
func TestHomeJSON(t *testing.T) {
	s, err := Parse("home.yaml", []byte(homeYAML))
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(WithoutPositions(s))
	if err != nil {
		t.Fatal(err)
	}
	out := string(b)
	for _, want := range []string{
		`{"node":"laptop","iface":"wlan0","dhcp":true}`,
		`{"node":"router","iface":"lan0","addr":"192.168.1.1/24"}`,
		`"lans":[{"name":"home-wifi","kind":"wifi","members":[`,
		`"rate_bps":300000000,"delay_ns":500000,"jitter_ns":750000,"loss":0.001,"mtu":1492}]`,
		`{"kind":"dhcp","iface":"lan0","pool_start":"192.168.1.100","pool_end":"192.168.1.199","lease_ns":3600000000000}`,
		`"nat":{"inside":"lan0","outside":"wan0","filtering":"address-dependent","forwards":[{"proto":"tcp","port":8080,"to":"192.168.1.10:80"},{"proto":"udp","port":5000,"to":"192.168.1.10:5000"}],"udp_timeout_ns":300000000000,"tcp_established_timeout_ns":3600000000000,"tcp_transitory_timeout_ns":120000000000,"icmp_timeout_ns":30000000000}`,
		`"cost":0,"ethernet":true}`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("JSON lacks %s:\n%s", want, out)
		}
	}
	// Keys of other kinds of service stay out of the JSON.
	s, err = Parse("tiny.yaml", []byte(exampleYAML))
	if err != nil {
		t.Fatal(err)
	}
	b, _ = json.Marshal(WithoutPositions(s))
	for _, bad := range []string{`"lans"`, `"ethernet"`, `"dhcp"`, `"nat"`} {
		if strings.Contains(string(b), bad) {
			t.Errorf("JSON of a world without them holds %s:\n%s", bad, b)
		}
	}
}

// TestHomeReference checks that the reference documents the new keys.
func TestHomeReference(t *testing.T) {
	ref := Reference()
	for _, want := range []string{
		"## lans[]", "## nodes[].nat", "## links[].a, links[].b, lans[].members[]",
		"| `ethernet` | true or false |", "| `kind` | one of switch, wifi |", "one of dns, resolver, web, dhcp",
		"| `filtering` | one of endpoint-independent, address-dependent |", "Default: endpoint-independent.",
		"`pool_start`, `pool_end`", "`addr`, `dhcp`", "`queue_packets`, `queue_bytes`", `"NODE[:IFACE] dhcp"`,
	} {
		if !strings.Contains(ref, want) {
			t.Errorf("reference lacks %q", want)
		}
	}
}

// TestHomeKeysAbsent checks that a world without the new keys
// parses as before: no LANs, no Ethernet, no DHCP.
func TestHomeKeysAbsent(t *testing.T) {
	s, err := Parse("tiny.yaml", []byte(exampleYAML))
	if err != nil {
		t.Fatal(err)
	}
	if s.LANs != nil || s.Links[0].Ethernet || s.Links[0].A.DHCP || s.Nodes[1].NAT != nil {
		t.Errorf("new keys set in %s", dump(s))
	}
}

// TestPackageDocExample parses the example of the package documentation,
// which shows the home network keys, so that it stays valid.
func TestPackageDocExample(t *testing.T) {
	src, err := os.ReadFile("scenario.go")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	in := false
	for _, line := range strings.Split(string(src), "\n") {
		text, ok := strings.CutPrefix(line, "//\t")
		if !ok {
			if in {
				break
			}
			continue
		}
		in = true
		b.WriteString(text + "\n")
	}
	s, err := Parse("doc.yaml", []byte(b.String()))
	if err != nil {
		t.Fatalf("%v\nin:\n%s", err, b.String())
	}
	if len(s.LANs) != 1 || !s.LANs[0].Members[1].DHCP || s.Nodes[2].NAT == nil || len(s.Events) != 2 {
		t.Errorf("package example parsed as %s", dump(s))
	}
}
