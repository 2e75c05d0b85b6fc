package wire

import "strconv"

// ICMPText describes an ICMP message's type and code in a few lower-case
// words, as tcpdump does ("net unreachable", "time exceeded",
// "fragmentation needed, mtu 1400"). Queries (echo) are described by type
// alone; their identifier and sequence number are the caller's to add. It
// is the one place hops words ICMP types and codes; tools with their own
// wording (ping's "Destination Net Unreachable", traceroute's "!N") keep
// theirs beside their output code.
func ICMPText(typ, code uint8, mtu uint16) string {
	switch typ {
	case ICMPEchoRequest:
		return "echo request"
	case ICMPEchoReply:
		return "echo reply"
	case ICMPTimeExceeded:
		switch code {
		case ICMPTTLExceeded:
			return "time exceeded"
		case ICMPFragReassemblyExceeded:
			return "fragment reassembly time exceeded"
		}
		return "time exceeded code " + strconv.Itoa(int(code))
	case ICMPDestUnreachable:
		switch code {
		case ICMPNetUnreachable:
			return "net unreachable"
		case ICMPHostUnreachable:
			return "host unreachable"
		case ICMPProtoUnreachable:
			return "protocol unreachable"
		case ICMPPortUnreachable:
			return "port unreachable"
		case ICMPFragNeeded:
			return "fragmentation needed, mtu " + strconv.Itoa(int(mtu))
		}
		return "unreachable code " + strconv.Itoa(int(code))
	}
	return "icmp type " + strconv.Itoa(int(typ)) + " code " + strconv.Itoa(int(code))
}
