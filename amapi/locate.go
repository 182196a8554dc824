package amapi

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"time"
)

// When the AM stops answering, the client asks Locate where it is after this many transport
// errors in a row, and not more often than relocateEvery: a restarted AM needs seconds to
// register with the RM anyway, and each Locate is a call to the RM.
const (
	relocateAfter = 3
	relocateEvery = 2 * time.Second
	locateTimeout = 15 * time.Second
)

// locator holds the AM's current base URL and the transport-failure streak that triggers a
// new lookup.
type locator struct {
	mu         sync.Mutex
	base       string
	failures   int
	lastLookup time.Time
	looking    bool
}

// send is the one way requests leave the client, so every path (long polls, the line shipper,
// follows) counts toward finding a moved AM.
func (c *Client) send(req *http.Request) (*http.Response, error) {
	resp, err := c.hc.Do(req)
	if err != nil {
		c.transportFailed(req.Context())
		return nil, err
	}
	c.where.reached()
	return resp, nil
}

func (c *Client) baseURL() string {
	c.where.mu.Lock()
	defer c.where.mu.Unlock()
	return c.where.base
}

// reached ends a failure streak: the AM answered (whatever it answered).
func (l *locator) reached() {
	l.mu.Lock()
	l.failures = 0
	l.mu.Unlock()
}

// transportFailed counts a request that got no answer and, once the streak is long enough,
// asks Locate for the AM's address. One lookup runs at a time; callers do not wait for it
// beyond their own ctx, so a slow RM never holds up a retry loop that is about to give up.
func (c *Client) transportFailed(ctx context.Context) {
	if c.Locate == nil || ctx.Err() != nil {
		return
	}
	l := &c.where
	l.mu.Lock()
	l.failures++
	due := l.failures >= relocateAfter && !l.looking && time.Since(l.lastLookup) >= relocateEvery
	if due {
		l.looking = true
		l.lastLookup = time.Now()
	}
	old := l.base
	l.mu.Unlock()
	if !due {
		return
	}
	lctx, cancel := context.WithTimeout(ctx, locateTimeout)
	base, err := c.Locate(lctx)
	cancel()
	base = strings.TrimRight(base, "/")
	l.mu.Lock()
	l.looking = false
	moved := err == nil && base != "" && base != l.base
	if moved {
		l.base, l.failures = base, 0
	}
	l.mu.Unlock()
	switch {
	case err != nil:
		c.log().WithError(err).Debug("amapi: locating the application master failed; keeping its last address")
	case moved:
		c.log().Infof("amapi: the application master moved from %s to %s", old, base)
	}
}
