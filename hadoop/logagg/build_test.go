package logagg

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"math/bits"
	"sort"
	"strconv"
	"testing"
)

// A TFile writer for tests, written from the same format facts as the reader (Hadoop's TFile,
// BCFile, Chunk and Utils). TestBuilderReproducesRealFile checks it against a node file the
// real cluster wrote, byte for byte, so the hand-built edge cases below are files Hadoop could
// have written.

// writeVLong is Utils.writeVLong.
func writeVLong(b *bytes.Buffer, n int64) {
	if n >= -32 && n < 128 {
		b.WriteByte(byte(n))
		return
	}
	un := n
	if n < 0 {
		un = ^n
	}
	size := (64-bits.LeadingZeros64(uint64(un)))/8 + 1
	first := n >> ((size - 1) * 8)
	switch size {
	case 1:
		first >>= 8
		fallthrough
	case 2:
		if first < 20 && first >= -20 {
			b.WriteByte(byte(first - 52))
			b.WriteByte(byte(n))
			return
		}
		first >>= 8
		fallthrough
	case 3:
		if first < 16 && first >= -16 {
			b.WriteByte(byte(first - 88))
			b.Write([]byte{byte(n >> 8), byte(n)})
			return
		}
		first >>= 8
		fallthrough
	case 4:
		if first < 8 && first >= -8 {
			b.WriteByte(byte(first - 112))
			b.Write([]byte{byte(n >> 16), byte(n >> 8), byte(n)})
			return
		}
		b.WriteByte(0x83) // 4 - 129, the 4-byte long form
		b.Write(binary.BigEndian.AppendUint32(nil, uint32(n)))
		return
	}
	b.WriteByte(byte(size - 129))
	var full [8]byte
	binary.BigEndian.PutUint64(full[:], uint64(n))
	b.Write(full[8-size:])
}

func writeString(b *bytes.Buffer, s string) {
	writeVLong(b, int64(len(s)))
	b.WriteString(s)
}

// utf is DataOutputStream.writeUTF for strings without NUL or characters beyond the BMP (Go's
// UTF-8 and Java's modified UTF-8 agree on those).
func utf(s string) []byte {
	return append(binary.BigEndian.AppendUint16(nil, uint16(len(s))), s...)
}

// rec is one TFile record; its value is written as the given chunks, the last one final
// (ChunkEncoder), or as a single final chunk when there is one.
type rec struct {
	key    []byte
	chunks [][]byte
}

func kv(key, value []byte) rec { return rec{key: key, chunks: [][]byte{value}} }

func (r rec) encode(b *bytes.Buffer) {
	writeVLong(b, int64(len(r.key)))
	b.Write(r.key)
	if len(r.chunks) == 0 {
		writeVLong(b, 0)
	}
	for i, c := range r.chunks {
		if i < len(r.chunks)-1 {
			writeVLong(b, -int64(len(c)))
		} else {
			writeVLong(b, int64(len(c)))
		}
		b.Write(c)
	}
}

// tfileSpec is a whole file: its data blocks' records and the codec of data and index blocks.
type tfileSpec struct {
	codec  string // "none" or "gz"
	blocks [][]rec
	// zlibSplit, with gz, writes each data block as two zlib streams, split after this many
	// raw bytes, as Hadoop's DefaultCodec does when a block's stream is flushed.
	zlibSplit int
	// raw, when set, are the data blocks' bytes as they are (blocks is ignored), and records
	// is the count TFile.meta claims for them.
	raw     [][]byte
	records int64
}

