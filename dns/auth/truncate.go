package auth

import "github.com/miekg/dns"

// pack encodes resp (names compressed) into dst, fitting it within limit
// bytes. When it does not fit, the optional additional records go first
// (RFC 2181 section 9: TC only when data that was required is left out);
// when it still does not fit, or required glue would have to go (RFC
// 9471), the answer, authority and additional sections are emptied and
// TC is set, keeping the question and the OPT, so that the client asks
// again over TCP (RFC 7766 section 5). required counts the records at the
// start of resp.Extra that must stay.
func pack(dst []byte, resp *dns.Msg, required, limit int) ([]byte, error) {
	resp.Compress = true
	if resp.Len() <= limit {
		return appendPacked(dst, resp)
	}
	opt := resp.IsEdns0()
	trim := resp.Extra[:0:0]
	for i, rr := range resp.Extra {
		if i < required || rr == opt {
			trim = append(trim, rr)
		}
	}
	resp.Extra = trim
	if resp.Len() > limit {
		resp.Truncated = true
		resp.Answer, resp.Ns, resp.Extra = nil, nil, nil
		if opt != nil {
			resp.Extra = []dns.RR{opt}
		}
	}
	return appendPacked(dst, resp)
}

// appendPacked packs m at the end of dst.
func appendPacked(dst []byte, m *dns.Msg) ([]byte, error) {
	free := dst[len(dst):cap(dst)]
	b, err := m.PackBuffer(free)
	if err != nil {
		return dst, err
	}
	if len(b) > 0 && len(free) >= len(b) && &b[0] == &free[0] {
		return dst[:len(dst)+len(b)], nil // packed in place
	}
	return append(dst, b...), nil
}
