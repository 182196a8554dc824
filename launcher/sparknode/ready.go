package sparknode

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// masterState is the part of the Master's /json/ page readiness reads.
type masterState struct {
	Status  string `json:"status"`
	Workers []struct {
		Host  string `json:"host"`
		State string `json:"state"`
	} `json:"workers"`
}

// AliveWorkers asks the Master's web UI how many Workers are ALIVE.
func AliveWorkers(ctx context.Context, client *http.Client, masterUI string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, masterUI+"/json/", nil)
	if err != nil {
		return 0, fmt.Errorf("sparknode: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("sparknode: the Master's status: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("sparknode: the Master's status: HTTP %d", resp.StatusCode)
	}
	var st masterState
	if err := json.NewDecoder(io.LimitReader(resp.Body, 4<<20)).Decode(&st); err != nil {
		return 0, fmt.Errorf("sparknode: the Master's status: %w", err)
	}
	n := 0
	for _, w := range st.Workers {
		if w.State == "ALIVE" {
			n++
		}
	}
	return n, nil
}

// WaitWorkers returns once the Master reports want ALIVE Workers. done ends the wait at once
// when one of this container's daemons exits first.
func WaitWorkers(ctx context.Context, masterUI string, want int, done <-chan error) error {
	client := &http.Client{Timeout: 2 * time.Second}
	last := -1
	var lastErr error
	for {
		n, err := AliveWorkers(ctx, client, masterUI)
		if err == nil && n >= want {
			return nil
		}
		last, lastErr = n, err
		select {
		case <-ctx.Done():
			if lastErr != nil {
				return fmt.Errorf("sparknode: %d Spark workers not alive: %w (last: %v)", want, context.Cause(ctx), lastErr)
			}
			return fmt.Errorf("sparknode: %d of %d Spark workers alive: %w", last, want, context.Cause(ctx))
		case err := <-done:
			return fmt.Errorf("sparknode: a Spark daemon of the head exited before every worker registered: %v", err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
