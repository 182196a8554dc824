package security

// Hadoop Writable primitives (org.apache.hadoop.io.WritableUtils, Text,
// BytesWritable). These are NOT protobuf varints: the first byte carries the
// sign and the byte count, the value follows big-endian.
//
//	-112 <= v <= 127          one byte, v itself (two's complement)
//	v > 127                   [-112-n] [n bytes of v, big-endian]      n = 1..8
//	v < -112                  [-120-n] [n bytes of ^v, big-endian]     n = 1..8
//
//	e.g. 128 -> 8F 80   300 -> 8E 01 2C   -113 -> 87 70   MinInt64 -> 80 7F FF FF FF FF FF FF FF
//
//	Text          = VInt byte length, then that many (UTF-8) bytes
//	VInt bytes    = VInt byte length, then the bytes (Token.write, Credentials secrets)
//	BytesWritable = int32 big-endian length, then the bytes (a different framing!)
//
// Decoders never trust a length: they read at most what the input holds
// (see readN), so a corrupt 2^31 length is an error, not an allocation.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"slices"
)

// ErrMalformed is wrapped by every error caused by bad input bytes (bad magic,
// unknown version, truncation, impossible lengths) as opposed to I/O errors.
var ErrMalformed = errors.New("malformed Hadoop security data")

// readChunk bounds each allocation when the reader cannot tell how many bytes
// it holds: memory grows with the data actually read, not with a claimed length.
const readChunk = 64 << 10

// VLongSize returns how many bytes AppendVLong uses for v
// (WritableUtils.getVIntSize).
func VLongSize(v int64) int {
	if v >= -112 && v <= 127 {
		return 1
	}
	if v < 0 {
		v = ^v
	}
	return 1 + (bits.Len64(uint64(v))+7)/8
}

// AppendVLong appends v in WritableUtils.writeVLong form.
func AppendVLong(b []byte, v int64) []byte {
	if v >= -112 && v <= 127 {
		return append(b, byte(v))
	}
	base := -112
	if v < 0 {
		v = ^v // one's complement: the magnitude bytes of a negative value
		base = -120
	}
	n := (bits.Len64(uint64(v)) + 7) / 8
	b = append(b, byte(int8(base-n)))
	for i := n - 1; i >= 0; i-- {
		b = append(b, byte(uint64(v)>>(8*i)))
	}
	return b
}

// AppendVInt appends v in WritableUtils.writeVInt form (same encoding as a
// VLong; only the accepted range differs on reading).
func AppendVInt(b []byte, v int32) []byte { return AppendVLong(b, int64(v)) }

// ReadVLong reads one WritableUtils VLong. Like binary.ReadUvarint it returns
// io.EOF when no byte could be read; a value cut short returns an error
// wrapping ErrMalformed and io.ErrUnexpectedEOF. Non-canonical encodings
// (5 in two bytes) are accepted, as Java accepts them.
func ReadVLong(r io.Reader) (int64, error) {
	var buf [8]byte
	if _, err := io.ReadFull(r, buf[:1]); err != nil {
		if errors.Is(err, io.EOF) {
			return 0, io.EOF
		}
		return 0, fmt.Errorf("read vlong: %w", err)
	}
	first := int8(buf[0])
	if first >= -112 {
		return int64(first), nil
	}
	neg := first < -120
	n := -(int(first) + 112) // 1..8 for -113..-120
	if neg {
		n = -(int(first) + 120) // 1..8 for -121..-128
	}
	if _, err := io.ReadFull(r, buf[:n]); err != nil {
		return 0, short("vlong", err)
	}
	var v uint64
	for _, c := range buf[:n] {
		v = v<<8 | uint64(c)
	}
	if neg {
		v = ^v
	}
	return int64(v), nil
}

// ReadVInt reads a VLong that must fit an int32 (WritableUtils.readVInt
// rejects the rest with "value too long to fit in integer").
func ReadVInt(r io.Reader) (int32, error) {
	v, err := ReadVLong(r)
	if err != nil {
		return 0, err
	}
	if v > math.MaxInt32 || v < math.MinInt32 {
		return 0, fmt.Errorf("%w: vint %d does not fit in 32 bits", ErrMalformed, v)
	}
	return int32(v), nil
}

