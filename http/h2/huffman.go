package h2

import "errors"

// The Huffman code of RFC 7541 section 5.2 and Appendix B.

// ErrHuffman is a Huffman-coded string that does not decode: an EOS
// symbol, padding longer than 7 bits, or padding that is not EOS's
// prefix (RFC 7541 section 5.2).
var ErrHuffman = errors.New("hpack: invalid Huffman-coded string")

// huffTree is the decoding trie: node i's children are huffTree[i][bit];
// a value >= 0 is a node, -1-sym a leaf. Node 0 is the root.
var huffTree = buildHuffTree()

func buildHuffTree() [][2]int16 {
	t := make([][2]int16, 1, 512)
	for sym := 0; sym < 257; sym++ {
		code, n := huffCode[sym], int(huffLen[sym])
		node := 0
		for i := n - 1; i >= 0; i-- {
			bit := code >> uint(i) & 1
			if i == 0 {
				t[node][bit] = int16(-1 - sym)
				break
			}
			next := t[node][bit]
			if next == 0 {
				t = append(t, [2]int16{})
				next = int16(len(t) - 1)
				t[node][bit] = next
			}
			node = int(next)
		}
	}
	return t
}

// HuffmanEncodedLen returns the length of s Huffman-coded.
func HuffmanEncodedLen(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n += int(huffLen[s[i]])
	}
	return (n + 7) / 8
}

// AppendHuffman appends s Huffman-coded, padded with EOS's prefix.
func AppendHuffman(dst []byte, s string) []byte {
	var acc uint64
	bits := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		acc = acc<<huffLen[c] | uint64(huffCode[c])
		bits += int(huffLen[c])
		for bits >= 8 {
			bits -= 8
			dst = append(dst, byte(acc>>uint(bits)))
		}
	}
	if bits > 0 {
		dst = append(dst, byte(acc<<uint(8-bits))|byte(0xff>>uint(bits)))
	}
	return dst
}

// AppendHuffmanDecode appends the decoding of the Huffman-coded src.
func AppendHuffmanDecode(dst, src []byte) ([]byte, error) {
	node, depth, ones := 0, 0, true
	for _, b := range src {
		for i := 7; i >= 0; i-- {
			bit := b >> uint(i) & 1
			next := huffTree[node][bit]
			depth++
			ones = ones && bit == 1
			if next < 0 {
				sym := int(-1 - next)
				if sym == 256 {
					return dst, ErrHuffman
				}
				dst = append(dst, byte(sym))
				node, depth, ones = 0, 0, true
				continue
			}
			node = int(next)
		}
	}
	if depth > 7 || !ones {
		return dst, ErrHuffman
	}
	return dst, nil
}
