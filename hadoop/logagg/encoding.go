package logagg

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"unicode/utf16"
)

// Sentinel errors. Every error this package returns for a bad file wraps ErrCorrupt or
// ErrUnsupported; a missing application directory wraps ErrNotAggregated.
var (
	// ErrNotAggregated: the application's logs are not (yet) in the remote log directory: the
	// app is still running, its NodeManagers are still uploading, log aggregation is off, the
	// logs were already deleted by retention, or no container of the app ever ran. The RM's
	// logAggregationStatus for the app tells these apart.
	ErrNotAggregated = errors.New("logs are not aggregated yet")
	// ErrCorrupt: a node file is not a well-formed TFile of aggregated logs.
	ErrCorrupt = errors.New("corrupt aggregated log file")
	// ErrUnsupported: a well-formed file in a format or compression this package does not read
	// (IndexedFormat/IFile, LZO blocks, Hadoop archives).
	ErrUnsupported = errors.New("unsupported aggregated log format")
)

func corruptf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrCorrupt, fmt.Sprintf(format, args...))
}

// eofCorrupt turns an end of input inside a structure into ErrCorrupt: every length in these
// files is known up front, so running out of bytes means the file is truncated.
func eofCorrupt(err error, what string) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return corruptf("%s: truncated", what)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// readVLong decodes TFile's own variable-length integer (org.apache.hadoop.io.file.tfile.Utils,
// not WritableUtils). The first byte, read as a signed fb, says how many follow:
//
//	fb >= -32          the value is fb itself
//	fb in [-72, -33]   (fb+52)<<8  | 1 byte
//	fb in [-104, -73]  (fb+88)<<16 | 2 bytes
//	fb in [-120, -105] (fb+112)<<24 | 3 bytes
//	fb in [-128, -121] the next fb+129 bytes (4..8) are a signed big-endian integer
func readVLong(r io.ByteReader) (int64, error) {
	b0, err := r.ReadByte()
	if err != nil {
		return 0, err
	}
	fb := int64(int8(b0))
	if fb >= -32 {
		return fb, nil
	}
	var (
		hi int64
		n  int
	)
	switch {
	case fb >= -72:
		hi, n = fb+52, 1
	case fb >= -104:
		hi, n = fb+88, 2
	case fb >= -120:
		hi, n = fb+112, 3
	default:
		n = int(fb + 129)
		if n < 4 {
			return 0, corruptf("vlong with a %d-byte body", n)
		}
	}
	v := hi
	for i := range n {
		b, err := r.ReadByte()
		if err != nil {
			return 0, io.ErrUnexpectedEOF
		}
		if i == 0 && fb < -120 {
			v = int64(int8(b)) // the long form is signed: sign-extend its first byte
			continue
		}
		v = v<<8 | int64(b)
	}
	return v, nil
}

// readVInt is readVLong limited to Java's int range, as Utils.readVInt is.
func readVInt(r io.ByteReader) (int32, error) {
	v, err := readVLong(r)
	if err != nil {
		return 0, err
	}
	if v < math.MinInt32 || v > math.MaxInt32 {
		return 0, corruptf("vint %d out of int range", v)
	}
	return int32(v), nil
}

// readTFileString reads Utils.readString: a VInt length (-1 for null) and that many bytes of
// UTF-8. max bounds the allocation a corrupt length could ask for.
func readTFileString(r interface {
	io.ByteReader
	io.Reader
}, max int) (string, error) {
	n, err := readVInt(r)
	if err != nil {
		return "", err
	}
	if n == -1 {
		return "", nil
	}
	if n < 0 || int(n) > max {
		return "", corruptf("string length %d (limit %d)", n, max)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", io.ErrUnexpectedEOF
	}
	return string(b), nil
}

// readUTF reads what Java's DataOutputStream.writeUTF wrote: a big-endian uint16 byte count,
// then the string in modified UTF-8. With atEnd, an input that ends before the first byte is
// io.EOF (a clean end of a sequence); anywhere else, running out is io.ErrUnexpectedEOF.
func readUTF(r io.Reader, atEnd bool) (string, error) {
	var hdr [2]byte
	if n, err := io.ReadFull(r, hdr[:]); err != nil {
		if n == 0 && errors.Is(err, io.EOF) && atEnd {
			return "", io.EOF
		}
		return "", io.ErrUnexpectedEOF
	}
	b := make([]byte, binary.BigEndian.Uint16(hdr[:])) // at most 64 KiB, by the format
	if _, err := io.ReadFull(r, b); err != nil {
		return "", io.ErrUnexpectedEOF
	}
	return decodeModifiedUTF8(b)
}

// decodeModifiedUTF8 decodes Java's modified UTF-8 (DataInput.readUTF): UTF-8 limited to one to
// three bytes a character, with NUL as C0 80 and characters beyond the BMP as two encoded
// UTF-16 surrogates. Unpaired surrogates become U+FFFD, as a Java String would print them.
func decodeModifiedUTF8(b []byte) (string, error) {
	ascii := true
	for _, c := range b {
		if c >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return string(b), nil
	}
	units := make([]uint16, 0, len(b))
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c < 0x80:
			units = append(units, uint16(c))
			i++
		case c>>5 == 0b110:
			if i+1 >= len(b) || b[i+1]>>6 != 0b10 {
				return "", corruptf("malformed modified UTF-8 at byte %d", i)
			}
			units = append(units, uint16(c&0x1f)<<6|uint16(b[i+1]&0x3f))
			i += 2
		case c>>4 == 0b1110:
			if i+2 >= len(b) || b[i+1]>>6 != 0b10 || b[i+2]>>6 != 0b10 {
				return "", corruptf("malformed modified UTF-8 at byte %d", i)
			}
			units = append(units, uint16(c&0x0f)<<12|uint16(b[i+1]&0x3f)<<6|uint16(b[i+2]&0x3f))
			i += 3
		default:
			return "", corruptf("malformed modified UTF-8 at byte %d", i)
		}
	}
	return string(utf16.Decode(units)), nil
}
