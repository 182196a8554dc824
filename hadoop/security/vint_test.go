package security

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"math"
	"runtime"
	"testing"
	"testing/iotest"
)

// Expected bytes follow WritableUtils.writeVLong by hand: one byte for
// -112..127; else a first byte of -112-n (positive) or -120-n (negative,
// followed by the bytes of ^v), then n big-endian bytes.
var vlongCases = []struct {
	v   int64
	hex string
}{
	{0, "00"},
	{1, "01"},
	{-1, "ff"},
	{127, "7f"},                           // largest one-byte value
	{-112, "90"},                          // smallest one-byte value
	{128, "8f80"},                         // -113 = 0x8f: positive, 1 byte follows
	{-113, "8770"},                        // -121 = 0x87: negative, 1 byte of ^v = 112
	{-120, "8777"},                        // ^v = 119
	{-128, "877f"},                        // ^v = 127
	{-129, "8780"},                        // ^v = 128 still one byte
	{-256, "87ff"},                        // ^v = 255
	{-257, "860100"},                      // ^v = 256: two bytes, -122 = 0x86
	{200, "8fc8"},                         // fact sheet example
	{255, "8fff"},                         // largest one-data-byte value
	{256, "8e0100"},                       // -114 = 0x8e: two bytes follow
	{300, "8e012c"},                       // fact sheet example
	{65535, "8effff"},                     // largest two-data-byte value
	{65536, "8d010000"},                   // three bytes
	{math.MaxInt32, "8c7fffffff"},         // four bytes
	{math.MinInt32, "847fffffff"},         // ^v = MaxInt32, -124 = 0x84
	{1 << 32, "8b0100000000"},             // five bytes
	{1700000000123, "8a018bcfe5687b"},     // a date in ms: six bytes
	{math.MaxInt64, "887fffffffffffffff"}, // -120 = 0x88: eight bytes
	{math.MinInt64, "807fffffffffffffff"}, // -128 = 0x80: ^v = MaxInt64
}

func TestVLongTable(t *testing.T) {
	for _, c := range vlongCases {
		want, _ := hex.DecodeString(c.hex)
		got := AppendVLong(nil, c.v)
		if !bytes.Equal(got, want) {
			t.Errorf("AppendVLong(%d) = %x, want %s", c.v, got, c.hex)
		}
		if n := VLongSize(c.v); n != len(want) {
			t.Errorf("VLongSize(%d) = %d, want %d", c.v, n, len(want))
		}
		r := bytes.NewReader(want)
		v, err := ReadVLong(r)
		if err != nil || v != c.v || r.Len() != 0 {
			t.Errorf("ReadVLong(%s) = %d, %v (left %d), want %d", c.hex, v, err, r.Len(), c.v)
		}
		for cut := 1; cut < len(want); cut++ {
			_, err := ReadVLong(bytes.NewReader(want[:cut]))
			if !errors.Is(err, ErrMalformed) || !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("ReadVLong(%x) err = %v, want truncation", want[:cut], err)
			}
		}
	}
}

func TestReadVLongEdges(t *testing.T) {
	if _, err := ReadVLong(bytes.NewReader(nil)); err != io.EOF {
		t.Errorf("empty input: err = %v, want io.EOF", err)
	}
	// Non-canonical: 5 in two bytes. Java accepts it, so do we.
	if v, err := ReadVLong(bytes.NewReader([]byte{0x8f, 0x05})); err != nil || v != 5 {
		t.Errorf("non-canonical 8f05 = %d, %v", v, err)
	}
	// A plain io.Reader (no ByteReader, one byte per Read) works the same.
	if v, err := ReadVLong(iotest.OneByteReader(bytes.NewReader([]byte{0x8e, 0x01, 0x2c}))); err != nil || v != 300 {
		t.Errorf("one-byte reader: %d, %v", v, err)
	}
	errRead := errors.New("disk on fire")
	if _, err := ReadVLong(iotest.ErrReader(errRead)); !errors.Is(err, errRead) || errors.Is(err, ErrMalformed) {
		t.Errorf("I/O error = %v, want it wrapped and not malformed", err)
	}
}

