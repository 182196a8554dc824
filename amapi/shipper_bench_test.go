package amapi

import (
	"context"
	"testing"
	"time"

	"github.com/orca-yarn/orca-yarn/logline"
)

// BenchmarkShipLatency: time from Ship until the AM's backend stored the line, one line at a
// time on an open stream over loopback (ns/op is the latency).
func BenchmarkShipLatency(b *testing.B) {
	env := newTestEnv(b, 1)
	ctx := context.Background()
	sh, err := env.client.NewLineShipper(ctx, ShipperOptions{Source: testSource, AckEvery: 1 << 30, AckInterval: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	defer sh.Close(ctx)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		env.backend.mu.Lock()
		changed := env.backend.changed
		env.backend.mu.Unlock()
		if err := sh.Ship(ctx, logline.Line{Text: "latency"}); err != nil {
			b.Fatal(err)
		}
		<-changed
	}
}

// BenchmarkShipThroughput: lines per second through Ship, the stream and the AM, Close included.
func BenchmarkShipThroughput(b *testing.B) {
	env := newTestEnv(b, 1)
	ctx := context.Background()
	sh, err := env.client.NewLineShipper(ctx, ShipperOptions{Source: testSource})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := sh.Ship(ctx, logline.Line{Text: "a line of ordinary length, like most output of a training loop"}); err != nil {
			b.Fatal(err)
		}
	}
	if err := sh.Close(ctx); err != nil {
		b.Fatal(err)
	}
}
