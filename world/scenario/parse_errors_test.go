package scenario

import (
	"errors"
	"strings"
	"testing"
)

// hdr declares three nodes on lines 1-4, so that links start on line 5 and
// line numbers in the cases below stay easy to check.
const hdr = `nodes:
  - {name: r1, role: router}
  - {name: r2, role: router}
  - {name: h1, role: host}
`

// errorCases are bad scenarios with the exact errors Parse must report for
// them. The comment before each group names the validation rule it covers.
var errorCases = []struct {
	name string
	src  string
	want []string
}{
	// 1. YAML syntax errors.
	{
		name: "syntax/unclosed-flow-mapping",
		src: `nodes:
  - {name: r1, role: router
links: []
`,
		want: []string{
			"w.yaml:3:1: YAML syntax error: ',' or '}' must be specified",
		},
	},
	{
		name: "syntax/tab-indent",
		src:  "nodes:\n\t- {name: r1, role: router}\n",
		want: []string{
			`w.yaml:2:1: YAML syntax error: found character '\t' that cannot start any token (indent with spaces: YAML does not allow tabs here)`,
		},
	},
	{
		name: "syntax/duplicate-key",
		src: `nodes:
  - name: r1
    role: router
    name: r2
`,
		want: []string{
			"w.yaml:4:5: YAML syntax error: mapping key \"name\" already defined at [2:5]",
		},
	},
	{
		name: "syntax/multiple-documents",
		src:  hdr + "---\nnodes: []\n",
		want: []string{
			"w.yaml:5:1: a scenario file must hold a single YAML document, found a second one",
		},
	},
	// 2. Unknown keys.
	{
		name: "unknown-key/link-typo",
		src: hdr + `links:
  - a: r1 10.0.0.1/30
    b: r2 10.0.0.2/30
    dealy: 5ms
`,
		want: []string{
			"w.yaml:8:5: unknown field \"dealy\" in link (did you mean \"delay\"?)",
		},
	},
	{
		name: "unknown-key/no-hint",
		src: hdr + `links:
  - {a: r1 10.0.0.1/30, b: r2 10.0.0.2/30, colour: red}
`,
		want: []string{
			"w.yaml:6:44: unknown field \"colour\" in link (known fields: name, a, b, rate, delay, queue, mtu, loss, burst-loss, duplicate, reorder, reorder-delay, jitter, corrupt, cost, ethernet)",
		},
	},
	{
		name: "unknown-key/synonym",
		src: hdr + `links:
  - {a: r1 10.0.0.1/30, b: r2 10.0.0.2/30, latency: 5ms}
`,
		want: []string{
			"w.yaml:6:44: unknown field \"latency\" in link (did you mean \"delay\"?)",
		},
	},
	{
		name: "unknown-key/top-level",
		src:  "nodse:\n  - {name: r1, role: router}\n",
		want: []string{
			"w.yaml:1:1: unknown field \"nodse\" in scenario (did you mean \"nodes\"?)",
		},
	},
	{
		name: "unknown-key/node-endpoint-event-burst",
		src: `nodes:
  - {name: r1, role: router, type: x}
  - {name: r2, role: router}
links:
  - name: l
    a: {node: r1, address: 10.0.0.1/30}
    b: r2 10.0.0.2/30
    burst-loss: {p: 1%, r: 10%, q: 1}
events:
  - {at: 1s, down: l, why: test}
`,
		want: []string{
			"w.yaml:2:30: unknown field \"type\" in node (did you mean \"role\"?)",
			"w.yaml:6:19: unknown field \"address\" in endpoint (did you mean \"addr\"?)",
			"w.yaml:8:33: unknown field \"q\" in burst-loss (known fields: p, r, loss-bad, loss-good)",
			"w.yaml:10:23: unknown field \"why\" in event (known fields: at, down, up)",
		},
	},
	// 3. Missing required fields.
	{
		name: "missing/node-name-and-role",
		src: `nodes:
  - role: router
  - {name: r2}
`,
		want: []string{
			"w.yaml:2:5: node is missing required field \"name\"",
			"w.yaml:3:5: node \"r2\" is missing required field \"role\" (one of: host, laptop, server, dns, resolver, router, home-router, isp, backbone, ixp, datacenter)",
		},
	},
	{
		name: "missing/link-endpoint",
		src: hdr + `links:
  - a: r1 10.0.0.1/30
    rate: 1Gbps
`,
		want: []string{
			"w.yaml:6:5: link is missing required field \"b\" (e.g. b: \"r1:eth0 10.0.0.2/30\")",
		},
	},
	{
		name: "missing/nodes",
		src:  "name: x\n",
		want: []string{
			"w.yaml:1:1: scenario is missing required field \"nodes\" (the list of hosts and routers)",
		},
	},
	{
		name: "missing/endpoint-mapping-fields",
		src: hdr + `links:
  - a: {iface: e0}
    b: {node: r2}
`,
		want: []string{
			"w.yaml:6:8: endpoint is missing required field \"node\"",
			"w.yaml:6:8: endpoint is missing required field \"addr\" (e.g. addr: 10.0.0.1/30)",
			"w.yaml:7:8: endpoint is missing required field \"addr\" (e.g. addr: 10.0.0.1/30)",
		},
	},
	{
		name: "missing/burst-p-r",
		src: hdr + `links:
  - {a: r1 10.0.0.1/30, b: r2 10.0.0.2/30, burst-loss: {loss-bad: 50%}}
`,
		want: []string{
			"w.yaml:6:56: burst-loss is missing required field \"p\" (probability of going from the good to the bad state)",
			"w.yaml:6:56: burst-loss is missing required field \"r\" (probability of going from the bad back to the good state)",
		},
	},
	// 4. Duplicate node names.
	{
		name: "duplicate-node",
		src: `nodes:
  - {name: r1, role: router}
  - {name: r1, role: host}
`,
		want: []string{
			"w.yaml:3:12: duplicate node name \"r1\" (first defined at 2:12)",
		},
	},
	// 5. Unknown roles.
	{
		name: "unknown-role",
		src: `nodes:
  - {name: r1, role: rooter}
  - {name: r2, role: toaster}
`,
		want: []string{
			"w.yaml:2:22: unknown role \"rooter\" (did you mean \"router\"?)",
			"w.yaml:3:22: unknown role \"toaster\" (valid roles: host, laptop, server, dns, resolver, router, home-router, isp, backbone, ixp, datacenter)",
		},
	},
	// 6. Endpoints naming unknown nodes.
	{
		name: "unknown-node",
		src: hdr + `links:
  - {name: x, a: r1 10.0.0.1/30, b: h2 10.0.0.2/30}
  - {name: y, a: zebra 10.0.1.1/30, b: r2 10.0.1.2/30}
`,
		want: []string{
			"w.yaml:6:37: unknown node \"h2\" (not defined in \"nodes\")",
			"w.yaml:7:18: unknown node \"zebra\" (not defined in \"nodes\")",
		},
	},
	// 7. Links from a node to itself.
	{
		name: "self-link",
		src: hdr + `links:
  - a: r1:e0 10.0.0.1/30
    b: r1:e1 10.0.0.2/30
`,
		want: []string{
			"w.yaml:7:8: link connects node \"r1\" to itself",
		},
	},
	// 8. Bad addresses.
	{
		name: "address/syntax",
		src: hdr + `links:
  - {name: x, a: r1 10.0.0.300/30, b: r2 10.0.0.2/33}
  - {name: y, a: r1 10.0.2.1, b: r2 2001:db8::1/64}
`,
		want: []string{
			"w.yaml:6:21: bad address \"10.0.0.300/30\": \"10.0.0.300\" is not an IPv4 address",
			"w.yaml:6:42: bad address \"10.0.0.2/33\": prefix length must be a number from 0 to 32",
			"w.yaml:7:21: address \"10.0.2.1\" is missing a prefix length (e.g. 10.0.2.1/24)",
			"w.yaml:7:37: bad address \"2001:db8::1/64\": only IPv4 addresses are supported",
		},
	},
	{
		name: "address/network-broadcast",
		src: hdr + `links:
  - {name: x, a: r1 10.0.1.0/24, b: r2 10.0.1.255/24}
`,
		want: []string{
			"w.yaml:6:21: address 10.0.1.0/24 is the network address of 10.0.1.0/24 (use a host address, e.g. 10.0.1.1/24)",
			"w.yaml:6:40: address 10.0.1.255/24 is the broadcast address of 10.0.1.0/24 (use a host address, e.g. 10.0.1.254/24)",
		},
	},
	{
		name: "address/special",
		src: hdr + `links:
  - {name: x, a: "r1 127.0.0.1/8", b: 'r2   224.0.0.1/4'}
  - a: {node: r1, addr: 0.0.0.0/30}
    b: {node: r2, addr: 255.255.255.254/30}
`,
		want: []string{
			"w.yaml:6:22: address 127.0.0.1/8 is a loopback address (127.0.0.0/8) and cannot be used on a link",
			"w.yaml:6:45: address 224.0.0.1/4 is a multicast address (224.0.0.0/4) and cannot be assigned to an interface",
			"w.yaml:7:25: address 0.0.0.0/30 is the unspecified address and cannot be assigned to an interface",
			"w.yaml:8:25: address 255.255.255.254/30 is reserved (240.0.0.0/4) and cannot be assigned to an interface",
		},
	},
	{
		name: "address/compact-form",
		src: hdr + `links:
  - {name: x, a: r1, b: 10.0.0.1/24}
  - {name: y, a: r1 10.9.0.1/30 extra, b: "r2: 10.9.0.2/30"}
  - {name: z, a: ":x 10.9.1.1/30", b: r2:eth0:1 10.9.1.2/30}
`,
		want: []string{
			"w.yaml:6:18: endpoint \"r1\" is missing an address (expected \"NODE[:IFACE] ADDR/LEN\", e.g. \"r1:eth0 10.0.0.1/30\")",
			"w.yaml:6:25: endpoint \"10.0.0.1/24\" is missing the node name (expected \"NODE[:IFACE] ADDR/LEN\", e.g. \"r1:eth0 10.0.0.1/30\")",
			"w.yaml:7:33: unexpected \"extra\" in endpoint \"r1 10.9.0.1/30 extra\" (expected \"NODE[:IFACE] ADDR/LEN\", e.g. \"r1:eth0 10.0.0.1/30\")",
			"w.yaml:7:47: endpoint \"r2: 10.9.0.2/30\" is missing the interface name after \"r2:\" (expected \"NODE[:IFACE] ADDR/LEN\", e.g. \"r1:eth0 10.0.0.1/30\")",
			"w.yaml:8:19: endpoint \":x 10.9.1.1/30\" is missing the node name before \":\" (expected \"NODE[:IFACE] ADDR/LEN\", e.g. \"r1:eth0 10.0.0.1/30\")",
			"w.yaml:8:42: bad interface name \"eth0:1\": use letters, digits, '-', '_' and '.', starting with a letter or digit",
		},
	},
	// 9. Ends of a link in different subnets.
	{
		name: "subnet/mismatch",
		src: hdr + `links:
  - {name: x, a: r1 10.0.0.1/30, b: r2 10.0.0.5/30}
  - {name: y, a: r1 10.0.1.1/24, b: r2 10.0.1.2/25}
  - {name: z, a: r1 10.0.2.1/32, b: r2 10.0.2.2/32}
`,
		want: []string{
			"w.yaml:6:40: address 10.0.0.5/30 is not in the same subnet as the other end 10.0.0.1/30 (subnet 10.0.0.0/30)",
			"w.yaml:7:40: prefix length /25 does not match /24 at the other end (10.0.1.1/24)",
			"w.yaml:8:21: prefix length /32 leaves no room for the other end of the link (use /31 or /30)",
		},
	},
	// 10. Duplicate addresses.
	{
		name: "duplicate-address",
		src: hdr + `links:
  - {name: x, a: r1 10.0.0.1/24, b: r2 10.0.0.2/24}
  - {name: y, a: r2 10.1.0.1/30, b: h1 10.1.0.1/30}
`,
		want: []string{
			"w.yaml:7:40: duplicate address 10.1.0.1 (already used by r2:eth1 at 7:21)",
		},
	},
	// 11. Overlapping subnets of different links.
	{
		name: "overlapping-subnets",
		src: hdr + `links:
  - {name: x, a: r1 10.0.0.1/30, b: r2 10.0.0.2/30}
  - {name: y, a: r2 10.0.0.9/24, b: h1 10.0.0.10/24}
  - {name: z, a: r1 10.0.0.5/30, b: h1 10.0.0.6/30}
`,
		want: []string{
			"w.yaml:7:21: subnet 10.0.0.0/24 overlaps subnet 10.0.0.0/30 of link \"x\" (at 6:21)",
			"w.yaml:8:21: subnet 10.0.0.4/30 overlaps subnet 10.0.0.0/24 of link \"y\" (at 7:21)",
		},
	},
	// 12. Bad units and values.
	{
		name: "units",
		src: hdr + `links:
  - a: r1 10.0.0.1/30
    b: r2 10.0.0.2/30
    rate: 10 Mbit
    delay: 5
    jitter: -1ms
    loss: 150%
    duplicate: 10
    queue: 64kb
    corrupt: yes
    reorder-delay: 1ms
    cost: 0
`,
		want: []string{
			"w.yaml:8:11: bad rate \"10 Mbit\": unknown unit \"Mbit\" (use bps, kbps, Mbps, Gbps)",
			"w.yaml:9:12: missing unit in duration \"5\" (e.g. 5ms)",
			"w.yaml:10:13: jitter must not be negative, got \"-1ms\"",
			"w.yaml:11:11: loss: bad probability \"150%\": must be between 0% and 100%",
			"w.yaml:12:16: duplicate: bad probability \"10\": a bare number is ambiguous; write \"10%\"",
			"w.yaml:13:12: bad queue \"64kb\": unknown unit \"kb\" (did you mean \"KB\"?)",
			"w.yaml:14:14: corrupt: bad probability \"yes\": expected a percentage (e.g. 10%)",
			"w.yaml:15:5: reorder-delay has no effect without reorder (the probability that a packet is held back)",
			"w.yaml:16:11: cost 0 out of range (must be 1..16777215; leave cost out to derive it from the delay)",
		},
	},
	{
		// Every probability needs "%": a bare 1 was once read as 100%.
		name: "units/bare-probabilities",
		src: hdr + `links:
  - a: r1 10.0.0.1/30
    b: r2 10.0.0.2/30
    loss: 1
    duplicate: 0.5
    reorder: 2
    corrupt: 0
    burst-loss: {p: 0.01, r: 25%, loss-bad: 1, loss-good: 0%}
`,
		want: []string{
			"w.yaml:8:11: loss: bad probability \"1\": a bare number is ambiguous; write \"1%\" or \"100%\"",
			"w.yaml:9:16: duplicate: bad probability \"0.5\": a bare number is ambiguous; write \"0.5%\" or \"50%\"",
			"w.yaml:10:14: reorder: bad probability \"2\": a bare number is ambiguous; write \"2%\"",
			"w.yaml:12:21: p: bad probability \"0.01\": a bare number is ambiguous; write \"0.01%\" or \"1%\"",
			"w.yaml:12:45: loss-bad: bad probability \"1\": a bare number is ambiguous; write \"1%\" or \"100%\"",
		},
	},
	{
		name: "units/more",
		src: hdr + `links:
  - a: r1 10.0.0.1/30
    b: r2 10.0.0.2/30
    rate: 0Mbps
    delay: 5 sec
    queue: 0
    reorder: 1%
    reorder-delay: 0s
    mtu: 1500B
  - a: r1 10.0.1.1/30
    b: h1 10.0.1.2/30
    rate: 100
    queue: 1000B
    burst-loss: 5%
`,
		want: []string{
			"w.yaml:8:11: rate must be greater than 0 (leave rate out for an unlimited link)",
			"w.yaml:9:12: bad duration \"5 sec\": unknown unit \"sec\" (did you mean \"s\"?)",
			"w.yaml:10:12: queue must hold at least 1 packet, got \"0\"",
			"w.yaml:12:20: reorder-delay must be greater than 0, got \"0s\"",
			"w.yaml:13:10: \"mtu\" must be an integer, got the string \"1500B\"",
			"w.yaml:16:11: missing unit in rate \"100\" (e.g. 100Mbps)",
			"w.yaml:17:12: queue of 1000 bytes is smaller than the MTU (1500): full-size packets would always be dropped",
			"w.yaml:18:17: burst-loss must be a mapping (e.g. {p: 1%, r: 25%}), got the string \"5%\"",
		},
	},
	// 13. MTU out of range.
	{
		name: "mtu",
		src: hdr + `links:
  - {name: x, a: r1 10.0.0.1/30, b: r2 10.0.0.2/30, mtu: 67}
  - {name: y, a: r1 10.0.1.1/30, b: r2 10.0.1.2/30, mtu: 99999999999999999999}
`,
		want: []string{
			"w.yaml:6:58: mtu 67 out of range (must be 68..65535)",
			"w.yaml:7:58: mtu 99999999999999999999 out of range (must be 68..65535)",
		},
	},
	// 14. Duplicate link and interface names.
	{
		name: "duplicate-link-name",
		src: hdr + `links:
  - {a: r1 10.0.0.1/30, b: r2 10.0.0.2/30}
  - {a: r1 10.0.1.1/30, b: r2 10.0.1.2/30}
  - {name: x, a: r1 10.0.2.1/30, b: h1 10.0.2.2/30}
  - {name: x, a: r2 10.0.3.1/30, b: h1 10.0.3.2/30}
`,
		want: []string{
			"w.yaml:7:5: duplicate link name \"r1--r2\" (first used at 6:5); give one of the links a \"name:\"",
			"w.yaml:9:12: duplicate link name \"x\" (first used at 8:12)",
		},
	},
	{
		name: "duplicate-interface",
		src: hdr + `links:
  - {name: x, a: r1:wan 10.0.0.1/30, b: r2 10.0.0.2/30}
  - name: y
    a: {node: r1, iface: wan, addr: 10.0.1.1/30}
    b: h1 10.0.1.2/30
`,
		want: []string{
			"w.yaml:8:26: duplicate interface \"wan\" on node \"r1\" (first used at 6:21)",
		},
	},
	// 15. Bad events.
	{
		name: "events",
		src: hdr + `links:
  - {name: core, a: r1 10.0.0.1/30, b: r2 10.0.0.2/30}
events:
  - {at: 1s, down: cor}
  - {at: 2s}
  - {at: 3s, up: core, down: core}
  - {at: -1s, down: core}
  - {down: core}
  - {at: 5, up: nothing-like-it}
`,
		want: []string{
			"w.yaml:8:20: unknown link \"cor\" in event (did you mean \"core\"?)",
			"w.yaml:9:5: event needs exactly one of \"down: LINK\" or \"up: LINK\"",
			"w.yaml:10:24: event has both \"up\" and \"down\" (use one event for each)",
			"w.yaml:11:10: event time must not be negative, got \"-1s\"",
			"w.yaml:12:5: event is missing required field \"at\" (e.g. at: 2s)",
			"w.yaml:13:10: missing unit in duration \"5\" (e.g. 5ms)",
			"w.yaml:13:17: unknown link \"nothing-like-it\" in event (links are named by \"name:\" or default to \"A--B\" after their nodes)",
		},
	},
	// 16. Values of the wrong type.
	{
		name: "types/top-level-fields",
		src: `name: [x]
nodes: 5
links: {a: b}
events: oops
`,
		want: []string{
			"w.yaml:1:7: \"name\" must be a single value, got a list",
			"w.yaml:2:8: \"nodes\" must be a list, got the integer 5",
			"w.yaml:3:8: \"links\" must be a list, got a mapping",
			"w.yaml:4:9: \"events\" must be a list, got the string \"oops\"",
		},
	},
	{
		name: "types/items",
		src: hdr + `links:
  - "r1 r2"
  - 7
  - a: 5
    b: [1]
    rate: {x: 1}
    mtu: 1500.5
events:
  - [at, 1s]
`,
		want: []string{
			"w.yaml:6:5: link must be a mapping (e.g. {a: \"r1 10.0.0.1/30\", b: \"r2 10.0.0.2/30\", rate: 100Mbps, delay: 5ms}), got the string \"r1 r2\"",
			"w.yaml:7:5: link must be a mapping (e.g. {a: \"r1 10.0.0.1/30\", b: \"r2 10.0.0.2/30\", rate: 100Mbps, delay: 5ms}), got the integer 7",
			"w.yaml:8:8: endpoint must be \"NODE[:IFACE] ADDR/LEN\" (e.g. \"r1:eth0 10.0.0.1/30\") or a mapping {node, iface, addr}, got the integer 5",
			"w.yaml:9:8: endpoint must be \"NODE[:IFACE] ADDR/LEN\" (e.g. \"r1:eth0 10.0.0.1/30\") or a mapping {node, iface, addr}, got a list",
			"w.yaml:10:11: \"rate\" must be a single value, got a mapping",
			"w.yaml:11:10: \"mtu\" must be an integer, got the number 1500.5",
			"w.yaml:13:5: event must be a mapping (e.g. {at: 2s, down: core}), got a list",
		},
	},
	{
		name: "types/top-level-list",
		src:  "- a\n- b\n",
		want: []string{
			"w.yaml:1:1: scenario must be a mapping with \"name\", \"nodes\", \"links\" and \"events\", got a list",
		},
	},
	{
		name: "types/empty-file",
		src:  "# nothing here\n",
		want: []string{
			"w.yaml:1:1: empty scenario: expected a mapping with \"nodes\", \"links\" and \"events\"",
		},
	},
	{
		name: "types/scalar-document",
		src:  "hello\n",
		want: []string{
			"w.yaml:1:1: scenario must be a mapping with \"name\", \"nodes\", \"links\" and \"events\", got the string \"hello\"",
		},
	},
	{
		name: "types/node-not-mapping",
		src:  "nodes:\n  - r1\n  -\n",
		want: []string{
			"w.yaml:2:5: node must be a mapping (e.g. {name: r1, role: router}), got the string \"r1\"",
			"w.yaml:3:5: node must be a mapping (e.g. {name: r1, role: router}), got an empty value",
		},
	},
	// Names.
	{
		name: "names",
		src: `name: ""
nodes:
  - {name: "r 1", role: router}
  - {name: -r2, role: router}
  - {name: "", role: router}
`,
		want: []string{
			"w.yaml:1:7: scenario name must not be empty",
			"w.yaml:3:12: bad node name \"r 1\": use letters, digits, '-', '_' and '.', starting with a letter or digit",
			"w.yaml:4:12: bad node name \"-r2\": use letters, digits, '-', '_' and '.', starting with a letter or digit",
			"w.yaml:5:12: node name must not be empty",
		},
	},
	// Queues.
	{
		name: "queue",
		src: hdr + `links:
  - {name: a, a: r1 10.0.0.1/30, b: r2 10.0.0.2/30, queue: -5}
  - {name: b, a: r1 10.0.1.1/30, b: r2 10.0.1.2/30, queue: 1.5 packets}
  - {name: c, a: r1 10.0.2.1/30, b: r2 10.0.2.2/30, queue: 99999999999 packets}
  - {name: d, a: r1 10.0.3.1/30, b: r2 10.0.3.2/30, queue: {packets: many, bytes: 0B}}
  - {name: e, a: r1 10.0.4.1/30, b: r2 10.0.4.2/30, queue: {}}
  - {name: f, a: r1 10.0.5.1/30, b: r2 10.0.5.2/30, queue: 10 slots}
  - {name: g, a: r1 10.0.6.1/30, b: r2 10.0.6.2/30, queue: 10 Packets}
  - {name: h, a: r1 10.0.7.1/30, b: r2 10.0.7.2/30, queue: [1]}
`,
		want: []string{
			"w.yaml:6:60: queue must hold at least 1 packet, got \"-5\"",
			"w.yaml:7:60: bad queue \"1.5 packets\": expected a packet count (e.g. 100 packets) or a size (e.g. 64KB)",
			"w.yaml:8:60: queue of 99999999999 packets is too large (at most 1073741824)",
			"w.yaml:9:70: bad queue \"many\": expected a packet count (e.g. 100 packets) or a size (e.g. 64KB)",
			"w.yaml:9:83: queue must hold at least 1 byte",
			"w.yaml:10:60: queue needs \"packets\", \"bytes\" or both",
			"w.yaml:11:60: bad queue \"10 slots\": unknown unit \"slots\" (use packets, or a size in B, KB, KiB, MB, MiB)",
			"w.yaml:12:60: bad queue \"10 Packets\": unknown unit \"Packets\" (did you mean \"packets\"?)",
			"w.yaml:13:60: \"queue\" must be a single value, got a list",
		},
	},
	// Odd YAML.
	{
		name: "odd-yaml",
		src: hdr + `? explicit
: 1
links:
  - a: |
      r1 10.0.0.1/30
    b: r2 10.0.0.2/30
    delay:
    name: this-name-is-far-too-long-to-be-useful-in-any-trace-or-message-at-all
  - {name: x, a: r1 10.0.1.1/30, b: r2 10.0.1.2/30, rate: !!float 1e9}
`,
		want: []string{
			"w.yaml:5:3: unknown field \"explicit\" in scenario (known fields: name, nodes, links, lans, events, routing, ospf, bgp, as-relationships)",
			"w.yaml:11:5: missing value for \"delay\"",
			"w.yaml:12:11: link name \"this-name-is-far-too-long-to-be-useful-i\"... is too long (at most 64 characters)",
			"w.yaml:13:66: bad rate \"1e9\": unknown unit \"e9\" (use bps, kbps, Mbps, Gbps)",
		},
	},
	// Anchors, aliases and merge keys.
	{
		name: "alias/unknown",
		src: hdr + `links:
  - {name: x, a: *nope, b: r2 10.0.1.2/30}
`,
		want: []string{
			"w.yaml:6:18: unknown alias *nope (no anchor &nope is defined before it)",
		},
	},
	{
		name: "alias/bad-merge",
		src: hdr + `x-rate: &rate 1Gbps
links:
  - <<: *rate
    a: r1 10.0.0.1/30
    b: r2 10.0.0.2/30
`,
		want: []string{
			"w.yaml:7:9: merge key \"<<\" needs a mapping or a list of mappings (e.g. <<: *defaults), got the string \"1Gbps\"",
		},
	},
	{
		name: "alias/error-inside-merged-mapping",
		src: hdr + `x-wan: &wan {rate: 1Gbps, delya: 1ms}
links:
  - <<: *wan
    a: r1 10.0.0.1/30
    b: r2 10.0.0.2/30
`,
		want: []string{
			"w.yaml:5:27: unknown field \"delya\" in link (did you mean \"delay\"?)",
		},
	},
}

func TestParseErrors(t *testing.T) {
	for _, c := range errorCases {
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
			got := strings.Split(err.Error(), "\n")
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}
