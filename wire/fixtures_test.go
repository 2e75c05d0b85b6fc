package wire

import (
	"encoding/hex"
	"net/netip"
	"strings"
)

// Byte fixtures. Unless noted, they were captured on Linux loopback
// (tshark -i lo) and the checksums confirmed by Wireshark with checksum
// validation enabled. Loopback TCP/UDP checksums are left partial by
// checksum offload, so those fields were replaced by the value Wireshark
// calculated.

var (
	loAddr = netip.MustParseAddr("127.0.0.1")

	// fixWikiIPv4Header is the IPv4 header used as the worked example of
	// the header checksum on Wikipedia ("IPv4 header checksum"):
	// 192.168.0.1 -> 192.168.0.199, UDP, TotalLen 0x73, checksum 0xb861.
	fixWikiIPv4Header = mustHex("4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7")

	// fixEchoRequest is an ICMP echo request (id 0x1234, seq 1, 56 data
	// bytes laid out as by iputils ping: 8-byte timestamp, then 0x10..0x37)
	// from 127.0.0.1 to 127.0.0.1.
	fixEchoRequest = mustHex(`
		4500 004c 7592 4000 4001 c71c 7f00 0001 7f00 0001
		0800 341b 1234 0001 673f 6f68 000b 1c2a
		1011 1213 1415 1617 1819 1a1b 1c1d 1e1f
		2021 2223 2425 2627 2829 2a2b 2c2d 2e2f
		3031 3233 3435 3637`)

	// fixEchoReply is the Linux kernel's reply to fixEchoRequest (both
	// checksums computed by the kernel).
	fixEchoReply = mustHex(`
		4500 004c 7593 0000 4001 071c 7f00 0001 7f00 0001
		0000 3c1b 1234 0001 673f 6f68 000b 1c2a
		1011 1213 1415 1617 1819 1a1b 1c1d 1e1f
		2021 2223 2425 2627 2829 2a2b 2c2d 2e2f
		3031 3233 3435 3637`)

	// fixSYN is a Linux SYN 127.0.0.1:33210 -> 127.0.0.1:5555 with options
	// MSS 65495, SACK permitted, timestamps (TSval 0x8fc0d4ce), NOP,
	// window scale 10.
	fixSYN = mustHex(`
		4500 003c 63c9 4000 4006 d8f0 7f00 0001 7f00 0001
		81ba 15b3 af9f 6b8c 0000 0000 a002 ffd7 38d6 0000
		0204 ffd7 0402 080a 8fc0 d4ce 0000 0000 0103 030a`)

	// fixSYNACK is the Linux SYN-ACK answering fixSYN.
	fixSYNACK = mustHex(`
		4500 003c 0000 4000 4006 3cba 7f00 0001 7f00 0001
		15b3 81ba 46e5 ef21 af9f 6b8d a012 ffcb d95e 0000
		0204 ffd7 0402 080a 4cbd dcad 8fc0 d4ce 0103 030a`)

	// fixPSH is the first data segment ("hello", PSH|ACK) of the same
	// connection, with NOP,NOP,timestamps.
	fixPSH = mustHex(`
		4500 0039 63cb 4000 4006 d8f1 7f00 0001 7f00 0001
		81ba 15b3 af9f 6b8d 46e5 ef22 8018 0040 bdfe 0000
		0101 080a 8fc0 d4ce 4cbd dcad
		6865 6c6c 6f`)

	// fixUDP is a UDP datagram 127.0.0.1:50448 -> 127.0.0.1:5556 carrying
	// "hops wire test".
	fixUDP = mustHex(`
		4500 002a 5485 4000 4011 e83b 7f00 0001 7f00 0001
		c510 15b4 0016 7734
		686f 7073 2077 6972 6520 7465 7374`)

	// The following were built by hand (the SACK blocks and ICMP errors
	// cannot easily be provoked on loopback) and checked with tshark, which
	// decodes them with all checksums "correct" and no expert warnings.

	// fixSACK is a duplicate ACK 10.0.0.2:80 -> 10.0.0.1:40000 with
	// NOP,NOP,timestamps and NOP,NOP,SACK carrying three blocks.
	fixSACK = mustHex(`
		4500 0050 0001 4000 4006 26a5 0a00 0002 0a00 0001
		0050 9c40 0000 03e8 0000 07d0 f010 01f5 c031 0000
		0101 080a 0000 0064 0000 00c8
		0101 051a 0000 0bb8 0000 0fa0 0000 1388 0000 1770 0000 1b58 0000 1f40`)

	// fixFragNeeded is an ICMP destination unreachable, fragmentation
	// needed, next-hop MTU 1400, from router 10.0.0.254 to 10.0.0.1,
	// quoting the header and first 8 bytes of a 1500-byte DF TCP segment.
	fixFragNeeded = mustHex(`
		45c0 0038 0000 0000 4001 6507 0a00 00fe 0a00 0001
		0304 570b 0000 0578
		4500 05dc 0001 4000 4006 2119 0a00 0001 0a00 0002
		9c40 0050 0000 03e8`)

	// fixTimeExceeded is an ICMP time exceeded in transit from router
	// 10.0.0.254 to 10.0.0.1, quoting a UDP traceroute probe.
	fixTimeExceeded = mustHex(`
		45c0 0038 0000 0000 4001 6507 0a00 00fe 0a00 0001
		0b00 0924 0000 0000
		4500 0024 0002 0000 0111 a5c5 0a00 0001 0a00 0002
		8235 829a 0010 e6fb`)
)

// mustHex decodes hex digits, ignoring whitespace.
func mustHex(s string) []byte {
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		panic(err)
	}
	return b
}
