package amapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// errEarlyAnswer: the AM answered a line stream before the shipper ended it.
var errEarlyAnswer = errors.New("the AM answered before the stream ended")

type ackResult struct {
	last uint64
	err  error
}

// run is the sender goroutine: one stream after the other until Close has been honoured or
// ctx ends.
func (s *LineShipper) run(ctx context.Context) {
	defer close(s.done)
	wait := s.c.MinBackoff
	failing := false
	for {
		n, closing := s.pending()
		if n == 0 && closing {
			return
		}
		err := s.waitForLines(ctx)
		if err == nil {
			err = s.cycle(ctx)
		}
		if err == nil {
			if failing {
				s.log.Info("amapi: shipping lines to the AM again")
				failing = false
			}
			wait = s.c.MinBackoff
			continue
		}
		if ctx.Err() != nil {
			s.stop(ctx.Err())
			return
		}
		entry := s.log.WithError(err)
		if failing {
			entry.Debugf("amapi: shipping lines failed again, retrying in %s", wait)
		} else {
			entry.Warnf("amapi: shipping lines to the AM failed, retrying in %s", wait)
		}
		failing, s.needAck = true, true
		var berr error
		if wait, berr = s.c.backoff(ctx, wait); berr != nil {
			s.stop(berr)
			return
		}
	}
}

func (s *LineShipper) stop(err error) {
	s.mu.Lock()
	s.err = err
	s.mu.Unlock()
}

// waitForLines returns once a line is queued or Close was called: no stream stays open
// without anything to carry.
func (s *LineShipper) waitForLines(ctx context.Context) error {
	for {
		if n, closing := s.pending(); n > 0 || closing {
			return nil
		}
		select {
		case <-s.wake:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// cycle asks the AM what it holds if needed, then runs one stream.
func (s *LineShipper) cycle(ctx context.Context) error {
	if s.needAck {
		last, err := s.c.lineAck(ctx, s.o.Source.Container)
		if err != nil {
			return err
		}
		s.ack(last)
		s.needAck = false
	}
	if err := s.stream(ctx); err != nil {
		return fmt.Errorf("amapi: POST /v1/lines: %w", err)
	}
	return nil
}

// stream sends everything after the acknowledged seq on one POST /v1/lines, and what is
// shipped meanwhile, until AckEvery lines, AckInterval, or Close; then it ends the body and
// takes the AM's answer as the acknowledgement.
func (s *LineShipper) stream(ctx context.Context) error {
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pr, pw := io.Pipe()
	defer pw.Close()
	req, err := s.c.newRequest(sctx, http.MethodPost, "/v1/lines?container="+url.QueryEscape(s.o.Source.Container), pr)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", ndjsonMediaType)
	answer := make(chan ackResult, 1)
	go func() {
		last, err := readAck(s.c.send(req))
		// Unblock a write the transport will never read.
		pr.CloseWithError(errEarlyAnswer)
		answer <- ackResult{last, err}
	}()
	// fail ends the request and prefers the AM's answer (a 401 says more than a broken pipe).
	fail := func(err error) error {
		cancel()
		if r := <-answer; r.err != nil && !errors.Is(r.err, context.Canceled) {
			return r.err
		}
		return err
	}

	sent := s.ackedSeq()
	count := 0
	tick := time.NewTimer(time.Hour) // armed at the first line
	defer tick.Stop()
	var buf bytes.Buffer
loop:
	for count < s.o.AckEvery {
		lines, closing := s.take(sent, writeBatch)
		if len(lines) > 0 {
			buf.Reset()
			for _, l := range lines {
				b, err := json.Marshal(l)
				if err != nil {
					return fail(err)
				}
				buf.Write(b)
				buf.WriteByte('\n')
			}
			if err := s.write(pw, buf.Bytes(), cancel); err != nil {
				return fail(err)
			}
			if count == 0 {
				tick.Reset(s.o.AckInterval)
			}
			sent = lines[len(lines)-1].Seq
			count += len(lines)
			continue
		}
		if closing {
			break
		}
		select {
		case <-s.wake:
		case <-tick.C:
			break loop
		case r := <-answer:
			if r.err != nil {
				return r.err
			}
			return errEarlyAnswer
		case <-ctx.Done():
			return fail(ctx.Err())
		}
	}
	pw.Close()
	t := time.NewTimer(s.o.ResponseTimeout)
	defer t.Stop()
	select {
	case r := <-answer:
		if r.err != nil {
			return r.err
		}
		s.ack(r.last)
		return nil
	case <-t.C:
		return fail(fmt.Errorf("no acknowledgement within %s", s.o.ResponseTimeout))
	case <-ctx.Done():
		return fail(ctx.Err())
	}
}

// write writes to the stream, ending the request when the write stalls past ResponseTimeout
// (a dead connection whose socket buffer is full would otherwise block it for good).
func (s *LineShipper) write(pw *io.PipeWriter, b []byte, cancel context.CancelFunc) error {
	watchdog := time.AfterFunc(s.o.ResponseTimeout, cancel)
	_, err := pw.Write(b)
	if !watchdog.Stop() && err == nil {
		err = fmt.Errorf("write stalled for %s", s.o.ResponseTimeout)
	}
	return err
}

// readAck reads the AM's answer to a line stream.
func readAck(resp *http.Response, err error) (uint64, error) {
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, statusError(resp)
	}
	var ab ackBody
	if err := json.NewDecoder(io.LimitReader(resp.Body, 4096)).Decode(&ab); err != nil {
		return 0, fmt.Errorf("%w: decode acknowledgement: %v", errBadRecord, err)
	}
	return ab.LastSeq, nil
}
