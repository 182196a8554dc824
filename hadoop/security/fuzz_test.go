package security

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"testing/iotest"
)

// Every decoder must: never panic, return an error wrapping ErrMalformed for
// bad input (the inputs are in memory, so there are no I/O errors), and on
// success re-encode to something that decodes to the same value.

func FuzzReadCredentials(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.hdts")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, fm := range []Format{FormatWritable, FormatProtobuf} {
		b, _ := goldenCredentials().Marshal(fm)
		f.Add(b)
	}
	f.Add([]byte("HDTS\x00\x8c\x7f\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, in []byte) {
		c, err := Read(iotest.HalfReader(bytes.NewReader(in)))
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error not wrapping ErrMalformed: %v", err)
			}
			return
		}
		for _, fm := range []Format{FormatWritable, FormatProtobuf} {
			out, err := c.Marshal(fm)
			if err != nil {
				t.Fatalf("re-encode %v: %v", fm, err)
			}
			back, err := Unmarshal(out)
			if err != nil {
				t.Fatalf("decode own %v output: %v", fm, err)
			}
			assertSameCredentials(t, back, c)
		}
	})
}

func FuzzReadVLong(f *testing.F) {
	for _, c := range vlongCases {
		f.Add(AppendVLong(nil, c.v))
	}
	f.Add([]byte{0x8f, 0x05})
	f.Add(append(AppendVInt(nil, 1<<30), 1, 2, 3))
	f.Fuzz(func(t *testing.T, in []byte) {
		v, err := ReadVLong(bytes.NewReader(in))
		switch {
		case err == io.EOF:
			if len(in) != 0 {
				t.Fatalf("io.EOF with %d bytes of input", len(in))
			}
		case err != nil:
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error not wrapping ErrMalformed: %v", err)
			}
		default:
			enc := AppendVLong(nil, v)
			if len(enc) != VLongSize(v) {
				t.Fatalf("VLongSize(%d) = %d, encoded %d", v, VLongSize(v), len(enc))
			}
			back, err := ReadVLong(bytes.NewReader(enc))
			if err != nil || back != v {
				t.Fatalf("re-decode %d: %d, %v", v, back, err)
			}
		}
		// The length-prefixed readers, through a reader that cannot tell its
		// length, so the chunked path bounds the allocation.
		plain := func() io.Reader { return iotest.OneByteReader(bytes.NewReader(in)) }
		if _, err := ReadText(plain()); err != nil && !errors.Is(err, ErrMalformed) {
			t.Fatalf("ReadText: %v", err)
		}
		if _, err := ReadBytesWritable(plain()); err != nil && !errors.Is(err, ErrMalformed) {
			t.Fatalf("ReadBytesWritable: %v", err)
		}
		if tok, err := ReadTokenWritable(plain()); err == nil {
			back, err := ReadTokenWritable(bytes.NewReader(tok.AppendWritable(nil)))
			if err != nil || !back.Equal(tok) {
				t.Fatalf("token round trip: %v", err)
			}
		} else if !errors.Is(err, ErrMalformed) {
			t.Fatalf("ReadTokenWritable: %v", err)
		}
	})
}

func FuzzDelegationTokenIdentifier(f *testing.F) {
	if b, err := os.ReadFile("testdata/dtid.bin"); err == nil {
		f.Add(b)
	}
	f.Add(javaIdentifier().AppendWritable(nil))
	f.Add(DelegationTokenIdentifier{}.AppendWritable(nil))
	f.Add([]byte{0, 0x8c, 0x7f, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, in []byte) {
		id, err := ParseDelegationTokenIdentifier(in)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error not wrapping ErrMalformed: %v", err)
			}
			return
		}
		back, err := ParseDelegationTokenIdentifier(id.AppendWritable(nil))
		if err != nil || back != id {
			t.Fatalf("round trip %+v -> %+v, %v", id, back, err)
		}
		_ = id.String()
	})
}
