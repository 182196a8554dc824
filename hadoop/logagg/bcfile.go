package logagg

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/zlib"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
)

// BCFile is the block container under TFile (org.apache.hadoop.io.file.tfile.BCFile):
//
//	+----------------------+ 0
//	| magic (16 bytes)     |
//	+----------------------+ 16
//	| data block 0         |  each block compressed on its own with the file's codec
//	| ...                  |
//	+----------------------+
//	| meta blocks          |  "TFile.meta", "TFile.index", "BCFile.index" (the data block index)
//	+----------------------+ metaIndexOffset
//	| meta index           |  VInt count, then per entry: String "data:"+name, String codec,
//	|                      |  VLong offset, VLong compressed size, VLong raw size
//	+----------------------+ size-28
//	| int64 metaIndexOffset| big-endian
//	| int16 major, minor   | BCFile version, major 1
//	| magic (16 bytes)     |
//	+----------------------+ size
//
// BCFile.index holds String defaultCodec, VInt n and n regions (VLong offset, compressed, raw)
// for the data blocks. Codecs: "none"; "gz", which is zlib (RFC 1950; TFile's GZ is Hadoop's
// DefaultCodec, not gzip); "lzo", which needs a native codec and is not supported here.

var bcfileMagic = [16]byte{0xd1, 0x11, 0xd3, 0x68, 0x91, 0xb5, 0xd7, 0xb6, 0x39, 0xdf, 0x41, 0x40, 0x92, 0xba, 0xe1, 0x50}

const (
	trailerSize = 8 + 4 + len(bcfileMagic)
	// maxMetaString is the longest meta block or codec name accepted, as Hadoop's reader bounds
	// it; it caps the allocation a corrupt length can cause.
	maxMetaString = 64 << 10
	blockBufSize  = 64 << 10
)

type region struct{ offset, compressed, raw int64 }

type metaEntry struct {
	codec string
	region
}

type bcfile struct {
	r         io.ReaderAt
	metaStart int64 // where the meta index begins; every block lies before it
	meta      map[string]metaEntry
	dataCodec string
	blocks    []region

	// One block is read at a time, so its buffers and inflater are reused: a file of many tiny
	// blocks then costs reads, not a 64 KiB buffer each.
	raw, dec *bufio.Reader
	z        zlibStreams
}

func openBCFile(ctx context.Context, r io.ReaderAt, size int64) (*bcfile, error) {
	if size < int64(len(bcfileMagic)+trailerSize) {
		return nil, corruptf("%d bytes is too short for a TFile", size)
	}
	var head [len(bcfileMagic)]byte
	if _, err := r.ReadAt(head[:], 0); err != nil {
		return nil, eofCorrupt(err, "read the head magic")
	}
	var tail [trailerSize]byte
	if _, err := r.ReadAt(tail[:], size-int64(trailerSize)); err != nil {
		return nil, eofCorrupt(err, "read the trailer")
	}
	if head != bcfileMagic || !bytes.Equal(tail[12:], bcfileMagic[:]) {
		return nil, corruptf("no BCFile magic")
	}
	if major := int16(binary.BigEndian.Uint16(tail[8:])); major != 1 {
		return nil, fmt.Errorf("%w: BCFile version %d.%d", ErrUnsupported, major, int16(binary.BigEndian.Uint16(tail[10:])))
	}
	bc := &bcfile{r: r, metaStart: int64(binary.BigEndian.Uint64(tail[:8])), meta: map[string]metaEntry{}}
	metaEnd := size - int64(trailerSize)
	if bc.metaStart < int64(len(bcfileMagic)) || bc.metaStart > metaEnd {
		return nil, corruptf("meta index offset %d outside [16, %d]", bc.metaStart, metaEnd)
	}
	if err := bc.readMetaIndex(ctx, metaEnd); err != nil {
		return nil, err
	}
	if err := bc.readDataIndex(ctx); err != nil {
		return nil, err
	}
	return bc, nil
}

func (bc *bcfile) readMetaIndex(ctx context.Context, end int64) error {
	br := bufio.NewReader(io.NewSectionReader(ctxReaderAt{ctx, bc.r}, bc.metaStart, end-bc.metaStart))
	n, err := readVInt(br)
	if err != nil {
		return eofCorrupt(err, "meta index count")
	}
	if n < 0 {
		return corruptf("meta index count %d", n)
	}
	// The count only bounds the loop: the entries must really be there, so a corrupt count
	// costs reads that fail, never an allocation.
	for range n {
		name, err := readTFileString(br, maxMetaString)
		if err != nil {
			return eofCorrupt(err, "meta index entry name")
		}
		codec, err := readTFileString(br, maxMetaString)
		if err != nil {
			return eofCorrupt(err, "meta index entry codec")
		}
		reg, err := readRegion(br)
		if err != nil {
			return eofCorrupt(err, "meta index entry region")
		}
		short, ok := strings.CutPrefix(name, "data:")
		if !ok {
			return corruptf("meta block name %q lacks the data: prefix", name)
		}
		if err := bc.checkRegion(reg); err != nil {
			return fmt.Errorf("meta block %q: %w", short, err)
		}
		bc.meta[short] = metaEntry{codec: codec, region: reg}
	}
	return nil
}

