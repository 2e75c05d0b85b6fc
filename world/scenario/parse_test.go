package scenario

import (
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// exampleYAML is the example from the package documentation.
const exampleYAML = `name: tiny
nodes:
  - name: laptop
    role: laptop
  - {name: r1, role: router}
  - {name: server, role: server}
links:
  - a: laptop 192.168.1.100/24          # compact form: "NODE[:IFACE] ADDR/LEN"
    b: r1:lan0 192.168.1.1/24
    rate: 100Mbps
    delay: 2ms
  - name: core
    a: {node: r1, iface: wan0, addr: 198.18.0.1/30}   # mapping form
    b: {node: server, addr: 198.18.0.2/30}
    rate: 1Gbps
    delay: 10ms
    queue: 100 packets        # or a size: "64KB"
    mtu: 1500
    loss: 10%
    burst-loss: {p: 1%, r: 25%, loss-bad: 100%, loss-good: 0%}
    duplicate: 0.5%
    reorder: 1%
    reorder-delay: 2ms
    jitter: 1ms
    corrupt: 0.1%
    cost: 10
events:
  - {at: 2s, down: core}
  - {at: 5s, up: core}
`

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }

// TestParseExample checks every field of the documented example,
// positions included.
func TestParseExample(t *testing.T) {
	got, err := Parse("tiny.yaml", []byte(exampleYAML))
	if err != nil {
		t.Fatal(err)
	}
	want := &Scenario{
		File: "tiny.yaml",
		Name: "tiny",
		Nodes: []Node{
			{Name: "laptop", Role: RoleLaptop, Pos: Pos{3, 5}},
			{Name: "r1", Role: RoleRouter, Pos: Pos{5, 5}},
			{Name: "server", Role: RoleServer, Pos: Pos{6, 5}},
		},
		Links: []Link{
			{
				Name:         "laptop--r1",
				A:            Endpoint{Node: "laptop", Iface: "eth0", Addr: pfx("192.168.1.100/24"), Pos: Pos{8, 8}},
				B:            Endpoint{Node: "r1", Iface: "lan0", Addr: pfx("192.168.1.1/24"), Pos: Pos{9, 8}},
				RateBps:      100_000_000,
				Delay:        2 * time.Millisecond,
				QueuePackets: 1000,
				MTU:          1500,
				Pos:          Pos{8, 5},
			},
			{
				Name:         "core",
				A:            Endpoint{Node: "r1", Iface: "wan0", Addr: pfx("198.18.0.1/30"), Pos: Pos{13, 8}},
				B:            Endpoint{Node: "server", Iface: "eth0", Addr: pfx("198.18.0.2/30"), Pos: Pos{14, 8}},
				RateBps:      1_000_000_000,
				Delay:        10 * time.Millisecond,
				QueuePackets: 100,
				MTU:          1500,
				Loss:         0.1,
				Burst:        &GilbertElliott{P: 0.01, R: 0.25, LossGood: 0, LossBad: 1},
				Duplicate:    0.005,
				Reorder:      0.01,
				ReorderDelay: 2 * time.Millisecond,
				Jitter:       time.Millisecond,
				Corrupt:      0.001,
				Cost:         10,
				Pos:          Pos{12, 5},
			},
		},
		Events: []Event{
			{At: 2 * time.Second, Link: "core", Up: false, Pos: Pos{28, 5}},
			{At: 5 * time.Second, Link: "core", Up: true, Pos: Pos{29, 5}},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Parse:\n got %+v\nwant %+v", dump(got), dump(want))
	}
}

// dump formats a scenario readably for failure messages.
func dump(s *Scenario) string {
	var b strings.Builder
	b.WriteString("{File:" + s.File + " Name:" + s.Name + "\n")
	for _, n := range s.Nodes {
		b.WriteString("  node " + strings.TrimSpace(sprint(n)) + "\n")
	}
	for _, l := range s.Links {
		b.WriteString("  link " + sprint(l))
		if l.Burst != nil {
			b.WriteString(" burst=" + sprint(*l.Burst))
		}
		b.WriteString("\n")
	}
	for _, e := range s.Events {
		b.WriteString("  event " + sprint(e) + "\n")
	}
	return b.String() + "}"
}

// noPos returns a copy of s with all positions cleared.
func noPos(s *Scenario) *Scenario {
	c := *s
	c.Nodes = append([]Node(nil), s.Nodes...)
	c.Links = append([]Link(nil), s.Links...)
	c.Events = append([]Event(nil), s.Events...)
	for i := range c.Nodes {
		c.Nodes[i].Pos = Pos{}
	}
	for i := range c.Links {
		c.Links[i].Pos, c.Links[i].A.Pos, c.Links[i].B.Pos = Pos{}, Pos{}, Pos{}
	}
	for i := range c.Events {
		c.Events[i].Pos = Pos{}
	}
	return &c
}

// link returns a link with Parse's defaults, for expectations.
func link(name, a, ai, aaddr, b, bi, baddr string) Link {
	return Link{
		Name:         name,
		A:            Endpoint{Node: a, Iface: ai, Addr: pfx(aaddr)},
		B:            Endpoint{Node: b, Iface: bi, Addr: pfx(baddr)},
		QueuePackets: DefaultQueuePackets,
		MTU:          DefaultMTU,
	}
}

// with applies f to a copy of l.
func with(l Link, f func(*Link)) Link {
	f(&l)
	return l
}

func TestParseValid(t *testing.T) {
	twoRouters := []Node{{Name: "r1", Role: RoleRouter}, {Name: "r2", Role: RoleRouter}}
	tests := []struct {
		name string
		file string
		src  string
		want *Scenario // positions are not compared
	}{
		{
			name: "minimal",
			file: "dir/one-node.yaml",
			src:  "nodes: [{name: h, role: host}]\n",
			want: &Scenario{File: "dir/one-node.yaml", Name: "one-node", Nodes: []Node{{Name: "h", Role: RoleHost}}},
		},
		{
			name: "all-roles",
			file: "r.yaml",
			src: `name: roles
nodes:
  - {name: a, role: host}
  - {name: b, role: laptop}
  - {name: c, role: server}
  - {name: d, role: dns}
  - {name: e, role: resolver}
  - {name: f, role: router}
  - {name: g, role: home-router}
  - {name: h, role: isp}
  - {name: i, role: backbone}
  - {name: j, role: ixp}
  - {name: k, role: datacenter}
links: []
events: []
`,
			want: &Scenario{File: "r.yaml", Name: "roles", Nodes: []Node{
				{Name: "a", Role: RoleHost}, {Name: "b", Role: RoleLaptop}, {Name: "c", Role: RoleServer},
				{Name: "d", Role: RoleDNS}, {Name: "e", Role: RoleResolver}, {Name: "f", Role: RoleRouter},
				{Name: "g", Role: RoleHomeRouter}, {Name: "h", Role: RoleISP}, {Name: "i", Role: RoleBackbone},
				{Name: "j", Role: RoleIXP}, {Name: "k", Role: RoleDatacenter},
			}},
		},
		{
			// Unnamed interfaces get eth0, eth1, ... in order of
			// appearance, skipping names given explicitly anywhere.
			name: "interface-names",
			src: `nodes:
  - {name: r1, role: router}
  - {name: r2, role: router}
  - {name: r3, role: router}
links:
  - {a: r1 10.0.0.1/30, b: r2 10.0.0.2/30}
  - {a: r1:eth0 10.0.1.1/30, b: r3:uplink 10.0.1.2/30}
  - {a: r2 10.0.2.1/30, b: r1 10.0.2.2/30}
  - {a: r3 10.0.3.1/31, b: r1:eth3 10.0.3.0/31}
`,
			want: &Scenario{
				Nodes: []Node{{Name: "r1", Role: RoleRouter}, {Name: "r2", Role: RoleRouter}, {Name: "r3", Role: RoleRouter}},
				Links: []Link{
					link("r1--r2", "r1", "eth1", "10.0.0.1/30", "r2", "eth0", "10.0.0.2/30"),
					link("r1--r3", "r1", "eth0", "10.0.1.1/30", "r3", "uplink", "10.0.1.2/30"),
					link("r2--r1", "r2", "eth1", "10.0.2.1/30", "r1", "eth2", "10.0.2.2/30"),
					link("r3--r1", "r3", "eth0", "10.0.3.1/31", "r1", "eth3", "10.0.3.0/31"),
				},
			},
		},
		{
			name: "queue-forms-and-defaults",
			src: `nodes: [{name: r1, role: router}, {name: r2, role: router}]
links:
  - {name: a, a: r1 10.0.0.1/30, b: r2 10.0.0.2/30, queue: 100}
  - {name: b, a: r1 10.0.1.1/30, b: r2 10.0.1.2/30, queue: 64KB}
  - {name: c, a: r1 10.0.2.1/30, b: r2 10.0.2.2/30, queue: {packets: 10, bytes: 1MiB}}
  - {name: d, a: r1 10.0.3.1/30, b: r2 10.0.3.2/30, queue: "1 packet", mtu: 9000}
  - {name: e, a: r1 10.0.4.1/30, b: r2 10.0.4.2/30, queue: 1500 bytes, mtu: 68}
`,
			want: &Scenario{
				Nodes: twoRouters,
				Links: []Link{
					with(link("a", "r1", "eth0", "10.0.0.1/30", "r2", "eth0", "10.0.0.2/30"), func(l *Link) { l.QueuePackets = 100 }),
					with(link("b", "r1", "eth1", "10.0.1.1/30", "r2", "eth1", "10.0.1.2/30"), func(l *Link) { l.QueuePackets, l.QueueBytes = 0, 64000 }),
					with(link("c", "r1", "eth2", "10.0.2.1/30", "r2", "eth2", "10.0.2.2/30"), func(l *Link) { l.QueuePackets, l.QueueBytes = 10, 1<<20 }),
					with(link("d", "r1", "eth3", "10.0.3.1/30", "r2", "eth3", "10.0.3.2/30"), func(l *Link) { l.QueuePackets, l.MTU = 1, 9000 }),
					with(link("e", "r1", "eth4", "10.0.4.1/30", "r2", "eth4", "10.0.4.2/30"), func(l *Link) { l.QueuePackets, l.QueueBytes, l.MTU = 0, 1500, 68 }),
				},
			},
		},
		{
			name: "numbers-and-spellings",
			src: `nodes: [{name: r1, role: router}, {name: r2, role: router}]
links:
  - a: "r1 10.0.0.1/30"
    b: 'r2:e-1.x_y 10.0.0.2/30'
    rate: 1.5 Gbps
    delay: 1 ms
    jitter: 250us
    loss: 25%
    duplicate: 100 %
    reorder: 0
    corrupt: 1e-1%
    cost: 65535
    burst-loss:
      p: 0.5%
      r: "30%"
`,
			want: &Scenario{
				Nodes: twoRouters,
				Links: []Link{with(link("r1--r2", "r1", "eth0", "10.0.0.1/30", "r2", "e-1.x_y", "10.0.0.2/30"), func(l *Link) {
					l.RateBps = 1_500_000_000
					l.Delay = time.Millisecond
					l.Jitter = 250 * time.Microsecond
					l.Loss, l.Duplicate, l.Corrupt = 0.25, 1, 0.001
					l.Cost = 65535
					l.Burst = &GilbertElliott{P: 0.005, R: 0.3, LossBad: 1}
				})},
			},
		},
		{
			name: "reorder-default-delay",
			src: `nodes: [{name: r1, role: router}, {name: r2, role: router}]
links: [{a: r1 10.0.0.1/30, b: r2 10.0.0.2/30, reorder: 5%}]
`,
			want: &Scenario{
				Nodes: twoRouters,
				Links: []Link{with(link("r1--r2", "r1", "eth0", "10.0.0.1/30", "r2", "eth0", "10.0.0.2/30"), func(l *Link) {
					l.Reorder, l.ReorderDelay = 0.05, time.Millisecond
				})},
			},
		},
		{
			name: "anchors-aliases-merge",
			src: `x-wan: &wan
  rate: 1Gbps
  delay: 10ms
  loss: 1%
x-r1: &r1 r1
nodes:
  - {name: *r1, role: router}
  - {name: r2, role: router}
links:
  - <<: *wan
    a: {node: *r1, addr: 10.0.0.1/30}
    b: r2 10.0.0.2/30
    delay: 1ms
  - <<: [*wan]
    name: second
    a: !!str r1 10.0.1.1/30
    b: r2 10.0.1.2/30
events:
  - {at: 0, down: second}
  - {at: 1m30s, up: second}
`,
			want: &Scenario{
				Nodes: twoRouters,
				Links: []Link{
					with(link("r1--r2", "r1", "eth0", "10.0.0.1/30", "r2", "eth0", "10.0.0.2/30"), func(l *Link) {
						l.RateBps, l.Delay, l.Loss = 1e9, time.Millisecond, 0.01
					}),
					with(link("second", "r1", "eth1", "10.0.1.1/30", "r2", "eth1", "10.0.1.2/30"), func(l *Link) {
						l.RateBps, l.Delay, l.Loss = 1e9, 10*time.Millisecond, 0.01
					}),
				},
				Events: []Event{
					{At: 0, Link: "second", Up: false},
					{At: 90 * time.Second, Link: "second", Up: true},
				},
			},
		},
		{
			// Events keep file order; unnamed links are referred to by
			// their default name.
			name: "events-file-order",
			src: `nodes: [{name: r1, role: router}, {name: r2, role: router}]
links: [{a: r1 10.0.0.1/30, b: r2 10.0.0.2/30}]
events:
  - {at: 5s, up: r1--r2}
  - {at: 2s, down: r1--r2}
`,
			want: &Scenario{
				Nodes: twoRouters,
				Links: []Link{link("r1--r2", "r1", "eth0", "10.0.0.1/30", "r2", "eth0", "10.0.0.2/30")},
				Events: []Event{
					{At: 5 * time.Second, Link: "r1--r2", Up: true},
					{At: 2 * time.Second, Link: "r1--r2", Up: false},
				},
			},
		},
		{
			// Disjoint subnets next to each other do not overlap.
			name: "adjacent-subnets",
			src: `nodes: [{name: r1, role: router}, {name: r2, role: router}]
links:
  - {name: x, a: r1 10.0.0.1/30, b: r2 10.0.0.2/30}
  - {name: y, a: r1 10.0.0.5/30, b: r2 10.0.0.6/30}
  - {name: z, a: r1 10.0.1.1/24, b: r2 10.0.1.254/24}
`,
			want: &Scenario{
				Nodes: twoRouters,
				Links: []Link{
					link("x", "r1", "eth0", "10.0.0.1/30", "r2", "eth0", "10.0.0.2/30"),
					link("y", "r1", "eth1", "10.0.0.5/30", "r2", "eth1", "10.0.0.6/30"),
					link("z", "r1", "eth2", "10.0.1.1/24", "r2", "eth2", "10.0.1.254/24"),
				},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.file, []byte(tt.src))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			tt.want.File = tt.file
			if got = noPos(got); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse:\n got %s\nwant %s", dump(got), dump(tt.want))
			}
		})
	}
}

