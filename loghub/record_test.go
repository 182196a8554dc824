package loghub

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/orca-yarn/orca-yarn/logline"
)

// line builds a valid line of container c; times are UTC so decoded lines compare with ==.
func line(c string, seq uint64, text string) logline.Line {
	return logline.Line{
		Source: logline.Source{Role: "worker", Rank: 3, Container: c},
		Stream: logline.Stdout,
		Seq:    seq,
		Time:   time.Unix(1700000000, int64(seq)).UTC(),
		Text:   text,
	}
}

func TestRecordRoundTrip(t *testing.T) {
	long := strings.Repeat("x", logline.MaxLineBytes)
	cases := map[string]logline.Line{
		"plain":      line("container_1_0001_01_000002", 1, "hello"),
		"empty text": line("c", 2, ""),
		"stderr":     {Source: logline.Source{Role: "head", Container: "c"}, Stream: logline.Stderr, Seq: 9, Time: time.Unix(0, 999999999).UTC(), Text: "boom"},
		"zero time":  {Source: logline.Source{Role: "am", Rank: -1, Container: "c"}, Stream: logline.Stdout, Seq: 1 << 62, Text: "t"},
		"year 9999":  {Source: logline.Source{Container: "c"}, Stream: logline.Stdout, Seq: 1, Time: time.Date(9999, 12, 31, 23, 59, 59, 1, time.UTC), Text: "late"},
		"max line":   line("c", 3, long),
		"binary":     line("c", 4, "\x00\xff\n\r not utf-8 \xc3"),
	}
	for name, l := range cases {
		t.Run(name, func(t *testing.T) {
			if err := validate(l); err != nil {
				t.Fatal(err)
			}
			rec := appendRecord([]byte("prefix"), l)[len("prefix"):]
			got, n, err := decodeRecord(append(rec, "next record"...))
			if err != nil {
				t.Fatal(err)
			}
			if n != len(rec) || got != l {
				t.Fatalf("decoded %+v (%d bytes), want %+v (%d bytes)", got, n, l, len(rec))
			}
			for cut := range len(rec) {
				if _, _, err := decodeRecord(rec[:cut]); !errors.Is(err, errShort) {
					t.Fatalf("record cut at %d/%d: %v, want errShort", cut, len(rec), err)
				}
			}
		})
	}
}

func TestRecordLocalTimeComesBackUTC(t *testing.T) {
	l := line("c", 1, "x")
	l.Time = time.Date(2024, 5, 6, 7, 8, 9, 10, time.FixedZone("X", 3600))
	got, _, err := decodeRecord(appendRecord(nil, l))
	if err != nil || !got.Time.Equal(l.Time) || got.Time.Location() != time.UTC {
		t.Fatalf("time %v (%v), want %v in UTC", got.Time, err, l.Time)
	}
}

func TestRecordCorrupt(t *testing.T) {
	good := appendRecord(nil, line("c", 1, "hello"))
	flip := func(i int) []byte {
		b := append([]byte(nil), good...)
		b[i] ^= 0x40
		return b
	}
	huge := append([]byte(nil), good...)
	huge[3] = 0x7f
	cases := map[string][]byte{
		"length over limit": huge,
		"length changed":    flip(0),
		"checksum changed":  flip(5),
		"payload changed":   flip(len(good) - 2),
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			if _, _, err := decodeRecord(b); !errors.Is(err, ErrCorrupt) && !errors.Is(err, errShort) {
				t.Fatalf("%v, want ErrCorrupt or errShort", err)
			}
		})
	}
	if _, _, err := decodeRecord(flip(len(good) - 2)); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("changed payload: %v, want ErrCorrupt", err)
	}
}

func TestValidate(t *testing.T) {
	bad := map[string]func(*logline.Line){
		"no container":   func(l *logline.Line) { l.Source.Container = "" },
		"seq 0":          func(l *logline.Line) { l.Seq = 0 },
		"unknown stream": func(l *logline.Line) { l.Stream = "stdin" },
		"no stream":      func(l *logline.Line) { l.Stream = "" },
		"long text":      func(l *logline.Line) { l.Text = strings.Repeat("x", logline.MaxLineBytes+1) },
		"long role":      func(l *logline.Line) { l.Source.Role = strings.Repeat("r", maxNameLen+1) },
		"year 10000":     func(l *logline.Line) { l.Time = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) },
	}
	for name, mutate := range bad {
		t.Run(name, func(t *testing.T) {
			l := line("c", 1, "x")
			mutate(&l)
			if err := validate(l); !errors.Is(err, ErrInvalidLine) {
				t.Fatalf("%v, want ErrInvalidLine", err)
			}
		})
	}
}
