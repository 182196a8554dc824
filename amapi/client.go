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
	"strconv"
	"strings"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/orca-yarn/orca-yarn/barrier"
	"github.com/orca-yarn/orca-yarn/hadoop/security"
)

// ErrUnauthorized: the AM refused the request's signature (wrong secret, clock skew beyond
// MaxClockSkew, or a replay). The AM's log says which.
var ErrUnauthorized = errors.New("amapi: unauthorized")

// HTTPError is an answer of the AM that maps to no sentinel.
type HTTPError struct {
	StatusCode int
	Code       string // the "error" field of the body, if any
}

func (e *HTTPError) Error() string {
	if e.Code == "" {
		return "HTTP " + strconv.Itoa(e.StatusCode)
	}
	return "HTTP " + strconv.Itoa(e.StatusCode) + " " + e.Code
}

// Client talks to one AM. It is safe for concurrent use; set its exported fields before the
// first call.
type Client struct {
	secret security.Secret
	hc     *http.Client
	where  locator

	// PollTimeout bounds one join or watch request. The AM answers within its long-poll
	// interval (20 s); a request still open after this is on a dead connection and is retried.
	PollTimeout time.Duration
	// MinBackoff and MaxBackoff bound the waits between retries after transport errors.
	MinBackoff, MaxBackoff time.Duration
	// Log gets retries (debug) and outages (warn); nil logs nothing.
	Log *logrus.Entry
	// Locate, when set, finds the AM again after repeated transport errors: a restarted AM (a
	// new application attempt) listens on another host or port. It returns the current AM's
	// base URL; an error keeps the old one.
	Locate func(ctx context.Context) (string, error)
}

const maxResponseJSON = 16 << 20

// NewClient returns a client of the AM at baseURL (http://host:port, the AM's address, not the
// RM proxy: the proxy forwards no Authorization header). hc nil uses a client without any
// proxy from the environment (the AM is inside the cluster) and without an overall timeout; a
// caller's hc must not set Timeout either, since joins, watches and streams are long.
func NewClient(baseURL string, secret security.Secret, hc *http.Client) *Client {
	if hc == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.Proxy = nil
		hc = &http.Client{Transport: t}
	}
	return &Client{
		where:       locator{base: strings.TrimRight(baseURL, "/")},
		secret:      secret,
		hc:          hc,
		PollTimeout: 2 * time.Minute,
		MinBackoff:  100 * time.Millisecond,
		MaxBackoff:  5 * time.Second,
	}
}

// String names the AM; it exists so that printing a Client never reaches its secret.
func (c *Client) String() string { return "amapi.Client(" + c.baseURL() + ")" }

// GoString covers %#v, which would otherwise print the secret's bytes.
func (c *Client) GoString() string { return c.String() }

func (c *Client) log() *logrus.Entry {
	if c.Log != nil {
		return c.Log
	}
	l := logrus.New()
	l.SetOutput(io.Discard)
	return logrus.NewEntry(l)
}

// newRequest builds a signed request; pathQuery starts with "/".
func (c *Client) newRequest(ctx context.Context, method, pathQuery string, body io.Reader) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.baseURL()+pathQuery, body)
	if err != nil {
		return nil, err
	}
	auth, err := authorization(c.secret, method, req.URL.RequestURI(), time.Now())
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", auth)
	return req, nil
}

// do sends one request and decodes a 200 JSON answer into out (nil: discard). It returns the
// status code; any non-2xx is an error mapped by statusError.
func (c *Client) do(ctx context.Context, method, pathQuery string, body []byte, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := c.newRequest(ctx, method, pathQuery, rd)
	if err != nil {
		return 0, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.send(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode, statusError(resp)
	}
	if resp.StatusCode == http.StatusOK && out != nil {
		if err := json.NewDecoder(io.LimitReader(resp.Body, maxResponseJSON)).Decode(out); err != nil {
			return resp.StatusCode, fmt.Errorf("%w: decode answer: %v", errBadRecord, err)
		}
	}
	return resp.StatusCode, nil
}

// statusError maps a non-2xx answer to the error it stands for.
func statusError(resp *http.Response) error {
	var eb errorBody
	_ = json.NewDecoder(io.LimitReader(resp.Body, 4096)).Decode(&eb)
	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		return ErrUnauthorized
	case eb.Error == codeGenerationChanged:
		return barrier.ErrGenerationChanged
	case eb.Error == codeRejoin:
		return barrier.ErrRejoin
	case eb.Error == codeClosed:
		return barrier.ErrClosed
	case eb.Error == codeBadRank:
		return barrier.ErrBadRank
	}
	return &HTTPError{StatusCode: resp.StatusCode, Code: eb.Error}
}

// retryable tells a passing failure (connection refused or reset, a dead connection, the AM
// busy or restarting) from an answer that would be the same next time.
func retryable(err error) bool {
	var he *HTTPError
	if errors.As(err, &he) {
		return he.StatusCode >= 500
	}
	return !errors.Is(err, ErrUnauthorized) && !errors.Is(err, errBadRecord) &&
		!errors.Is(err, barrier.ErrGenerationChanged) && !errors.Is(err, barrier.ErrRejoin) &&
		!errors.Is(err, barrier.ErrClosed) && !errors.Is(err, barrier.ErrBadRank)
}

