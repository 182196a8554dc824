//go:build integration

package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/orca-yarn/orca-yarn/integration/testenv"
)

// A program above its container's memory is killed by the NodeManager's physical-memory check,
// also when it left the launcher's process group the way Ray's workers do; the client names the
// cause with YARN's exit status and the size to raise.
func TestContainerAboveItsMemoryIsKilled(t *testing.T) {
	cl := testenv.Require(t)
	for name, cmd := range map[string]string{
		"direct": `python3 -c "b = bytearray(600 << 20); import time; time.sleep(300)"`,
		"setsid": `setsid python3 -c "b = bytearray(600 << 20); import time; time.sleep(300)" & wait`,
		"piped":  `(head -c 600m /dev/zero; sleep 300) | tail`,
	} {
		t.Run(name, func(t *testing.T) {
			tag := uniqueTag(t)
			r := start(t, "submit", "--num-nodes", "1", "--memory", "256m", "--tag", tag, "--command", cmd)
			if code := r.wait(t, 4*time.Minute); code != 1 {
				t.Fatalf("exit %d, want 1 (the application failed)\n%s", code, r)
			}
			if !strings.Contains(r.stderr.String(), "-104: killed for exceeding physical memory of 256 MiB") {
				t.Fatalf("stderr does not decode YARN's -104\n%s", r)
			}
			id, _, final := appByTag(t, cl, tag)
			if final != "FAILED" {
				t.Errorf("final status %s, want FAILED", final)
			}
			assertNoProcessesOf(t, id)
		})
	}
}
