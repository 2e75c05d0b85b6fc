// Package wire holds byte-exact codecs for the protocols hops puts on the
// wire: Ethernet II and ARP (RFC 826) on LAN interfaces, IPv4, ICMPv4, UDP
// and TCP, plus the Internet checksum.
//
// Every protocol is offered in two shapes, after smoltcp's wire module:
//
//   - A view, such as [IPv4] or [TCP], is a named []byte type over the
//     packet's own bytes. Call its Check method once; after it returns nil
//     the accessor and setter methods never panic and never copy. Views are
//     what a forwarding path uses: a router calls [IPv4.DecTTL] in place and
//     the header checksum is updated incrementally (RFC 1624).
//
//   - A header struct, such as [IPv4Header] or [TCPHeader], is a plain
//     value with a symmetric pair of functions: ParseX decodes bytes into
//     the struct (validating structure, and checksums where the header
//     carries its own), and AppendTo encodes the struct, appending to a
//     caller-supplied slice and computing lengths and checksums. Endpoints
//     build packets with AppendTo and read them with ParseX.
//
// Parsing never allocates: variable-length parts (IP options, payloads,
// quoted datagrams) are returned as sub-slices of the input, and TCP SACK
// blocks live in a fixed-size array. No function in this package panics on
// any input bytes. Addresses are [net/netip.Addr] values; IPv4 fields accept
// IPv4 and IPv4-mapped IPv6 addresses.
//
// Errors are the sentinel values declared in errors.go ([ErrTruncated],
// [ErrBadChecksum], ...), so callers can compare them without allocation.
package wire
