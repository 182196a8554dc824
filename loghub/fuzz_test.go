package loghub

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"testing"
)

// FuzzDecodeRecord: any bytes decode to a whole line that re-encodes to the same line, or to
// errShort / ErrCorrupt; never a panic, never a record longer than its input or its limit.
func FuzzDecodeRecord(f *testing.F) {
	good := appendRecord(nil, line("container_1_0001_01_000002", 7, "hello world"))
	f.Add(good)
	f.Add(good[:5])
	f.Add(good[:len(good)-1])
	f.Add(append(append([]byte(nil), good...), good...))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0})
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		l, n, err := decodeRecord(b)
		if err != nil {
			if !errors.Is(err, errShort) && !errors.Is(err, ErrCorrupt) {
				t.Fatalf("unclassified error %v", err)
			}
			if errors.Is(err, errShort) && (n <= len(b) || n > recHdrLen+maxPayload) {
				t.Fatalf("errShort asks for %d bytes with %d at hand", n, len(b))
			}
			return
		}
		if n > len(b) || n > recHdrLen+maxPayload {
			t.Fatalf("record of %d bytes from %d", n, len(b))
		}
		again, m, err := decodeRecord(appendRecord(nil, l))
		if err != nil || again != l || m > n {
			t.Fatalf("re-encoded %+v decodes to %+v (%d bytes, %v)", l, again, m, err)
		}
	})
}

// FuzzDecodePayload: the same for payload bytes behind a valid length and checksum, which
// random records almost never reach.
func FuzzDecodePayload(f *testing.F) {
	f.Add(appendRecord(nil, line("c", 1, "hello"))[recHdrLen:])
	f.Add(appendRecord(nil, line("container_1_0001_01_000002", 1<<40, ""))[recHdrLen:])
	f.Add([]byte{1, 0, 0, 0, 1, 0, 0, 0})
	f.Fuzz(func(t *testing.T, payload []byte) {
		if len(payload) > maxPayload {
			return
		}
		b := binary.LittleEndian.AppendUint32(nil, uint32(len(payload)))
		crc := crc32.Update(crc32.Update(0, crcTable, b), crcTable, payload)
		b = binary.LittleEndian.AppendUint32(b, crc)
		b = append(b, payload...)
		l, n, err := decodeRecord(b)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("whole record: %v, want ErrCorrupt", err)
			}
			return
		}
		if n != len(b) {
			t.Fatalf("record of %d bytes from %d", n, len(b))
		}
		again, m, err := decodeRecord(appendRecord(nil, l))
		if err != nil || again != l || m > n {
			t.Fatalf("re-encoded %+v decodes to %+v (%d bytes, %v)", l, again, m, err)
		}
	})
}