func compress(t testing.TB, raw []byte, split int) []byte {
	t.Helper()
	var out bytes.Buffer
	parts := [][]byte{raw}
	if split > 0 && split < len(raw) {
		parts = [][]byte{raw[:split], raw[split:]}
	}
	for _, p := range parts {
		zw := zlib.NewWriter(&out)
		if _, err := zw.Write(p); err != nil {
			t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return out.Bytes()
}

func buildTFile(t testing.TB, s tfileSpec) []byte {
	t.Helper()
	if s.codec == "" {
		s.codec = "none"
	}
	var f bytes.Buffer
	f.Write(bcfileMagic[:])
	type block struct {
		codec string
		region
	}
	put := func(raw []byte, codec string, split int) block {
		data := raw
		if codec == "gz" {
			data = compress(t, raw, split)
		}
		b := block{codec: codec, region: region{offset: int64(f.Len()), compressed: int64(len(data)), raw: int64(len(raw))}}
		f.Write(data)
		return b
	}
	var (
		dataBlocks []block
		total      int64
		index      bytes.Buffer // TFile.index: first key, then per block its last key and count
		entries    bytes.Buffer
	)
	for _, raw := range s.raw {
		dataBlocks = append(dataBlocks, put(raw, s.codec, s.zlibSplit))
		total = s.records
	}
	for _, recs := range s.blocks {
		if s.raw != nil {
			break
		}
		var raw bytes.Buffer
		for _, r := range recs {
			r.encode(&raw)
		}
		dataBlocks = append(dataBlocks, put(raw.Bytes(), s.codec, s.zlibSplit))
		total += int64(len(recs))
		var e bytes.Buffer
		last := recs[len(recs)-1].key
		writeVLong(&e, int64(len(last)))
		e.Write(last)
		writeVLong(&e, int64(len(recs)))
		writeVLong(&entries, int64(e.Len()))
		entries.Write(e.Bytes())
	}
	if len(s.blocks) == 0 || s.raw != nil {
		writeVLong(&index, 0)
	} else {
		var first bytes.Buffer
		writeVLong(&first, int64(len(s.blocks[0][0].key)))
		first.Write(s.blocks[0][0].key)
		writeVLong(&index, int64(first.Len()))
		index.Write(first.Bytes())
		index.Write(entries.Bytes())
	}
	var meta bytes.Buffer
	meta.Write([]byte{0, 1, 0, 0})
	writeVLong(&meta, total)
	writeString(&meta, "")

	metas := map[string]block{}
	metas["TFile.meta"] = put(meta.Bytes(), "none", 0)
	metas["TFile.index"] = put(index.Bytes(), s.codec, 0)
	var dataIndex bytes.Buffer
	writeString(&dataIndex, s.codec)
	writeVLong(&dataIndex, int64(len(dataBlocks)))
	for _, b := range dataBlocks {
		writeRegion(&dataIndex, b.region)
	}
	metas["BCFile.index"] = put(dataIndex.Bytes(), s.codec, 0)

	metaStart := f.Len()
	names := make([]string, 0, len(metas))
	for n := range metas {
		names = append(names, n)
	}
	sort.Strings(names) // BCFile keeps its meta index in a TreeMap
	writeVLong(&f, int64(len(names)))
	for _, n := range names {
		writeString(&f, "data:"+n)
		writeString(&f, metas[n].codec)
		writeRegion(&f, metas[n].region)
	}
	f.Write(binary.BigEndian.AppendUint64(nil, uint64(metaStart)))
	f.Write([]byte{0, 1, 0, 0})
	f.Write(bcfileMagic[:])
	return f.Bytes()
}

func writeRegion(b *bytes.Buffer, r region) {
	writeVLong(b, r.offset)
	writeVLong(b, r.compressed)
	writeVLong(b, r.raw)
}

// logFile is one file of a container's LOG_DIR.
type logFile struct{ name, data string }

func containerValue(files ...logFile) []byte {
	var b bytes.Buffer
	for _, f := range files {
		b.Write(utf(f.name))
		b.Write(utf(strconv.Itoa(len(f.data))))
		b.WriteString(f.data)
	}
	return b.Bytes()
}

// aggRecords are the records LogWriter writes: VERSION, APPLICATION_ACL, APPLICATION_OWNER, then
// the containers.
func aggRecords(owner string, acls []string, containers ...rec) []rec {
	var acl bytes.Buffer
	for _, a := range acls {
		acl.Write(utf(a))
	}
	out := []rec{
		kv(utf("VERSION"), []byte{0, 0, 0, 1}),
		kv(utf("APPLICATION_ACL"), acl.Bytes()),
		kv(utf("APPLICATION_OWNER"), utf(owner)),
	}
	return append(out, containers...)
}
