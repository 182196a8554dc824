package loghub

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"time"

	"github.com/orca-yarn/orca-yarn/logline"
)

// The spool is a file header followed by records, all written by the hub alone:
//
//	file:    "ORCALOG" 0x01 | record | record | ...
//
//	record:  0               4               8
//	         +---------------+---------------+------------------------+
//	         | payload len   | CRC-32C of    | payload (len bytes)    |
//	         | uint32 LE     | len + payload |                        |
//	         +---------------+---------------+------------------------+
//
//	payload: uvarint seq | varint unix seconds | uvarint nanoseconds | varint rank |
//	         byte stream (1 stdout, 2 stderr) | str role | str container | str text
//	str:     uvarint byte length | bytes
//
// The CRC covers the length too, so a cursor that does not point at a record boundary is
// caught on its first record, and a record is only ever returned whole.

const (
	fileMagic  = "ORCALOG\x01"
	headerLen  = int64(len(fileMagic))
	recHdrLen  = 8
	maxNameLen = 1 << 10 // role, container
	// maxPayload bounds a record, so a corrupt length can neither allocate much nor make a
	// reader wait for data that will never come.
	maxPayload = logline.MaxLineBytes + 2*maxNameLen + 64
	// Times outside years 1..9999 cannot round-trip through time.Unix and never occur.
	minUnixSec = -62135596800
	maxUnixSec = 253402300799
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// errShort: the bytes end inside a record; more bytes may complete it. Not corruption by itself.
var errShort = errors.New("loghub: record incomplete")

// validate says whether a line can be stored; checked before anything of a batch is written.
func validate(l logline.Line) error {
	switch {
	case l.Source.Container == "":
		return fmt.Errorf("%w: no container", ErrInvalidLine)
	case l.Seq == 0:
		return fmt.Errorf("%w: %s: seq 0 (seqs count from 1)", ErrInvalidLine, l.Source.Container)
	case l.Stream != logline.Stdout && l.Stream != logline.Stderr:
		return fmt.Errorf("%w: %s seq %d: stream %q", ErrInvalidLine, l.Source.Container, l.Seq, l.Stream)
	case len(l.Source.Role) > maxNameLen || len(l.Source.Container) > maxNameLen:
		return fmt.Errorf("%w: role or container name longer than %d bytes", ErrInvalidLine, maxNameLen)
	case len(l.Text) > logline.MaxLineBytes:
		return fmt.Errorf("%w: %s seq %d: %d bytes of text, limit %d", ErrInvalidLine, l.Source.Container, l.Seq, len(l.Text), logline.MaxLineBytes)
	case !l.Time.IsZero() && (l.Time.Unix() < minUnixSec || l.Time.Unix() > maxUnixSec):
		return fmt.Errorf("%w: %s seq %d: time out of range", ErrInvalidLine, l.Source.Container, l.Seq)
	}
	return nil
}

// appendRecord appends the record of a validated line to b.
func appendRecord(b []byte, l logline.Line) []byte {
	start := len(b)
	b = append(b, make([]byte, recHdrLen)...)
	b = binary.AppendUvarint(b, l.Seq)
	sec, nsec := int64(minUnixSec), int64(0) // the zero time
	if !l.Time.IsZero() {
		sec, nsec = l.Time.Unix(), int64(l.Time.Nanosecond())
	}
	b = binary.AppendVarint(b, sec)
	b = binary.AppendUvarint(b, uint64(nsec))
	b = binary.AppendVarint(b, int64(l.Source.Rank))
	stream := byte(1)
	if l.Stream == logline.Stderr {
		stream = 2
	}
	b = append(b, stream)
	for _, s := range []string{l.Source.Role, l.Source.Container, l.Text} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	binary.LittleEndian.PutUint32(b[start:], uint32(len(b)-start-recHdrLen))
	crc := crc32.Update(0, crcTable, b[start:start+4])
	crc = crc32.Update(crc, crcTable, b[start+recHdrLen:])
	binary.LittleEndian.PutUint32(b[start+4:], crc)
	return b
}

// decodeRecord decodes the record at the start of b. It returns the line and the record's
// length; errShort with the number of bytes needed to go on (the header, or the whole record)
// when b ends inside the record; or an error wrapping ErrCorrupt.
func decodeRecord(b []byte) (logline.Line, int, error) {
	if len(b) < recHdrLen {
		return logline.Line{}, recHdrLen, errShort
	}
	n := binary.LittleEndian.Uint32(b)
	if n > maxPayload {
		return logline.Line{}, 0, fmt.Errorf("%w: record of %d bytes", ErrCorrupt, n)
	}
	total := recHdrLen + int(n)
	if len(b) < total {
		return logline.Line{}, total, errShort
	}
	crc := crc32.Update(0, crcTable, b[:4])
	crc = crc32.Update(crc, crcTable, b[recHdrLen:total])
	if crc != binary.LittleEndian.Uint32(b[4:]) {
		return logline.Line{}, 0, fmt.Errorf("%w: checksum mismatch", ErrCorrupt)
	}
	l, err := decodePayload(b[recHdrLen:total])
	if err != nil {
		return logline.Line{}, 0, err
	}
	return l, total, nil
}

// payloadReader consumes a payload field by field; the first malformed field sticks.
type payloadReader struct {
	b   []byte
	err error
}

func (r *payloadReader) fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: bad %s", ErrCorrupt, what)
	}
}

func (r *payloadReader) uvarint(what string) uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail(what)
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *payloadReader) varint(what string) int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail(what)
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *payloadReader) str(what string, limit int) string {
	n := r.uvarint(what)
	if r.err != nil || n > uint64(limit) || n > uint64(len(r.b)) {
		r.fail(what)
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

func decodePayload(b []byte) (logline.Line, error) {
	r := payloadReader{b: b}
	var l logline.Line
	l.Seq = r.uvarint("seq")
	sec := r.varint("time")
	nsec := r.uvarint("time")
	rank := r.varint("rank")
	if len(r.b) == 0 {
		r.fail("stream")
	}
	if r.err != nil {
		return logline.Line{}, r.err
	}
	switch r.b[0] {
	case 1:
		l.Stream = logline.Stdout
	case 2:
		l.Stream = logline.Stderr
	default:
		return logline.Line{}, fmt.Errorf("%w: bad stream %d", ErrCorrupt, r.b[0])
	}
	r.b = r.b[1:]
	l.Source.Role = r.str("role", maxNameLen)
	l.Source.Container = r.str("container", maxNameLen)
	l.Text = r.str("text", logline.MaxLineBytes)
	switch {
	case r.err != nil:
		return logline.Line{}, r.err
	case len(r.b) != 0:
		return logline.Line{}, fmt.Errorf("%w: %d trailing payload bytes", ErrCorrupt, len(r.b))
	case sec < minUnixSec || sec > maxUnixSec || nsec >= uint64(time.Second):
		return logline.Line{}, fmt.Errorf("%w: bad time", ErrCorrupt)
	case rank != int64(int(rank)):
		return logline.Line{}, fmt.Errorf("%w: bad rank", ErrCorrupt)
	}
	l.Source.Rank = int(rank)
	if sec != minUnixSec || nsec != 0 {
		l.Time = time.Unix(sec, int64(nsec)).UTC()
	}
	return l, nil
}
