package logagg

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"math"
	"strings"
	"testing"
)

// Golden encodings, worked out by hand from Utils.writeVLong's documented ranges; 5020 and 5124
// also appear in node files the real cluster wrote.
var vlongGolden = []struct {
	n   int64
	hex string
}{
	{0, "00"},
	{1, "01"},
	{-1, "ff"},
	{127, "7f"},
	{-32, "e0"},
	{-33, "cbdf"},
	{128, "cc80"},
	{5020, "df9c"},
	{5124, "a81404"},
	{-5121, "a7ebff"},
	{1 << 20, "90100000"},
	{1 << 31, "840080000000"},
	{math.MaxInt32, "837fffffff"},
	{math.MinInt32, "8380000000"},
	{-1 << 40, "85ff0000000000"},
	{math.MaxInt64, "877fffffffffffffff"},
	{math.MinInt64, "878000000000000000"},
}

func TestVLongGolden(t *testing.T) {
	for _, g := range vlongGolden {
		var b bytes.Buffer
		writeVLong(&b, g.n)
		if got := hex.EncodeToString(b.Bytes()); got != g.hex {
			t.Errorf("writeVLong(%d) = %s, want %s", g.n, got, g.hex)
		}
		raw, _ := hex.DecodeString(g.hex)
		r := bytes.NewReader(raw)
		got, err := readVLong(r)
		if err != nil || got != g.n || r.Len() != 0 {
			t.Errorf("readVLong(%s) = %d, %v with %d bytes left; want %d", g.hex, got, err, r.Len(), g.n)
		}
	}
}

// Every boundary of every length class, and its neighbours, round-trips.
func TestVLongRoundTrip(t *testing.T) {
	var ns []int64
	for shift := range 63 {
		for _, base := range []int64{1 << shift, -(1 << shift)} {
			ns = append(ns, base-1, base, base+1)
		}
	}
	for _, edge := range []int64{-32, -33, 127, 128, -20 << 8, 20 << 8, -16 << 16, 16 << 16, -8 << 24, 8 << 24} {
		ns = append(ns, edge-1, edge, edge+1)
	}
	for _, n := range ns {
		var b bytes.Buffer
		writeVLong(&b, n)
		got, err := readVLong(bytes.NewReader(b.Bytes()))
		if err != nil || got != n {
			t.Fatalf("%d encoded as %x decodes to %d, %v", n, b.Bytes(), got, err)
		}
	}
}

func TestVLongBad(t *testing.T) {
	for _, c := range []struct {
		hex  string
		want error
	}{
		{"", io.EOF},
		{"cb", io.ErrUnexpectedEOF},
		{"a814", io.ErrUnexpectedEOF},
		{"877fff", io.ErrUnexpectedEOF},
		{"80", ErrCorrupt}, // the long form with a 1..3-byte body does not exist
		{"82", ErrCorrupt},
	} {
		raw, _ := hex.DecodeString(c.hex)
		if _, err := readVLong(bytes.NewReader(raw)); !errors.Is(err, c.want) {
			t.Errorf("readVLong(%s): %v, want %v", c.hex, err, c.want)
		}
	}
	var b bytes.Buffer
	writeVLong(&b, math.MaxInt32+1)
	if _, err := readVInt(bytes.NewReader(b.Bytes())); !errors.Is(err, ErrCorrupt) {
		t.Errorf("readVInt of 2^31: %v, want ErrCorrupt", err)
	}
}

func TestModifiedUTF8(t *testing.T) {
	for _, c := range []struct {
		hex, want string
	}{
		{"737464657272", "stderr"},
		{"636166c3a9", "café"},
		{"61c08062", "a\x00b"},         // NUL is C0 80
		{"eda0bdedb880", "\U0001F600"}, // beyond the BMP: two encoded surrogates
		{"eda0bd", "\uFFFD"},           // a lone surrogate, as Java would print it
		{"e282ac", "€"},                // three bytes
		{"", ""},
	} {
		raw, _ := hex.DecodeString(c.hex)
		got, err := decodeModifiedUTF8(raw)
		if err != nil || got != c.want {
			t.Errorf("decode(%s) = %q, %v; want %q", c.hex, got, err, c.want)
		}
	}
	for _, bad := range []string{"80", "c0", "e282", "f09f9880", "ff"} {
		raw, _ := hex.DecodeString(bad)
		if _, err := decodeModifiedUTF8(raw); !errors.Is(err, ErrCorrupt) {
			t.Errorf("decode(%s): %v, want ErrCorrupt", bad, err)
		}
	}
}

func TestReadUTF(t *testing.T) {
	r := bytes.NewReader(append(utf("stdout"), utf("47")...))
	for _, want := range []string{"stdout", "47"} {
		if got, err := readUTF(r, true); err != nil || got != want {
			t.Fatalf("readUTF = %q, %v; want %q", got, err, want)
		}
	}
	if _, err := readUTF(r, true); err != io.EOF {
		t.Fatalf("readUTF at a clean end: %v, want io.EOF", err)
	}
	if _, err := readUTF(strings.NewReader(""), false); err != io.ErrUnexpectedEOF {
		t.Fatalf("readUTF where a string must be: %v, want io.ErrUnexpectedEOF", err)
	}
	if _, err := readUTF(strings.NewReader("\x00"), true); err != io.ErrUnexpectedEOF {
		t.Fatalf("readUTF of half a length: %v, want io.ErrUnexpectedEOF", err)
	}
	if _, err := readUTF(strings.NewReader("\x00\x05abc"), true); err != io.ErrUnexpectedEOF {
		t.Fatalf("readUTF of a short string: %v, want io.ErrUnexpectedEOF", err)
	}
}
