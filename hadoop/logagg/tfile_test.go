package logagg

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
)

type kvPair struct {
	key   string
	value string
}

func scanAll(data []byte) ([]kvPair, error) {
	ctx := context.Background()
	tf, err := openTFile(ctx, bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, err
	}
	var out []kvPair
	err = tf.scan(ctx, func(key []byte, value io.Reader) error {
		v, err := io.ReadAll(value)
		out = append(out, kvPair{string(key), string(v)})
		return err
	})
	return out, err
}

func TestTFileRecords(t *testing.T) {
	big := strings.Repeat("0123456789", 30_000)
	recs := []rec{
		kv([]byte("a"), []byte("one")),
		{key: []byte("chunked"), chunks: [][]byte{[]byte("abc"), []byte("de"), []byte("f")}},
		{key: []byte("chunked-empty-last"), chunks: [][]byte{[]byte("xyz"), {}}},
		{key: []byte("no-chunks")}, // a value written with its length known: 0
		kv([]byte(""), []byte("empty key")),
		kv([]byte("big"), []byte(big)),
	}
	want := []kvPair{{"a", "one"}, {"chunked", "abcdef"}, {"chunked-empty-last", "xyz"}, {"no-chunks", ""}, {"", "empty key"}, {"big", big}}
	for _, c := range []struct {
		name string
		spec tfileSpec
	}{
		{"none, one block", tfileSpec{codec: "none", blocks: [][]rec{recs}}},
		{"none, a block per record", tfileSpec{codec: "none", blocks: perRecord(recs)}},
		{"gz, one block", tfileSpec{codec: "gz", blocks: [][]rec{recs}}},
		{"gz, a block per record", tfileSpec{codec: "gz", blocks: perRecord(recs)}},
		// DefaultCodec restarts its stream on flush: a block may be several zlib streams.
		{"gz, two zlib streams a block", tfileSpec{codec: "gz", blocks: [][]rec{recs}, zlibSplit: 7}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := scanAll(buildTFile(t, c.spec))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Fatalf("%d records, want %d", len(got), len(want))
			}
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("record %d = %.40q, want %.40q", i, got[i], want[i])
				}
			}
		})
	}
}

func perRecord(recs []rec) [][]rec {
	out := make([][]rec, len(recs))
	for i, r := range recs {
		out[i] = []rec{r}
	}
	return out
}

func TestTFileEmpty(t *testing.T) {
	got, err := scanAll(buildTFile(t, tfileSpec{}))
	if err != nil || len(got) != 0 {
		t.Fatalf("empty TFile: %v, %v", got, err)
	}
}

// A value the callback leaves unread is skipped, so the next record is still found.
func TestTFileSkipsUnreadValues(t *testing.T) {
	data := buildTFile(t, tfileSpec{codec: "gz", blocks: [][]rec{{
		{key: []byte("k1"), chunks: [][]byte{[]byte("aaaa"), []byte("bbbb")}},
		kv([]byte("k2"), []byte("cccc")),
	}}})
	ctx := context.Background()
	tf, err := openTFile(ctx, bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	err = tf.scan(ctx, func(key []byte, value io.Reader) error {
		keys = append(keys, string(key))
		_, err := value.Read(make([]byte, 1))
		return err
	})
	if err != nil || strings.Join(keys, ",") != "k1,k2" {
		t.Fatalf("keys %v, %v; want k1,k2", keys, err)
	}
}

// The test writer reproduces, byte for byte, a node file the real cluster wrote, from the
// records the reader decoded out of it: writer and reader follow Hadoop's format, not merely
// each other.
func TestBuilderReproducesRealFile(t *testing.T) {
	real, err := os.ReadFile("testdata/real/application_1795302001246_0002/nm2.orca.test_8041")
	if err != nil {
		t.Fatal(err)
	}
	got, err := scanAll(real)
	if err != nil {
		t.Fatal(err)
	}
	var recs []rec
	for _, p := range got {
		recs = append(recs, kv([]byte(p.key), []byte(p.value)))
	}
	rebuilt := buildTFile(t, tfileSpec{codec: "none", blocks: [][]rec{recs}})
	if !bytes.Equal(rebuilt, real) {
		i := 0
		for i < len(rebuilt) && i < len(real) && rebuilt[i] == real[i] {
			i++
		}
		t.Fatalf("rebuilt file (%d bytes) differs from the real one (%d bytes) at byte %d", len(rebuilt), len(real), i)
	}
}

func TestTFileCorrupt(t *testing.T) {
	good := buildTFile(t, tfileSpec{codec: "gz", blocks: [][]rec{{kv([]byte("k"), []byte("value"))}}})
	metaStart := int(good[len(good)-28+7]) // the files here are small: the offset fits a byte
	edit := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	cases := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, ErrCorrupt},
		{"truncated", good[:len(good)-1], ErrCorrupt},
		{"head magic", edit(func(b []byte) []byte { b[0] ^= 1; return b }), ErrCorrupt},
		{"tail magic", edit(func(b []byte) []byte { b[len(b)-1] ^= 1; return b }), ErrCorrupt},
		{"BCFile version 2", edit(func(b []byte) []byte { b[len(b)-19] = 2; return b }), ErrUnsupported},
		{"meta index offset past the end", edit(func(b []byte) []byte { b[len(b)-28] = 0x7f; return b }), ErrCorrupt},
		{"meta index offset into the magic", edit(func(b []byte) []byte { b[len(b)-28+7] = 3; return b }), ErrCorrupt},
		{"meta index count too high", edit(func(b []byte) []byte { b[metaStart] = 0x7f; return b }), ErrCorrupt},
		{"meta block name without data:", edit(func(b []byte) []byte {
			i := bytes.Index(b, []byte("data:BCFile"))
			b[i] = 'x'
			return b
		}), ErrCorrupt},
		{"unknown codec", edit(func(b []byte) []byte {
			i := bytes.Index(b, []byte("data:BCFile.index\x02gz"))
			b[i+len("data:BCFile.index\x02")] = 'q'
			return b
		}), ErrCorrupt},
		{"data block past the meta index", func() []byte {
			b := buildTFile(t, tfileSpec{codec: "none", blocks: [][]rec{{kv([]byte("k"), []byte("value"))}}})
			i := bytes.Index(b, []byte("\x04none\x01\x10")) // BCFile.index: codec, 1 block at offset 16
			b[i+7] = 0x7f                                   // its size, now past the meta index
			return b
		}(), ErrCorrupt},
		{"lzo", buildTFile(t, tfileSpec{codec: "lzo", blocks: [][]rec{{kv([]byte("k"), []byte("v"))}}}), ErrUnsupported},
	}
	for _, c := range cases {
		_, err := scanAll(c.data)
		t.Logf("%s: %v", c.name, err)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}

