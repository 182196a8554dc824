//go:build integration

package submit

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/orca-yarn/orca-yarn/integration/testenv"
)

func binary(b *testing.B) string {
	bin := os.Getenv("ORCA_YARN_BIN")
	if bin == "" {
		b.Fatal("ORCA_YARN_BIN is not set: run through make bench")
	}
	return bin
}

// BenchmarkSubmitToAllRunning measures from starting `orca-yarn submit` to the moment the N-th
// rank's first output line reaches the client: every container allocated, localized, joined
// and running the user's command.
func BenchmarkSubmitToAllRunning(b *testing.B) {
	testenv.Require(b)
	for _, n := range []int{2, 8} {
		b.Run(fmt.Sprintf("nodes=%d", n), func(b *testing.B) {
			var total time.Duration
			for range b.N {
				start := time.Now()
				cmd := exec.Command(binary(b), "submit", "--num-nodes", strconv.Itoa(n), "--memory", "256m", "--command", "echo up")
				out, err := cmd.StdoutPipe()
				if err != nil {
					b.Fatal(err)
				}
				if err := cmd.Start(); err != nil {
					b.Fatal(err)
				}
				seen, ready := 0, time.Duration(0)
				sc := bufio.NewScanner(out)
				for sc.Scan() {
					if strings.HasSuffix(sc.Text(), "] up") {
						if seen++; seen == n {
							ready = time.Since(start)
						}
					}
				}
				if err := cmd.Wait(); err != nil || seen != n {
					b.Fatalf("submit of %d: %v, %d ranks printed", n, err, seen)
				}
				total += ready
			}
			b.ReportMetric(total.Seconds()/float64(b.N), "s-to-all-running")
		})
	}
}

// BenchmarkOutputLines has one container print lines at about 10k/s, each carrying its send
// time and number; the client's receive time gives the latency, the numbers give the losses.
func BenchmarkOutputLines(b *testing.B) {
	testenv.Require(b)
	const lines, rate = 30000, 10000
	script := fmt.Sprintf(`python3 -c '
import time, sys
t0 = time.time()
for i in range(%d):
    while time.time() < t0 + i / %d: time.sleep(0.0005)
    sys.stdout.write("%%d %%d\n" %% (time.time_ns(), i)); sys.stdout.flush()
'`, lines, rate)
	for range b.N {
		cmd := exec.Command(binary(b), "submit", "--num-nodes", "1", "--memory", "256m", "--command", script)
		out, err := cmd.StdoutPipe()
		if err != nil {
			b.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		var latencies []time.Duration
		got := map[int]bool{}
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) != 4 || f[0] != "[command" {
				continue
			}
			sent, err1 := strconv.ParseInt(f[2], 10, 64)
			i, err2 := strconv.Atoi(f[3])
			if err1 != nil || err2 != nil {
				continue
			}
			latencies = append(latencies, time.Since(time.Unix(0, sent)))
			got[i] = true
		}
		if err := cmd.Wait(); err != nil {
			b.Fatal(err)
		}
		sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
		if len(latencies) == 0 {
			b.Fatal("no line arrived")
		}
		b.ReportMetric(float64(lines-len(got)), "lines-lost")
		b.ReportMetric(float64(latencies[len(latencies)*99/100].Microseconds())/1000, "p99-ms")
		b.ReportMetric(float64(latencies[len(latencies)/2].Microseconds())/1000, "p50-ms")
	}
}
