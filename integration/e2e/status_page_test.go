//go:build integration

package e2e

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/orca-yarn/orca-yarn/integration/testenv"
)

// The AM's status page is served at the tracking URL through the RM's web proxy: the containers,
// their hosts and states, for anyone with access to the RM UI (no secret needed, none shown).
func TestStatusPageThroughTheRMProxy(t *testing.T) {
	cl := testenv.Require(t)
	tag := uniqueTag(t)
	r := start(t, "submit", "--num-nodes", "2", "--memory", "256m", "--tag", tag, "--command", `echo started; sleep 30`)
	r.waitOutput(t, "] started", 2*time.Minute)
	id, _, _ := appByTag(t, cl, tag)

	var status struct {
		AppID      string `json:"app_id"`
		WorldSize  int    `json:"world_size"`
		Containers []struct {
			Rank  int    `json:"rank"`
			Host  string `json:"host"`
			State string `json:"state"`
		} `json:"containers"`
	}
	getJSON(t, cl.RMWeb+"/proxy/"+id+"/v1/status", &status)
	if status.AppID != id || status.WorldSize != 2 || len(status.Containers) != 2 {
		t.Fatalf("status through the proxy: %+v", status)
	}
	for _, c := range status.Containers {
		if c.Host == "" || c.State == "" {
			t.Errorf("container %+v lacks host or state", c)
		}
	}
	resp, err := http.Get(cl.RMWeb + "/proxy/" + id + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), id) || !strings.Contains(string(page), status.Containers[0].Host) {
		t.Fatalf("HTML status page through the proxy: %d\n%s", resp.StatusCode, page)
	}
	if err := r.cmd.Process.Signal(interruptSignal); err != nil {
		t.Fatal(err)
	}
	r.wait(t, 30*time.Second)
	assertNoProcessesOf(t, id)
}
