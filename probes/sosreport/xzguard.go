package sosreport

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// MaxXZDict is the default Limits.XZDictMax: xz -9 (the largest preset)
// uses a 64 MiB LZMA2 dictionary; sos runs xz with its default (-6, 8 MiB).
const MaxXZDict = 64 << 20

// xzGuard sits between the compressed bytes and the xz decoder and walks
// the container's structure as the bytes pass (xz file format 1.0.4,
// https://tukaani.org/xz/xz-file-format.txt): every stream header, every
// block header, the LZMA2 chunks of each block (their headers give their
// sizes, so no decoding is needed to find the block's end), the block's
// padding and check, the index and the stream footer, and the padding
// between concatenated streams. A block header is handed to the decoder
// only after its LZMA2 dictionary size is checked against dictMax:
// github.com/ulikunitz/xz allocates the dictionary a block header declares
// (its ReaderConfig.DictCap is a minimum, not a maximum), up to 4 GiB, for
// every block of every stream.
type xzGuard struct {
	r       *bufio.Reader
	dictMax int64

	pending []byte // checked bytes not yet handed out
	through int64  // bytes of chunk data to pass unchecked
	state   int
	check   int   // size of the stream's block check
	count   int64 // bytes of the current block's LZMA2 data, or of the index
	varints int64 // varints of the index left to read (-1: the count first)
	streams int   // streams begun
	blocks  int   // blocks begun, all streams
	err     error
}

const (
	xzStream    = iota // a stream header, stream padding or the end
	xzBlock            // a block header or the index indicator
	xzChunk            // an LZMA2 chunk header or the end marker
	xzTail             // block padding and check
	xzIndex            // index varints
	xzIndexTail        // index padding, CRC32 and the stream footer
)

func newXZGuard(r io.Reader, dictMax int64) *xzGuard {
	if dictMax <= 0 {
		dictMax = MaxXZDict
	}
	return &xzGuard{r: bufio.NewReaderSize(r, 64<<10), dictMax: dictMax}
}