// backoff waits d (or until ctx ends) and returns the next wait.
func (c *Client) backoff(ctx context.Context, d time.Duration) (time.Duration, error) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return min(2*d, c.MaxBackoff), nil
	case <-ctx.Done():
		return d, ctx.Err()
	}
}

// longPoll repeats a join or watch request while the AM answers 202 (still waiting) or the
// request fails in passing; it returns on 200 (decoded into out) or a lasting error.
func (c *Client) longPoll(ctx context.Context, method, pathQuery string, body []byte, out any) error {
	op := method + " " + strings.SplitN(pathQuery, "?", 2)[0]
	wait := c.MinBackoff
	for {
		pctx, cancel := context.WithTimeout(ctx, c.PollTimeout)
		status, err := c.do(pctx, method, pathQuery, body, out)
		cancel()
		switch {
		case err == nil && status == http.StatusOK:
			return nil
		case err == nil:
			wait = c.MinBackoff // 202: the AM is there and we are still waiting
			continue
		case ctx.Err() != nil:
			return fmt.Errorf("amapi: %s: %w (last error: %v)", op, ctx.Err(), err)
		case !retryable(err):
			return fmt.Errorf("amapi: %s: %w", op, err)
		}
		c.log().WithError(err).Debugf("amapi: %s failed, retrying in %s", op, wait)
		var berr error
		if wait, berr = c.backoff(ctx, wait); berr != nil {
			return fmt.Errorf("amapi: %s: %w (last error: %v)", op, berr, err)
		}
	}
}

// Join registers m with the AM's barrier and waits until the gang is complete, then returns
// the plan. It re-posts transparently while the AM answers 202 and retries transport errors
// until ctx ends. Errors wrap barrier.ErrGenerationChanged, barrier.ErrClosed,
// barrier.ErrBadRank, ErrUnauthorized or ctx's error.
func (c *Client) Join(ctx context.Context, m barrier.Member) (barrier.Plan, error) {
	body, err := json.Marshal(m)
	if err != nil {
		return barrier.Plan{}, fmt.Errorf("amapi: POST /v1/join: %w", err)
	}
	var p barrier.Plan
	if err := c.longPoll(ctx, http.MethodPost, "/v1/join", body, &p); err != nil {
		return barrier.Plan{}, err
	}
	return p, nil
}

// Watch blocks until the generation of the plan of epoch is over and returns why: an error
// wrapping barrier.ErrGenerationChanged, barrier.ErrRejoin (a restarted AM) or
// barrier.ErrClosed (or ctx's error, or ErrUnauthorized).
func (c *Client) Watch(ctx context.Context, epoch, generation int) error {
	q := "/v1/watch?generation=" + strconv.Itoa(generation) + "&epoch=" + strconv.Itoa(epoch)
	err := c.longPoll(ctx, http.MethodGet, q, nil, nil)
	if err == nil {
		return errors.New("amapi: GET /v1/watch: the AM answered 200, which this client does not know")
	}
	return err
}

// Status returns the AM's status (the unauthenticated GET /v1/status).
func (c *Client) Status(ctx context.Context) (Status, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.baseURL()+"/v1/status", nil)
	if err != nil {
		return Status{}, fmt.Errorf("amapi: GET /v1/status: %w", err)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return Status{}, fmt.Errorf("amapi: GET /v1/status: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return Status{}, fmt.Errorf("amapi: GET /v1/status: %w", statusError(resp))
	}
	var st Status
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxResponseJSON)).Decode(&st); err != nil {
		return Status{}, fmt.Errorf("amapi: GET /v1/status: decode answer: %w", err)
	}
	return st, nil
}

// Stop asks the AM to stop the application, giving reason for its diagnostics.
func (c *Client) Stop(ctx context.Context, reason string) error {
	return c.End(ctx, reason, OutcomeKilled)
}

// End stops the application with outcome: a driver that ran on the client reports how it ended.
func (c *Client) End(ctx context.Context, reason string, outcome Outcome) error {
	body, err := json.Marshal(stopBody{Reason: reason, Outcome: outcome})
	if err == nil {
		_, err = c.do(ctx, http.MethodPost, "/v1/stop", body, nil)
	}
	if err != nil {
		return fmt.Errorf("amapi: POST /v1/stop: %w", err)
	}
	return nil
}

// RenewLease tells the AM that the blocking client is still there.
func (c *Client) RenewLease(ctx context.Context) error {
	if _, err := c.do(ctx, http.MethodPost, "/v1/lease", []byte("{}"), nil); err != nil {
		return fmt.Errorf("amapi: POST /v1/lease: %w", err)
	}
	return nil
}

// lineAck returns the last seq the AM stored for container.
func (c *Client) lineAck(ctx context.Context, container string) (uint64, error) {
	var ab ackBody
	if _, err := c.do(ctx, http.MethodGet, "/v1/lines/ack?container="+url.QueryEscape(container), nil, &ab); err != nil {
		return 0, fmt.Errorf("amapi: GET /v1/lines/ack: %w", err)
	}
	return ab.LastSeq, nil
}