// TestParseKeepsHostAddress checks that addresses are not masked.
func TestParseKeepsHostAddress(t *testing.T) {
	s, err := Parse("", []byte(`nodes: [{name: a, role: host}, {name: b, role: router}]
links: [{a: a 172.16.5.77/16, b: b 172.16.0.1/16}]`))
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Links[0].A.Addr.String(); got != "172.16.5.77/16" {
		t.Errorf("A.Addr = %s, want 172.16.5.77/16", got)
	}
}

func TestParseFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "world.yaml")
	if err := os.WriteFile(path, []byte(exampleYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if s.File != path || s.Name != "tiny" || len(s.Links) != 2 {
		t.Errorf("ParseFile = %+v", s)
	}

	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("nodes: 5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = ParseFile(bad)
	if want := bad + `:1:8: "nodes" must be a list, got the integer 5`; err == nil || err.Error() != want {
		t.Errorf("ParseFile(bad) error = %v, want %s", err, want)
	}

	_, err = ParseFile(filepath.Join(dir, "missing.yaml"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ParseFile(missing) error = %v, want ErrNotExist", err)
	}
}

func TestErrorFormat(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{&Error{File: "a.yaml", Line: 3, Col: 7, Msg: "oops"}, "a.yaml:3:7: oops"},
		{&Error{Line: 3, Col: 7, Msg: "oops"}, "3:7: oops"},
		{ErrorList{{File: "f", Line: 1, Col: 2, Msg: "x"}, {File: "f", Line: 3, Col: 4, Msg: "y"}}, "f:1:2: x\nf:3:4: y"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
	var e *Error
	if !errors.As(ErrorList{{Msg: "x"}}, &e) || e.Msg != "x" {
		t.Errorf("errors.As(ErrorList, *Error) failed")
	}
}

// TestErrorsSortedAndCapped checks ordering, de-duplication and the cap
// on the number of errors.
func TestErrorsSortedAndCapped(t *testing.T) {
	var b strings.Builder
	b.WriteString("nodes:\n")
	for i := range 150 {
		b.WriteString("  - {name: n" + strconv.Itoa(i) + ", role: nope}\n")
	}
	_, err := Parse("big.yaml", []byte(b.String()))
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("error = %v, want ErrorList", err)
	}
	if len(list) != maxErrors+1 {
		t.Fatalf("got %d errors, want %d", len(list), maxErrors+1)
	}
	for i := 1; i < len(list); i++ {
		if list[i].Line < list[i-1].Line {
			t.Fatalf("errors not sorted: %v before %v", list[i-1], list[i])
		}
	}
	if last := list[maxErrors]; last.Msg != "too many errors (50 more not shown)" || last.Line != 102 {
		t.Errorf("last error = %v", last)
	}
}

// TestPrefixesNeverPanic parses every prefix of the example: truncated
// files must give errors or scenarios, never panics or unpositioned
// errors.
func TestPrefixesNeverPanic(t *testing.T) {
	for i := range len(exampleYAML) {
		_, err := Parse("p.yaml", []byte(exampleYAML[:i]))
		checkErr(t, exampleYAML[:i], err)
	}
}

// checkErr checks the invariants of a Parse error.
func checkErr(t *testing.T, src string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var list ErrorList
	if !errors.As(err, &list) || len(list) == 0 {
		t.Fatalf("Parse(%q) error %T %v, want non-empty ErrorList", src, err, err)
	}
	for _, e := range list {
		if e.Line < 1 || e.Col < 1 || e.Msg == "" || strings.Contains(e.Msg, "internal error") {
			t.Fatalf("Parse(%q): bad error %q", src, e)
		}
	}
}

func TestRole(t *testing.T) {
	for _, r := range roles {
		if !r.Valid() {
			t.Errorf("%q.Valid() = false", r)
		}
		want := map[Role]bool{RoleRouter: true, RoleHomeRouter: true, RoleISP: true, RoleBackbone: true, RoleIXP: true, RoleDatacenter: true}[r]
		if r.IsRouter() != want {
			t.Errorf("%q.IsRouter() = %v, want %v", r, r.IsRouter(), want)
		}
	}
	if Role("Router").Valid() || Role("").Valid() || Role("").IsRouter() {
		t.Errorf("invalid roles accepted")
	}
}

func sprint(v any) string { return fmt.Sprintf("%+v", v) }

// TestPathologicalInputs parses inputs that would take exponential time
// or deep recursion in a naive implementation; the test timeout catches a
// regression.
func TestPathologicalInputs(t *testing.T) {
	// Each level merges the previous one twice: 2^100 merges if repeated
	// merges of the same mapping are not skipped.
	var merge strings.Builder
	merge.WriteString("x-0: &m0 {name: r1}\n")
	for i := 1; i < 100; i++ {
		fmt.Fprintf(&merge, "x-%d: &m%d {<<: [*m%d, *m%d]}\n", i, i, i-1, i-1)
	}
	merge.WriteString("nodes: [{<<: *m99, role: router}]\n")
	if _, err := Parse("merge.yaml", []byte(merge.String())); err != nil {
		t.Errorf("merge chain: %v", err)
	}

	// Billion laughs: aliases of aliases are never expanded.
	var laughs strings.Builder
	laughs.WriteString("x-a: &l0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 30; i++ {
		p := fmt.Sprintf("*l%d", i-1)
		fmt.Fprintf(&laughs, "x-%d: &l%d [%s, %s, %s, %s, %s, %s, %s, %s, %s, %s]\n", i, i, p, p, p, p, p, p, p, p, p, p)
	}
	laughs.WriteString("nodes: [{name: *l29, role: host}]\n")
	_, err := Parse("laughs.yaml", []byte(laughs.String()))
	checkErr(t, "laughs", err)

	for _, src := range []string{
		strings.Repeat("[", 5000) + strings.Repeat("]", 5000),
		strings.Repeat("{a: ", 2000) + strings.Repeat("}", 2000),
		"nodes: &n [*n]\n",
		"x: &m {<<: *m}\nnodes: [{<<: *m}]\n",
	} {
		_, err := Parse("deep.yaml", []byte(src))
		checkErr(t, src[:min(len(src), 20)], err)
	}
}