func (bc *bcfile) readDataIndex(ctx context.Context) error {
	br, err := bc.metaBlock(ctx, "BCFile.index")
	if err != nil {
		return err
	}
	if bc.dataCodec, err = readTFileString(br, maxMetaString); err != nil {
		return eofCorrupt(err, "data index codec")
	}
	n, err := readVInt(br)
	if err != nil {
		return eofCorrupt(err, "data index count")
	}
	if n < 0 {
		return corruptf("data block count %d", n)
	}
	for i := range n {
		reg, err := readRegion(br)
		if err != nil {
			return eofCorrupt(err, fmt.Sprintf("data block %d region", i))
		}
		if err := bc.checkRegion(reg); err != nil {
			return fmt.Errorf("data block %d: %w", i, err)
		}
		bc.blocks = append(bc.blocks, reg)
	}
	return nil
}

func readRegion(br io.ByteReader) (region, error) {
	var v [3]int64
	for i := range v {
		var err error
		if v[i], err = readVLong(br); err != nil {
			return region{}, err
		}
	}
	return region{offset: v[0], compressed: v[1], raw: v[2]}, nil
}

// checkRegion keeps every block between the head magic and the meta index, so a corrupt region
// can neither read outside the file nor overlap the index.
func (bc *bcfile) checkRegion(r region) error {
	if r.offset < int64(len(bcfileMagic)) || r.compressed < 0 || r.raw < 0 || r.compressed > bc.metaStart-r.offset {
		return corruptf("block region offset %d size %d outside [16, %d)", r.offset, r.compressed, bc.metaStart)
	}
	return nil
}

// metaBlock opens the named meta block's decompressed bytes.
func (bc *bcfile) metaBlock(ctx context.Context, name string) (*bufio.Reader, error) {
	e, ok := bc.meta[name]
	if !ok {
		return nil, corruptf("no meta block %q", name)
	}
	return bc.block(ctx, e.codec, e.region)
}

// dataBlock opens data block i's decompressed bytes.
func (bc *bcfile) dataBlock(ctx context.Context, i int) (*bufio.Reader, error) {
	return bc.block(ctx, bc.dataCodec, bc.blocks[i])
}

// block opens a block's decompressed bytes. The reader is valid until the next call.
func (bc *bcfile) block(ctx context.Context, codec string, reg region) (*bufio.Reader, error) {
	sec := io.NewSectionReader(ctxReaderAt{ctx, bc.r}, reg.offset, reg.compressed)
	bc.raw = resetBuf(bc.raw, sec)
	switch codec {
	case "none":
		return bc.raw, nil
	case "gz":
		bc.z.reset(bc.raw)
		bc.dec = resetBuf(bc.dec, &bc.z)
		return bc.dec, nil
	case "lzo":
		return nil, fmt.Errorf("%w: LZO-compressed blocks (yarn.nodemanager.log-aggregation.compression-type=lzo)", ErrUnsupported)
	default:
		return nil, corruptf("unknown block codec %q", codec)
	}
}

func resetBuf(b *bufio.Reader, r io.Reader) *bufio.Reader {
	if b == nil {
		return bufio.NewReaderSize(r, blockBufSize)
	}
	b.Reset(r)
	return b
}

// zlibStreams decompresses a block written through Hadoop's DefaultCodec. Hadoop finishes and
// restarts the compressor on every flush, so a block is one or more zlib streams back to back;
// the block's region, not the stream, says where it ends.
type zlibStreams struct {
	src    *bufio.Reader // a ByteReader, so flate never reads past the end of a stream
	zr     io.ReadCloser // kept across streams and blocks for its Reset
	active bool          // zr is inside a stream
	err    error
}

func (z *zlibStreams) reset(src *bufio.Reader) { z.src, z.active, z.err = src, false, nil }

func (z *zlibStreams) Read(p []byte) (int, error) {
	for z.err == nil {
		if !z.active {
			if _, err := z.src.Peek(1); err != nil {
				z.err = err // io.EOF: the block ends between streams, as it should
				break
			}
			if z.zr == nil {
				z.zr, z.err = zlib.NewReader(z.src)
			} else {
				z.err = z.zr.(zlib.Resetter).Reset(z.src, nil)
			}
			if z.err != nil {
				z.err = zlibErr(z.err)
				break
			}
			z.active = true
		}
		n, err := z.zr.Read(p)
		if errors.Is(err, io.EOF) {
			z.active = false // this stream is done (checksum verified); another may follow
			err = nil
		}
		if err != nil {
			z.err = zlibErr(err)
		}
		if n > 0 || z.err != nil {
			return n, z.err
		}
	}
	return 0, z.err
}

// zlibErr labels what the zlib and flate readers say about their input as ErrCorrupt, and lets
// the underlying read's own errors (a cancelled ctx, an HDFS failure) through unchanged.
func zlibErr(err error) error {
	var fe flate.CorruptInputError
	if errors.As(err, &fe) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, zlib.ErrChecksum) || errors.Is(err, zlib.ErrHeader) || errors.Is(err, zlib.ErrDictionary) {
		return corruptf("zlib block: %v", err)
	}
	return err
}

// ctxReaderAt fails reads once ctx is done, so a long scan stops between reads.
type ctxReaderAt struct {
	ctx context.Context
	r   io.ReaderAt
}

func (c ctxReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.ReadAt(p, off)
}
