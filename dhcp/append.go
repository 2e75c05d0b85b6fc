package dhcp

import (
	"encoding/binary"
	"net/netip"
)

// AppendTo appends the encoded message to dst: the BOOTP header, the
// magic cookie, option 53 first and then the other options in code
// order, Other last, the end option, and zero padding up to the BOOTP
// minimum of 300 bytes. Values longer than 255 bytes are split into
// several options (RFC 3396); an Other option with no data is sent with
// length 0. SName and File are truncated to their 64 and 128 bytes.
func (m *Message) AppendTo(dst []byte) []byte {
	start := len(dst)
	var h [headerLen + 4]byte
	h[0], h[1], h[2], h[3] = m.Op, m.HType, m.HLen, m.Hops
	binary.BigEndian.PutUint32(h[4:8], m.XID)
	binary.BigEndian.PutUint16(h[8:10], m.Secs)
	if m.Broadcast {
		binary.BigEndian.PutUint16(h[10:12], flagBcast)
	}
	putAddr(h[12:16], m.CIAddr)
	putAddr(h[16:20], m.YIAddr)
	putAddr(h[20:24], m.SIAddr)
	putAddr(h[24:28], m.GIAddr)
	copy(h[28:44], m.CHAddr[:])
	copy(h[44:108], m.SName)
	copy(h[108:236], m.File)
	binary.BigEndian.PutUint32(h[236:240], magicCookie)
	dst = append(dst, h[:]...)
	if m.Type != 0 {
		dst = append(dst, OptMessageType, 1, byte(m.Type))
	}
	dst = appendAddrOpt(dst, OptSubnetMask, m.SubnetMask)
	dst = appendAddrsOpt(dst, OptRouter, m.Router)
	dst = appendAddrsOpt(dst, OptDNS, m.DNS)
	dst = appendOpt(dst, OptHostname, []byte(m.Hostname))
	dst = appendAddrOpt(dst, OptRequestedIP, m.RequestedIP)
	dst = appendSecsOpt(dst, OptLeaseTime, m.LeaseSecs)
	dst = appendAddrOpt(dst, OptServerID, m.ServerID)
	dst = appendOpt(dst, OptParamList, m.ParamList)
	dst = appendOpt(dst, OptMessage, []byte(m.Text))
	dst = appendSecsOpt(dst, OptRenewalT1, m.T1Secs)
	dst = appendSecsOpt(dst, OptRebindingT2, m.T2Secs)
	dst = appendOpt(dst, OptClientID, m.ClientID)
	for _, o := range m.Other {
		if len(o.Data) == 0 {
			dst = append(dst, o.Code, 0)
		}
		dst = appendOpt(dst, o.Code, o.Data)
	}
	dst = append(dst, OptEnd)
	for len(dst)-start < minLen {
		dst = append(dst, OptPad)
	}
	return dst
}

func putAddr(b []byte, a netip.Addr) {
	if a.Is4() || a.Is4In6() {
		v := a.As4()
		copy(b, v[:])
	}
}

// appendOpt appends option code with data, split into pieces of at most
// 255 bytes; nothing for empty data.
func appendOpt(dst []byte, code uint8, data []byte) []byte {
	for len(data) > 0 {
		n := min(len(data), 255)
		dst = append(dst, code, byte(n))
		dst = append(dst, data[:n]...)
		data = data[n:]
	}
	return dst
}

func appendAddrOpt(dst []byte, code uint8, a netip.Addr) []byte {
	if !a.IsValid() {
		return dst
	}
	var v [4]byte
	putAddr(v[:], a)
	return appendOpt(dst, code, v[:])
}

func appendAddrsOpt(dst []byte, code uint8, as []netip.Addr) []byte {
	if len(as) == 0 {
		return dst
	}
	v := make([]byte, 4*len(as))
	for i, a := range as {
		putAddr(v[4*i:], a)
	}
	return appendOpt(dst, code, v)
}

func appendSecsOpt(dst []byte, code uint8, s uint32) []byte {
	if s == 0 {
		return dst
	}
	return append(dst, code, 4, byte(s>>24), byte(s>>16), byte(s>>8), byte(s))
}