func TestReadVIntRange(t *testing.T) {
	for _, v := range []int64{math.MaxInt32 + 1, math.MinInt32 - 1, math.MaxInt64} {
		_, err := ReadVInt(bytes.NewReader(AppendVLong(nil, v)))
		if !errors.Is(err, ErrMalformed) {
			t.Errorf("ReadVInt(%d) err = %v, want ErrMalformed", v, err)
		}
	}
	for _, v := range []int32{math.MaxInt32, math.MinInt32, 0, -113} {
		got, err := ReadVInt(bytes.NewReader(AppendVInt(nil, v)))
		if err != nil || got != v {
			t.Errorf("ReadVInt round trip %d = %d, %v", v, got, err)
		}
	}
}

func TestText(t *testing.T) {
	cases := []struct{ s, hex string }{
		{"", "00"},
		{"a", "0161"},
		{"bjørn", "06626ac3b8726e"}, // ø is two UTF-8 bytes: length counts bytes
		{"\xff\xfe", "02fffe"},      // not UTF-8: kept byte for byte
	}
	for _, c := range cases {
		got := AppendText(nil, c.s)
		if hex.EncodeToString(got) != c.hex {
			t.Errorf("AppendText(%q) = %x, want %s", c.s, got, c.hex)
		}
		s, err := ReadText(bytes.NewReader(got))
		if err != nil || s != c.s {
			t.Errorf("ReadText(%x) = %q, %v", got, s, err)
		}
	}
	if _, err := ReadText(bytes.NewReader([]byte{0xff})); !errors.Is(err, ErrMalformed) {
		t.Errorf("negative length: err = %v", err)
	}
	long := AppendText(nil, string(make([]byte, 1000)))
	if _, err := readTextMax(bytes.NewReader(long), 1000); !errors.Is(err, ErrMalformed) {
		t.Errorf("length == max must fail as in Text.readFields(in, max): %v", err)
	}
	if _, err := readTextMax(bytes.NewReader(long), 1001); err != nil {
		t.Errorf("length < max: %v", err)
	}
}

func TestBytesFramings(t *testing.T) {
	p := []byte{1, 2, 3}
	if got := hex.EncodeToString(AppendVIntBytes(nil, p)); got != "03010203" {
		t.Errorf("AppendVIntBytes = %s", got)
	}
	if got := hex.EncodeToString(AppendBytesWritable(nil, p)); got != "00000003010203" {
		t.Errorf("AppendBytesWritable = %s", got)
	}
	if b, err := ReadBytesWritable(bytes.NewReader([]byte{0, 0, 0, 3, 1, 2, 3})); err != nil || !bytes.Equal(b, p) {
		t.Errorf("ReadBytesWritable = %x, %v", b, err)
	}
	if _, err := ReadBytesWritable(bytes.NewReader([]byte{0x80, 0, 0, 0})); !errors.Is(err, ErrMalformed) {
		t.Errorf("negative BytesWritable: %v", err)
	}
	if b, err := ReadVIntBytes(bytes.NewReader([]byte{0})); err != nil || b == nil || len(b) != 0 {
		t.Errorf("empty VInt bytes = %#v, %v; want non-nil empty", b, err)
	}
}

// A corrupt length of 2^31-1 must cost an error, not 2 GiB: both with a
// reader that knows its length and with one that does not.
func TestHugeLengthDoesNotAllocate(t *testing.T) {
	claim := append(AppendVInt(nil, math.MaxInt32), "only a few bytes"...)
	readers := map[string]func() io.Reader{
		"bytes.Reader": func() io.Reader { return bytes.NewReader(claim) },
		"plain reader": func() io.Reader { return iotest.HalfReader(bytes.NewReader(claim)) },
	}
	for name, mk := range readers {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := ReadVIntBytes(mk())
		runtime.ReadMemStats(&after)
		if !errors.Is(err, ErrMalformed) || !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("%s: err = %v, want truncation", name, err)
		}
		if d := after.TotalAlloc - before.TotalAlloc; d > 1<<20 {
			t.Errorf("%s: allocated %d bytes for a corrupt length", name, d)
		}
	}
	// Larger than one chunk, arriving in pieces: still read correctly.
	big := bytes.Repeat([]byte{7}, 3*readChunk+5)
	got, err := ReadVIntBytes(iotest.HalfReader(bytes.NewReader(AppendVIntBytes(nil, big))))
	if err != nil || !bytes.Equal(got, big) {
		t.Errorf("chunked read: len %d, %v", len(got), err)
	}
}
