package paint

import (
	"bufio"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/png"
	"io"
)

// idatBytes is the size of one IDAT chunk (the last may be shorter).
const idatBytes = 64 << 10

// EncodePNG writes img as a PNG (ISO/IEC 15948). An opaque image, which
// every painted canvas is, is written as 8-bit RGB with no row filter and
// deflate's fastest level: a rendered page is mostly runs of one colour,
// which deflate finds unfiltered, so the file is smaller than
// image/png's default and takes about a third of the time (image/png
// tries five filters on every row). An image with any transparency is
// written by image/png at its fastest level.
func EncodePNG(w io.Writer, img *image.RGBA) error {
	if !img.Opaque() {
		return (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(w, img)
	}
	b := img.Bounds()
	wd, ht := b.Dx(), b.Dy()
	bw := bufio.NewWriterSize(w, 32<<10) // keeps the first write error
	bw.WriteString("\x89PNG\r\n\x1a\n")
	var ihdr [13]byte
	binary.BigEndian.PutUint32(ihdr[0:], uint32(wd))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(ht))
	ihdr[8], ihdr[9] = 8, 2 // bit depth 8, colour type 2 (RGB); deflate, adaptive filtering, no interlace
	writeChunk(bw, "IHDR", ihdr[:])
	idat := &idatWriter{w: bw, buf: make([]byte, 0, idatBytes)}
	zw, err := zlib.NewWriterLevel(idat, zlib.BestSpeed)
	if err != nil {
		return err
	}
	row := make([]byte, 1+3*wd) // filter type 0 (None), then the pixels
	for y := b.Min.Y; y < b.Max.Y; y++ {
		src := img.Pix[img.PixOffset(b.Min.X, y):]
		for x, i := 0, 1; x < wd; x, i = x+1, i+3 {
			row[i], row[i+1], row[i+2] = src[4*x], src[4*x+1], src[4*x+2]
		}
		if _, err := zw.Write(row); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	idat.flush()
	writeChunk(bw, "IEND", nil)
	return bw.Flush()
}

// idatWriter cuts the zlib stream into IDAT chunks.
type idatWriter struct {
	w   io.Writer
	buf []byte
}

func (c *idatWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		k := min(len(p), idatBytes-len(c.buf))
		c.buf = append(c.buf, p[:k]...)
		p = p[k:]
		if len(c.buf) == idatBytes {
			c.flush()
		}
	}
	return n, nil
}

func (c *idatWriter) flush() {
	if len(c.buf) > 0 {
		writeChunk(c.w, "IDAT", c.buf)
		c.buf = c.buf[:0]
	}
}

// writeChunk writes length, type, data and the CRC of type and data.
// Errors stay in the bufio.Writer below, reported by its Flush.
func writeChunk(w io.Writer, typ string, data []byte) {
	var h [8]byte
	binary.BigEndian.PutUint32(h[:4], uint32(len(data)))
	copy(h[4:], typ)
	crc := crc32.Update(crc32.ChecksumIEEE(h[4:]), crc32.IEEETable, data)
	w.Write(h[:])
	w.Write(data)
	binary.BigEndian.PutUint32(h[:4], crc)
	w.Write(h[:4])
}
