package web_test

import "net/netip"

func netipPort(a netip.Addr) netip.AddrPort { return netip.AddrPortFrom(a, 80) }
