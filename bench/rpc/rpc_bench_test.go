//go:build integration

package rpc

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orca-yarn/orca-yarn/integration/testenv"
	"github.com/orca-yarn/orca-yarn/yarn"
)

// BenchmarkAllocateRoundTrip runs integration/testam in bench mode inside a real AM container: it
// times back-to-back empty allocate calls over its SASL (DIGEST-MD5) connection to the RM scheduler
// and reports the percentiles through its final diagnostics.
func BenchmarkAllocateRoundTrip(b *testing.B) {
	cl := testenv.Require(b)
	rm := cl.RM(b)
	var sumP50, sumP99 float64
	for range b.N {
		id := cl.SubmitTestAM(b, rm, map[string]string{"ORCA_TESTAM_MODE": "bench", "ORCA_TESTAM_ALLOCATES": "500"})
		r := testenv.WaitState(b, rm, id, 3*time.Minute)
		if r.FinalStatus != yarn.FinalSucceeded {
			b.Fatalf("%s ended %s/%s: %s", id, r.State, r.FinalStatus, r.Diagnostics)
		}
		var p50, p99, max, n int64
		if _, err := fmt.Sscanf(strings.TrimSpace(r.Diagnostics), "allocate-rtt-us p50=%d p99=%d max=%d n=%d", &p50, &p99, &max, &n); err != nil {
			b.Fatalf("diagnostics %q: %v", r.Diagnostics, err)
		}
		sumP50 += float64(p50) / 1000
		sumP99 += float64(p99) / 1000
	}
	// One application per iteration: the means are over the b.N applications.
	b.ReportMetric(sumP50/float64(b.N), "p50-ms")
	b.ReportMetric(sumP99/float64(b.N), "p99-ms")
}

// BenchmarkOneConnection32Callers shares one RM client connection among 32 goroutines calling
// getClusterMetrics: the multiplexing by call id is what is measured (plus the RM's handlers).
func BenchmarkOneConnection32Callers(b *testing.B) {
	cl := testenv.Require(b)
	rm := cl.RM(b)
	ctx := testenv.Ctx(b, 5*time.Minute)
	if _, err := rm.ClusterMetrics(ctx); err != nil { // connect outside the timing
		b.Fatal(err)
	}
	const callers, perCaller = 32, 300
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		var wg sync.WaitGroup
		errs := make(chan error, callers)
		for range callers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range perCaller {
					if _, err := rm.ClusterMetrics(ctx); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			b.Fatal(err)
		}
	}
	elapsed := time.Since(start)
	b.ReportMetric(float64(b.N*callers*perCaller)/elapsed.Seconds(), "calls/s")
}