func (g *xzGuard) Read(p []byte) (int, error) {
	for len(g.pending) == 0 && g.through == 0 {
		if g.err != nil {
			return 0, g.err
		}
		if g.err = g.step(); g.err != nil {
			g.pending = nil // a refused header never reaches the decoder
		}
	}
	if len(g.pending) > 0 {
		n := copy(p, g.pending)
		g.pending = g.pending[n:]
		return n, nil
	}
	if int64(len(p)) > g.through {
		p = p[:g.through]
	}
	n, err := g.r.Read(p)
	g.through -= int64(n)
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

// take reads n bytes of structure into pending and returns them.
func (g *xzGuard) take(n int) ([]byte, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(g.r, b); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	g.pending = append(g.pending, b...)
	return b, nil
}

var xzMagic = []byte{0xfd, '7', 'z', 'X', 'Z', 0}

// step reads the next structural unit into pending (or sets through for a
// chunk's data); io.EOF only at a clean end between streams.
func (g *xzGuard) step() error {
	switch g.state {
	case xzStream:
		if _, err := g.r.Peek(1); err == io.EOF && g.streams > 0 {
			return io.EOF
		}
		b, err := g.take(4)
		if err != nil {
			return err
		}
		if g.streams > 0 && bytes.Equal(b, []byte{0, 0, 0, 0}) {
			return nil // stream padding
		}
		rest, err := g.take(8)
		if err != nil {
			return err
		}
		h := append(b, rest...)
		if !bytes.Equal(h[:6], xzMagic) {
			return errors.New("xz: bad stream header")
		}
		g.check = checkSize(h[7] & 0x0f)
		g.streams++
		g.state = xzBlock
	case xzBlock:
		b, err := g.take(1)
		if err != nil {
			return err
		}
		if b[0] == 0 {
			g.state, g.count, g.varints = xzIndex, 1, -1
			return nil
		}
		rest, err := g.take(int(b[0])*4 + 3)
		if err != nil {
			return err
		}
		g.blocks++
		if err := g.blockHeader(append(b, rest...)); err != nil {
			return err
		}
		g.state, g.count = xzChunk, 0
	case xzChunk:
		b, err := g.take(1)
		if err != nil {
			return err
		}
		g.count++
		c := b[0]
		switch {
		case c == 0:
			g.state = xzTail
		case c == 1 || c == 2: // uncompressed chunk: 2-byte size - 1
			s, err := g.take(2)
			if err != nil {
				return err
			}
			g.through = int64(s[0])<<8 | int64(s[1]) + 1
			g.count += 2 + g.through
		case c >= 0x80: // LZMA chunk: unpacked size, packed size - 1, props if reset >= 2
			n := 4
			if c >= 0xc0 {
				n = 5
			}
			s, err := g.take(n)
			if err != nil {
				return err
			}
			g.through = int64(s[2])<<8 | int64(s[3]) + 1
			g.count += int64(n) + g.through
		default:
			return fmt.Errorf("xz: bad LZMA2 chunk control byte %#x", c)
		}
	case xzTail:
		if _, err := g.take(int((4-g.count%4)%4) + g.check); err != nil {
			return err
		}
		g.state = xzBlock
	case xzIndex:
		if g.varints == 0 {
			g.state = xzIndexTail
			return nil
		}
		v, err := g.varint()
		if err != nil {
			return err
		}
		if g.varints < 0 {
			if v > uint64(g.blocks) {
				return errors.New("xz: index lists more records than there were blocks")
			}
			g.varints = 2 * int64(v)
		} else {
			g.varints--
		}
	case xzIndexTail:
		if _, err := g.take(int((4-g.count%4)%4) + 4 + 12); err != nil {
			return err
		}
		if f := g.pending[len(g.pending)-2:]; f[0] != 'Y' || f[1] != 'Z' {
			return errors.New("xz: bad stream footer")
		}
		g.state, g.blocks = xzStream, 0
	}
	return nil
}

// varint reads one of the index's multibyte integers (at most 9 bytes).
func (g *xzGuard) varint() (uint64, error) {
	var v uint64
	for i := 0; i < 9; i++ {
		b, err := g.take(1)
		if err != nil {
			return 0, err
		}
		g.count++
		v |= uint64(b[0]&0x7f) << (7 * i)
		if b[0]&0x80 == 0 {
			return v, nil
		}
	}
	return 0, errors.New("xz: bad index")
}

// checkSize is the size of a block check of the given type (format 2.1.1.2).
func checkSize(t byte) int {
	switch {
	case t == 0:
		return 0
	case t <= 3:
		return 4
	case t <= 6:
		return 8
	case t <= 9:
		return 16
	case t <= 12:
		return 32
	default:
		return 64
	}
}

// blockHeader checks a block header (format 3.1): its filter chain must be
// LZMA2 alone (what the decoder supports), with a dictionary of at most
// dictMax bytes.
func (g *xzGuard) blockHeader(b []byte) error {
	bad := fmt.Errorf("xz: bad header of block %d of stream %d", g.blocks, g.streams)
	flags := b[1]
	if flags&0x3c != 0 {
		return bad
	}
	i := 2
	end := len(b) - 4 // the header's CRC32
	varint := func() (uint64, bool) {
		var v uint64
		for s := 0; i < end && s < 63; s += 7 {
			c := b[i]
			i++
			v |= uint64(c&0x7f) << s
			if c&0x80 == 0 {
				return v, true
			}
		}
		return 0, false
	}
	for _, present := range []bool{flags&0x40 != 0, flags&0x80 != 0} {
		if present {
			if _, ok := varint(); !ok {
				return bad
			}
		}
	}
	if n := int(flags&3) + 1; n != 1 {
		return fmt.Errorf("xz: block %d of stream %d has %d filters (only LZMA2 alone is supported)", g.blocks, g.streams, n)
	}
	id, ok1 := varint()
	size, ok2 := varint()
	if !ok1 || !ok2 || id != 0x21 || size != 1 || i >= end {
		return fmt.Errorf("xz: block %d of stream %d: not an LZMA2 filter", g.blocks, g.streams)
	}
	c := b[i]
	if c > 40 {
		return fmt.Errorf("xz: block %d of stream %d: bad LZMA2 dictionary size", g.blocks, g.streams)
	}
	dict := int64(2|c&1) << (c/2 + 11)
	if c == 40 {
		dict = 1<<32 - 1
	}
	if dict > g.dictMax {
		return fmt.Errorf("xz: block %d of stream %d declares an LZMA2 dictionary of %d bytes (limit %d)", g.blocks, g.streams, dict, g.dictMax)
	}
	return nil
}