// AppendText appends s as a Hadoop Text: VInt byte length, then the bytes.
// Hadoop Text is UTF-8; s is written as is, so bytes read with ReadText
// round-trip exactly even when they are not valid UTF-8.
func AppendText(b []byte, s string) []byte {
	b = AppendVInt(b, int32(len(s)))
	return append(b, s...)
}

// ReadText reads a Hadoop Text (Text.readFields: no limit beyond the int32
// length and the input itself).
func ReadText(r io.Reader) (string, error) {
	b, err := readVIntPrefixed(r, math.MaxInt32, "text")
	return string(b), err
}

// readTextMax is Text.readFields(in, maxLength): lengths >= maxLen are
// rejected (Java's check is ">=", so maxLen itself is already too long).
func readTextMax(r io.Reader, maxLen int) (string, error) {
	b, err := readVIntPrefixed(r, maxLen-1, "text")
	return string(b), err
}

// AppendVIntBytes appends p with a VInt length prefix, the framing Token.write
// uses for identifier and password and Credentials.write for secret keys.
func AppendVIntBytes(b, p []byte) []byte {
	b = AppendVInt(b, int32(len(p)))
	return append(b, p...)
}

// ReadVIntBytes reads bytes framed by AppendVIntBytes. The result is never
// nil (an empty field is []byte{}), so presence survives a protobuf round trip.
func ReadVIntBytes(r io.Reader) ([]byte, error) {
	return readVIntPrefixed(r, math.MaxInt32, "bytes")
}

// AppendBytesWritable appends p as org.apache.hadoop.io.BytesWritable:
// a 4-byte big-endian length, then the bytes.
func AppendBytesWritable(b, p []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(p)))
	return append(b, p...)
}

// ReadBytesWritable reads a BytesWritable (int32 big-endian length + bytes).
func ReadBytesWritable(r io.Reader) ([]byte, error) {
	var l [4]byte
	if _, err := io.ReadFull(r, l[:]); err != nil {
		return nil, short("BytesWritable length", err)
	}
	n := int32(binary.BigEndian.Uint32(l[:]))
	if n < 0 {
		return nil, fmt.Errorf("%w: BytesWritable length %d is negative", ErrMalformed, n)
	}
	return readN(r, int(n), "BytesWritable")
}

// readVIntPrefixed reads a VInt length in [0, maxLen] and that many bytes.
func readVIntPrefixed(r io.Reader, maxLen int, what string) ([]byte, error) {
	n, err := ReadVInt(r)
	if err != nil {
		return nil, short(what+" length", err)
	}
	if n < 0 {
		return nil, fmt.Errorf("%w: %s length %d is negative", ErrMalformed, what, n)
	}
	if int(n) > maxLen {
		return nil, fmt.Errorf("%w: %s length %d exceeds the limit %d", ErrMalformed, what, n, maxLen)
	}
	return readN(r, int(n), what)
}

// readN reads exactly n bytes. A reader that knows its remaining length
// (*bytes.Reader, *bytes.Buffer, *strings.Reader) lets us reject an
// impossible n before allocating; any other reader is read in chunks, so
// memory only grows with bytes that actually arrive.
func readN(r io.Reader, n int, what string) ([]byte, error) {
	if l, ok := r.(interface{ Len() int }); ok && n > l.Len() {
		return nil, fmt.Errorf("%w: %s of %d bytes, only %d left: %w",
			ErrMalformed, what, n, l.Len(), io.ErrUnexpectedEOF)
	}
	out := make([]byte, 0, min(n, readChunk))
	for len(out) < n {
		k := min(n-len(out), readChunk)
		out = slices.Grow(out, k)[:len(out)+k]
		if _, err := io.ReadFull(r, out[len(out)-k:]); err != nil {
			return nil, short(what, err)
		}
	}
	return out, nil
}

// short turns an end of input in the middle of a structure into a malformed
// error (wrapping io.ErrUnexpectedEOF); other errors keep their identity.
func short(what string, err error) error {
	switch {
	case errors.Is(err, ErrMalformed):
		return err
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%w: %s truncated: %w", ErrMalformed, what, io.ErrUnexpectedEOF)
	default:
		return fmt.Errorf("read %s: %w", what, err)
	}
}
