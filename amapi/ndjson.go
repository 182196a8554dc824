package amapi

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/orca-yarn/orca-yarn/logline"
)

// NDJSON framing: one JSON value per '\n'-terminated line. A line may be at most maxRecordBytes:
// the longest Text (logline.MaxLineBytes) JSON-escaped at worst ("\u0000" is 6 bytes per byte)
// plus room for the other fields.
const (
	maxRecordBytes  = 6*logline.MaxLineBytes + 4096
	maxSourceField  = 256
	ndjsonMediaType = "application/x-ndjson"
)

// errBadRecord wraps everything wrong with a record's content (as opposed to I/O errors).
var errBadRecord = errors.New("bad NDJSON record")

// recordReader splits a stream into NDJSON records without ever buffering more than
// maxRecordBytes of one record.
type recordReader struct {
	r    *bufio.Reader
	line []byte
}

func newRecordReader(r io.Reader) *recordReader {
	return &recordReader{r: bufio.NewReaderSize(r, 64<<10)}
}

// next returns the next non-empty record (without its newline), io.EOF at a clean end, and
// io.ErrUnexpectedEOF when the stream ends inside a record. The slice is valid until the next
// call.
func (rr *recordReader) next() ([]byte, error) {
	for {
		rr.line = rr.line[:0]
		for {
			frag, err := rr.r.ReadSlice('\n')
			if len(rr.line)+len(frag) > maxRecordBytes+1 {
				return nil, fmt.Errorf("%w: record longer than %d bytes", errBadRecord, maxRecordBytes)
			}
			rr.line = append(rr.line, frag...)
			if err == nil {
				break
			}
			if errors.Is(err, bufio.ErrBufferFull) {
				continue
			}
			if errors.Is(err, io.EOF) {
				if len(bytes.TrimSpace(rr.line)) == 0 {
					return nil, io.EOF
				}
				return nil, io.ErrUnexpectedEOF
			}
			return nil, err
		}
		if rec := bytes.TrimSpace(rr.line); len(rec) > 0 {
			return rec, nil
		}
	}
}

// buffered reports whether a next record may be readable without waiting for the network.
func (rr *recordReader) buffered() bool { return rr.r.Buffered() > 0 }

// decodeLine decodes and validates one logline.Line record as a launcher sends it.
func decodeLine(rec []byte) (logline.Line, error) {
	var l logline.Line
	if err := strictUnmarshal(rec, &l); err != nil {
		return logline.Line{}, err
	}
	if err := validLine(l); err != nil {
		return logline.Line{}, err
	}
	return l, nil
}

// validLine is the server's rule for a line; LineShipper.Ship makes every line pass it, so
// a valid launcher never sends a line the AM would refuse (and then resend it forever).
func validLine(l logline.Line) error {
	switch {
	case l.Seq == 0:
		return fmt.Errorf("%w: seq 0", errBadRecord)
	case l.Stream != logline.Stdout && l.Stream != logline.Stderr:
		return fmt.Errorf("%w: stream %q", errBadRecord, l.Stream)
	case l.Source.Container == "" || len(l.Source.Container) > maxSourceField || len(l.Source.Role) > maxSourceField:
		return fmt.Errorf("%w: source", errBadRecord)
	case len(l.Text) > logline.MaxLineBytes:
		return fmt.Errorf("%w: text of %d bytes", errBadRecord, len(l.Text))
	case !utf8.ValidString(l.Text):
		return fmt.Errorf("%w: text is not UTF-8", errBadRecord)
	}
	return nil
}

// followRecord is one record of GET /v1/lines: a line with the cursor just past it, or the
// end of the stream (End), or the server's failure (Error). Without an End record the stream
// was cut and the client resumes from the last cursor.
type followRecord struct {
	Cursor *Cursor       `json:"cursor,omitempty"`
	Line   *logline.Line `json:"line,omitempty"`
	End    bool          `json:"end,omitempty"`
	Error  string        `json:"error,omitempty"`
}

// decodeFollowRecord decodes one record of the follow stream: exactly one of a line with its
// cursor, an end mark or an error.
func decodeFollowRecord(rec []byte) (followRecord, error) {
	var fr followRecord
	if err := strictUnmarshal(rec, &fr); err != nil {
		return followRecord{}, err
	}
	kinds := 0
	if fr.Line != nil || fr.Cursor != nil {
		kinds++
		if fr.Line == nil || fr.Cursor == nil || *fr.Cursor < 0 {
			return followRecord{}, fmt.Errorf("%w: line record needs a line and a cursor", errBadRecord)
		}
	}
	if fr.End {
		kinds++
	}
	if fr.Error != "" {
		kinds++
	}
	if kinds != 1 {
		return followRecord{}, fmt.Errorf("%w: want exactly one of line, end, error", errBadRecord)
	}
	return fr, nil
}

// strictUnmarshal decodes exactly one JSON value; unknown fields are allowed (newer peers).
func strictUnmarshal(rec []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(rec))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %v", errBadRecord, err)
	}
	if dec.More() {
		return fmt.Errorf("%w: trailing data", errBadRecord)
	}
	return nil
}
