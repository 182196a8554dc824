package loghub

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orca-yarn/orca-yarn/logline"
)

// BenchmarkAppendFollow pushes b.N lines of 100 bytes through Append to one live follower and
// reports the throughput (lines/s) and the p99 delay from a line's timestamp, taken just
// before Append, to the follower's callback (p99-ms). "paced" ships 10k lines/s from one
// container in batches of 100 every 10 ms, the load; the others go flat out.
func BenchmarkAppendFollow(b *testing.B) {
	cases := []struct {
		name              string
		containers, batch int
		every             time.Duration // pause between a container's batches
	}{
		{"one-container/batch=1", 1, 1, 0},
		{"one-container/batch=100", 1, 100, 0},
		{"50-containers/batch=20", 50, 20, 0},
		{"paced-10k-lines/s", 1, 100, 10 * time.Millisecond},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			benchAppendFollow(b, tc.containers, tc.batch, tc.every)
		})
	}
}

func benchAppendFollow(b *testing.B, containers, batch int, every time.Duration) {
	h, err := Open(b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	total := b.N
	delays := make([]time.Duration, 0, total)
	errEnough := errors.New("all lines seen")
	followed := make(chan error, 1)
	go func() {
		followed <- h.Follow(context.Background(), Beginning, true, func(_ Cursor, l logline.Line) error {
			delays = append(delays, time.Since(l.Time))
			if len(delays) == total {
				return errEnough
			}
			return nil
		})
	}()
	text := strings.Repeat("x", 100)
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for c := range containers {
		share := total / containers
		if c < total%containers {
			share++
		}
		wg.Go(func() {
			name := fmt.Sprintf("container_%02d", c)
			lines := make([]logline.Line, 0, batch)
			for seq := 1; seq <= share; {
				lines = lines[:0]
				now := time.Now()
				for ; len(lines) < batch && seq <= share; seq++ {
					lines = append(lines, logline.Line{Source: logline.Source{Role: "worker", Rank: c, Container: name},
						Stream: logline.Stdout, Seq: uint64(seq), Time: now, Text: text})
				}
				if err := h.Append(lines...); err != nil {
					b.Error(err)
					return
				}
				if every > 0 {
					time.Sleep(every - time.Since(now))
				}
			}
		})
	}
	wg.Wait()
	if err := <-followed; !errors.Is(err, errEnough) {
		b.Fatalf("follower: %v", err)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	if g := h.Gaps(); g != 0 {
		b.Fatalf("%d lines lost", g)
	}
	slices.Sort(delays)
	b.ReportMetric(float64(total)/elapsed.Seconds(), "lines/s")
	b.ReportMetric(float64(delays[len(delays)*99/100])/float64(time.Millisecond), "p99-ms")
}
