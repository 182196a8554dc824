package logagg

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
)

// TFile (org.apache.hadoop.io.file.tfile.TFile) stores key/value records in BCFile data blocks:
//
//	record = VInt keyLength, key bytes, value
//	value  = chunk* lastChunk
//	chunk  = VInt -n (n > 0), n bytes      a value written without its length known up front
//	lastChunk = VInt n (n >= 0), n bytes   (a value of known length is a single lastChunk)
//
// A block holds whole records; a new block starts once the current one reaches the writer's
// minimum block size (256 KiB for aggregated logs). The meta block TFile.meta holds the format
// version (int16 major 1, int16 minor), the file's VLong record count and a String comparator
// ("" for unsorted files, which aggregated logs are). TFile.index (first key, last key and
// record count per block) only serves seeking by key and is not read here.

const maxKey = 64 << 10 // TFile's MAX_KEY_SIZE

type tfile struct {
	bc      *bcfile
	records int64
}

func openTFile(ctx context.Context, r io.ReaderAt, size int64) (*tfile, error) {
	bc, err := openBCFile(ctx, r, size)
	if err != nil {
		return nil, err
	}
	br, err := bc.metaBlock(ctx, "TFile.meta")
	if err != nil {
		return nil, err
	}
	var ver [4]byte
	if _, err := io.ReadFull(br, ver[:]); err != nil {
		return nil, eofCorrupt(err, "TFile version")
	}
	if ver[0] != 0 || ver[1] != 1 {
		return nil, fmt.Errorf("%w: TFile version %d.%d", ErrUnsupported, int16(ver[0])<<8|int16(ver[1]), int16(ver[2])<<8|int16(ver[3]))
	}
	t := &tfile{bc: bc}
	if t.records, err = readVLong(br); err != nil {
		return nil, eofCorrupt(err, "TFile record count")
	}
	if t.records < 0 {
		return nil, corruptf("TFile record count %d", t.records)
	}
	if _, err := readTFileString(br, maxMetaString); err != nil {
		return nil, eofCorrupt(err, "TFile comparator")
	}
	return t, nil
}

// scan calls fn with every record in file order. The value streams from the file; fn may read
// as much of it as it likes, and the rest is skipped before the next record.
func (t *tfile) scan(ctx context.Context, fn func(key []byte, value io.Reader) error) error {
	var seen int64
	key := make([]byte, 0, 64)
	for i := range t.bc.blocks {
		br, err := t.bc.dataBlock(ctx, i)
		if err != nil {
			return fmt.Errorf("data block %d: %w", i, err)
		}
		for {
			if _, err := br.Peek(1); errors.Is(err, io.EOF) {
				break // records never straddle blocks
			} else if err != nil {
				return fmt.Errorf("data block %d: %w", i, err)
			}
			n, err := readVInt(br)
			if err != nil {
				return eofCorrupt(err, fmt.Sprintf("record %d key length", seen))
			}
			if n < 0 || n > maxKey {
				return corruptf("record %d key length %d", seen, n)
			}
			key = slices.Grow(key[:0], int(n))[:n]
			if _, err := io.ReadFull(br, key); err != nil {
				return eofCorrupt(err, fmt.Sprintf("record %d key", seen))
			}
			value := &chunkReader{r: br}
			if err := fn(key, value); err != nil {
				return err
			}
			if _, err := io.Copy(io.Discard, value); err != nil {
				return fmt.Errorf("record %d value: %w", seen, err)
			}
			seen++
		}
	}
	if seen != t.records {
		return corruptf("%d records in the data blocks, TFile.meta says %d", seen, t.records)
	}
	return nil
}

// chunkReader decodes one chunk-encoded value (Chunk.ChunkDecoder). It reads nothing beyond the
// value's last chunk, so the next record starts where it stops.
type chunkReader struct {
	r      *bufio.Reader
	remain int64 // bytes left in the current chunk
	last   bool  // the current chunk is the value's last
	err    error
}

func (c *chunkReader) Read(p []byte) (int, error) {
	for c.err == nil && c.remain == 0 {
		if c.last {
			c.err = io.EOF
			break
		}
		n, err := readVInt(c.r)
		switch {
		case err != nil:
			c.err = eofCorrupt(err, "value chunk length")
		case n >= 0:
			c.remain, c.last = int64(n), true
		default:
			c.remain = -int64(n)
		}
	}
	if c.err != nil {
		return 0, c.err
	}
	if int64(len(p)) > c.remain {
		p = p[:c.remain]
	}
	n, err := c.r.Read(p)
	c.remain -= int64(n)
	if err != nil && c.remain > 0 {
		c.err = eofCorrupt(err, "value chunk")
		return n, c.err
	}
	return n, nil
}