func TestTFileCorruptRecords(t *testing.T) {
	cases := []struct {
		name string
		raw  func() []byte // a data block's raw bytes
	}{
		{"key length over 64 KiB", func() []byte {
			var b bytes.Buffer
			writeVLong(&b, maxKey+1)
			return b.Bytes()
		}},
		{"negative key length", func() []byte { return []byte{0xff} }},
		{"key cut short", func() []byte { return []byte{5, 'a', 'b'} }},
		{"value chunk cut short", func() []byte { return []byte{1, 'k', 5, 'a', 'b'} }},
		{"value without its last chunk", func() []byte { return []byte{1, 'k', 0xfe, 'a', 'b'} }},
	}
	for _, c := range cases {
		data := buildRawBlockFile(t, c.raw(), 1)
		_, err := scanAll(data)
		t.Logf("%s: %v", c.name, err)
		if !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: %v, want ErrCorrupt", c.name, err)
		}
	}
	// TFile.meta's record count must match the records found.
	var b bytes.Buffer
	kv([]byte("k"), []byte("v")).encode(&b)
	if _, err := scanAll(buildRawBlockFile(t, b.Bytes(), 2)); !errors.Is(err, ErrCorrupt) {
		t.Errorf("record count mismatch: %v, want ErrCorrupt", err)
	}
}

// buildRawBlockFile is an uncompressed TFile whose only data block is raw, and whose meta
// claims records records.
func buildRawBlockFile(t *testing.T, raw []byte, records int64) []byte {
	t.Helper()
	return buildTFile(t, tfileSpec{codec: "none", raw: [][]byte{raw}, records: records})
}

// The worker's 1.5 MB stderr in the real fixture is stored as several chunks (Hadoop's 1 MiB
// ChunkEncoder buffer), so TestRealNodeFiles decodes real chunked values. Count them on disk.
func TestRealFileHasChunkedValue(t *testing.T) {
	gz, err := os.ReadFile("testdata/real/application_1795302001246_0002/nm1.orca.test_8041.gz")
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tf, err := openTFile(ctx, bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	most := 0
	for i := range tf.bc.blocks {
		br, err := tf.bc.dataBlock(ctx, i)
		if err != nil {
			t.Fatal(err)
		}
		for {
			if _, err := br.Peek(1); err == io.EOF {
				break
			}
			klen, err := readVInt(br)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := br.Discard(int(klen)); err != nil {
				t.Fatal(err)
			}
			chunks := 0
			for {
				n, err := readVInt(br)
				if err != nil {
					t.Fatal(err)
				}
				chunks++
				if _, err := br.Discard(int(max(n, -n))); err != nil {
					t.Fatal(err)
				}
				if n >= 0 {
					break
				}
			}
			most = max(most, chunks)
		}
	}
	if most < 2 {
		t.Fatalf("no value of the real file has more than %d chunk", most)
	}
}
