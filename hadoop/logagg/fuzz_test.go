package logagg

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"runtime"
	"testing"
)

// allocBound is what decoding data may allocate in all: fixed buffers (two 64 KiB block
// buffers, an inflater, 64 KiB key and string buffers) plus a share of the bytes a block can
// inflate to. A corrupt length must never turn into an allocation of that length.
func allocBound(data []byte) uint64 { return 4<<20 + 1100*uint64(len(data)) }

func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// checkErr allows only the package's classified errors: the input is in memory, so any other
// error is a bug in the decoder.
func checkErr(t *testing.T, err error) {
	t.Helper()
	if err != nil && !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrUnsupported) {
		t.Fatalf("unclassified error: %v", err)
	}
}

func FuzzReadTFile(f *testing.F) {
	recs := []rec{
		kv([]byte("k"), []byte("v")),
		{key: []byte("chunked"), chunks: [][]byte{[]byte("abc"), []byte("de"), {}}},
		kv(nil, nil),
	}
	for _, s := range []tfileSpec{
		{},
		{codec: "none", blocks: [][]rec{recs}},
		{codec: "gz", blocks: [][]rec{recs}},
		{codec: "gz", blocks: perRecord(recs), zlibSplit: 3},
	} {
		data := buildTFile(f, s)
		f.Add(data)
		f.Add(data[:len(data)/2])
	}
	if real, err := os.ReadFile("testdata/real/application_1795302001246_0002/nm2.orca.test_8041"); err == nil {
		f.Add(real)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var err error
		n := allocated(func() {
			ctx := context.Background()
			var tf *tfile
			if tf, err = openTFile(ctx, bytes.NewReader(data), int64(len(data))); err != nil {
				return
			}
			err = tf.scan(ctx, func(key []byte, value io.Reader) error {
				if len(key) > maxKey {
					t.Fatalf("key of %d bytes", len(key))
				}
				_, err := io.Copy(io.Discard, value)
				return err
			})
		})
		checkErr(t, err)
		if n > allocBound(data) {
			t.Fatalf("decoding %d bytes allocated %d", len(data), n)
		}
	})
}

// FuzzAggregatedEntries fuzzes the aggregated-log layer: the input is one record's value, cut
// into chunks of the given size, in an otherwise well-formed node file.
func FuzzAggregatedEntries(f *testing.F) {
	f.Add([]byte{}, uint16(0), false, uint8(0))
	f.Add(containerValue(logFile{"stdout", "hello\n"}, logFile{"stderr", ""}), uint16(0), false, uint8(0))
	f.Add(containerValue(logFile{"stdout", "hello\n"}, logFile{"stderr", "x"}), uint16(3), true, uint8(0))
	f.Add(append(utf("stdout"), utf("99")...), uint16(5), false, uint8(0))
	f.Add(append(utf("stdout"), utf("-7")...), uint16(0), false, uint8(0))
	f.Add([]byte{0, 0, 0, 1}, uint16(0), false, uint8(1))
	f.Add(utf("alice"), uint16(1), false, uint8(2))
	f.Add(append(utf("VIEW_APP"), utf("alice")...), uint16(2), true, uint8(3))
	keys := [][]byte{utf("container_1_0001_01_000001"), utf("VERSION"), utf("APPLICATION_OWNER"), utf("APPLICATION_ACL")}
	f.Fuzz(func(t *testing.T, value []byte, chunk uint16, gz bool, key uint8) {
		r := rec{key: keys[int(key)%len(keys)], chunks: [][]byte{value}}
		if chunk > 0 {
			r.chunks = splitEvery(value, int(chunk))
		}
		s := tfileSpec{codec: "none", blocks: [][]rec{{r}}}
		if gz {
			s.codec = "gz"
		}
		data := buildTFile(t, s)
		var (
			err   error
			total int64
		)
		n := allocated(func() {
			_, err = ReadNodeFile(context.Background(), bytes.NewReader(data), int64(len(data)), "n_1", func(cl ContainerLog) error {
				if cl.Size < 0 || cl.Container == "" {
					t.Fatalf("log %+v", cl)
				}
				got, err := io.Copy(io.Discard, cl.Data)
				if err == nil && got != cl.Size {
					t.Fatalf("%s: read %d bytes of %d", cl.File, got, cl.Size)
				}
				total += got
				return err
			})
		})
		checkErr(t, err)
		if total > int64(len(value)) {
			t.Fatalf("%d log bytes out of a %d-byte value", total, len(value))
		}
		if n > allocBound(data) {
			t.Fatalf("decoding %d bytes allocated %d", len(data), n)
		}
	})
}
