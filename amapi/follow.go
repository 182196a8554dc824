package amapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/orca-yarn/orca-yarn/logline"
)

// errStreamCut: the stream ended without its end record.
var errStreamCut = errors.New("stream cut before its end")

// callbackError carries an error of the caller's fn through the stream reader untouched.
type callbackError struct{ err error }

func (e callbackError) Error() string { return e.err.Error() }
func (e callbackError) Unwrap() error { return e.err }

// FollowLines reads the AM's line hub from cursor from and calls fn for each line with the
// cursor just past it (pass it as from to resume there). Without follow it returns nil at the
// end of what the AM has stored. With follow it waits for new lines, reconnects from the last
// cursor when the stream is cut or the AM is unreachable, and returns nil when the AM ends the
// stream (the application is over) or ctx's error. An error returned by fn stops the stream
// and is returned unwrapped.
func (c *Client) FollowLines(ctx context.Context, from Cursor, follow bool, fn func(Cursor, logline.Line) error) error {
	const op = "GET /v1/lines"
	cur := from
	wait := c.MinBackoff
	for {
		progressed := false
		err := c.followOnce(ctx, cur, follow, func(next Cursor, l logline.Line) error {
			cur, progressed = next, true
			return fn(next, l)
		})
		var cbe callbackError
		switch {
		case err == nil:
			return nil
		case errors.As(err, &cbe):
			return cbe.err
		case ctx.Err() != nil:
			return fmt.Errorf("amapi: %s: %w", op, ctx.Err())
		case !follow || !retryable(err):
			return fmt.Errorf("amapi: %s: %w", op, err)
		}
		if progressed {
			wait = c.MinBackoff
		}
		c.log().WithError(err).Debugf("amapi: %s from %d failed, retrying in %s", op, cur, wait)
		var berr error
		if wait, berr = c.backoff(ctx, wait); berr != nil {
			return fmt.Errorf("amapi: %s: %w (last error: %v)", op, berr, err)
		}
	}
}

// followOnce reads one stream; nil means the AM sent the end record.
func (c *Client) followOnce(ctx context.Context, from Cursor, follow bool, fn func(Cursor, logline.Line) error) error {
	q := "/v1/lines?from=" + strconv.FormatInt(from, 10)
	if follow {
		q += "&follow=1"
	}
	req, err := c.newRequest(ctx, http.MethodGet, q, nil)
	if err != nil {
		return err
	}
	resp, err := c.send(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return statusError(resp)
	}
	rr := newRecordReader(resp.Body)
	for {
		rec, err := rr.next()
		if errors.Is(err, io.EOF) {
			return errStreamCut
		}
		if err != nil {
			return err
		}
		fr, err := decodeFollowRecord(rec)
		if err != nil {
			return err
		}
		switch {
		case fr.End:
			return nil
		case fr.Error != "":
			return &HTTPError{StatusCode: http.StatusInternalServerError, Code: fr.Error}
		}
		if err := fn(*fr.Cursor, *fr.Line); err != nil {
			return callbackError{err}
		}
	}
}
