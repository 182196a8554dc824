package amapi

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/orca-yarn/orca-yarn/logline"
)

// FuzzParseAuthHeader: the parser never panics, and what it accepts prints back to a header
// it parses to the same values (one spelling per value, so the nonce cache cannot be dodged).
func FuzzParseAuthHeader(f *testing.F) {
	good, _ := authorization(testSecret, "POST", "/v1/join", time.Unix(1_700_000_000, 0))
	for _, s := range []string{good, "", "Orca-HMAC ", "Orca-HMAC ts=1,nonce=00,sig=00", strings.ToUpper(good),
		"Orca-HMAC ts=1,ts=2", "orca-hmac  ts=1 , nonce=0123456789abcdef , sig=" + strings.Repeat("0", 64)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, err := parseAuthHeader(s)
		if err != nil {
			return
		}
		again := fmt.Sprintf("Orca-HMAC ts=%d,nonce=%s,sig=%s", h.ts, h.nonce, hex.EncodeToString(h.sig))
		h2, err := parseAuthHeader(again)
		if err != nil || !reflect.DeepEqual(h, h2) {
			t.Fatalf("%q parsed to %+v, printed %q, reparsed %+v, %v", s, h, again, h2, err)
		}
	})
}

// FuzzDecodeLines runs the server's NDJSON line decoding over arbitrary streams: no panic, no
// record beyond the bound, and every accepted line passes validLine and survives a round trip.
func FuzzDecodeLines(f *testing.F) {
	l := logline.Line{Source: testSource, Stream: logline.Stderr, Seq: 9, Time: time.Unix(1, 2).UTC(), Text: "héllo \x00 \"q\""}
	b, _ := json.Marshal(l)
	f.Add(append(append(b, '\n'), b...))
	f.Add([]byte("\n\n{}\n"))
	f.Add([]byte(`{"source":{"container":"c"},"stream":"stdout","seq":1,"text":"\ud800"}` + "\n"))
	f.Add([]byte(`{"seq":1} trailing` + "\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rr := newRecordReader(bytes.NewReader(data))
		for {
			rec, err := rr.next()
			if err != nil {
				if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, errBadRecord) {
					t.Fatalf("unexpected error kind: %v", err)
				}
				return
			}
			if len(rec) > maxRecordBytes {
				t.Fatalf("record of %d bytes passed the bound", len(rec))
			}
			l, err := decodeLine(rec)
			if err != nil {
				continue
			}
			if err := validLine(l); err != nil {
				t.Fatalf("accepted an invalid line: %v", err)
			}
			b, err := json.Marshal(l)
			if err != nil {
				t.Fatal(err)
			}
			l2, err := decodeLine(b)
			if err != nil || !reflect.DeepEqual(l, l2) {
				t.Fatalf("round trip of %+v: %+v, %v", l, l2, err)
			}
		}
	})
}

// FuzzDecodeFollowRecord: the client's decoder of the follow stream never panics and accepts
// only records of exactly one kind.
func FuzzDecodeFollowRecord(f *testing.F) {
	for _, s := range []string{`{"cursor":3,"line":{"seq":1}}`, `{"end":true}`, `{"error":"internal"}`, `{}`,
		`{"cursor":1e400,"line":null}`, `{"end":true,"cursor":1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fr, err := decodeFollowRecord(data)
		if err != nil {
			return
		}
		kinds := 0
		if fr.Line != nil && fr.Cursor != nil && *fr.Cursor >= 0 {
			kinds++
		}
		if fr.End {
			kinds++
		}
		if fr.Error != "" {
			kinds++
		}
		if kinds != 1 {
			t.Fatalf("accepted %s as %+v", data, fr)
		}
	})
}

// FuzzSplitText is the shipper-side half of the contract FuzzDecodeLines checks on
// the server: whatever text a command prints, the pieces Ship makes pass validLine.
func FuzzSplitText(f *testing.F) {
	f.Add("plain", 0)
	f.Add("\xff\xfe", 3)
	f.Add("é", logline.MaxLineBytes)
	f.Fuzz(func(t *testing.T, s string, pad int) {
		if pad < 0 || pad > 2*logline.MaxLineBytes {
			pad = 0
		}
		text := strings.Repeat("€", pad/3) + s
		var joined strings.Builder
		for _, part := range splitText(text) {
			l := logline.Line{Source: testSource, Stream: logline.Stdout, Seq: 1, Text: part}
			if err := validLine(l); err != nil {
				t.Fatalf("piece refused: %v", err)
			}
			joined.WriteString(part)
		}
		if joined.String() != strings.ToValidUTF8(text, "\uFFFD") {
			t.Fatal("pieces do not add up to the text")
		}
	})
}

// TestRecordReaderBound: a record over the bound is refused without buffering it whole; the
// fuzz target cannot reach it (its inputs are small).
func TestRecordReaderBound(t *testing.T) {
	long := append(bytes.Repeat([]byte("x"), maxRecordBytes+10), '\n')
	if _, err := newRecordReader(bytes.NewReader(long)).next(); !errors.Is(err, errBadRecord) {
		t.Fatalf("over-long record: %v", err)
	}
	atBound := append(append([]byte(`"`), bytes.Repeat([]byte("x"), maxRecordBytes-2)...), '"', '\n')
	rec, err := newRecordReader(bytes.NewReader(atBound)).next()
	if err != nil || len(rec) != maxRecordBytes {
		t.Fatalf("record at the bound: %d bytes, %v", len(rec), err)
	}
	if _, err := newRecordReader(strings.NewReader(`{"a":1}`)).next(); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("record without newline at the end: %v", err)
	}
}
