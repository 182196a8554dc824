//go:build integration

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"testing"
	"time"

	"github.com/orca-yarn/orca-yarn/submitter/stage"

	"github.com/orca-yarn/orca-yarn/integration/testenv"
)

// The foundation: the cluster under test has a working HDFS and two distinct, running
// NodeManagers that each offer memory, vcores and GPUs.

func TestHDFSWriteListRead(t *testing.T) {
	cl := testenv.Require(t)
	fs := cl.HDFS(t)

	dir := fmt.Sprintf("/tmp/orca-it-%d", time.Now().UnixNano())
	if err := fs.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = fs.RemoveAll(dir) })
	want := bytes.Repeat([]byte("orca-yarn\n"), 100_000) // ~1 MB: one real block write through a DataNode
	w, err := fs.Create(path.Join(dir, "data.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(want); err != nil {
		t.Fatal(err)
	}
	if err := stage.CloseReplicated(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	entries, err := fs.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "data.txt" || entries[0].Size() != int64(len(want)) {
		t.Fatalf("listing %v, want one data.txt of %d bytes", entries, len(want))
	}
	got, err := fs.ReadFile(path.Join(dir, "data.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("read back %d bytes that differ from the %d written", len(got), len(want))
	}
}

type rmNode struct {
	ID            string `json:"id"`
	State         string `json:"state"`
	NodeHostName  string `json:"nodeHostName"`
	TotalResource struct {
		Memory               int64 `json:"memory"`
		VCores               int64 `json:"vCores"`
		ResourceInformations struct {
			ResourceInformation []struct {
				Name  string `json:"name"`
				Value int64  `json:"value"`
			} `json:"resourceInformation"`
		} `json:"resourceInformations"`
	} `json:"totalResource"`
}

func TestTwoRunningNodeManagersOfferDeclaredResources(t *testing.T) {
	cl := testenv.Require(t)
	var body struct {
		Nodes struct {
			Node []rmNode `json:"node"`
		} `json:"nodes"`
	}
	getJSON(t, cl.RMWeb+"/ws/v1/cluster/nodes", &body)
	var running []rmNode
	for _, n := range body.Nodes.Node {
		if n.State == "RUNNING" {
			running = append(running, n)
		}
	}
	if len(running) != 2 {
		t.Fatalf("%d RUNNING NodeManagers, want 2: %+v", len(running), body.Nodes.Node)
	}
	if running[0].NodeHostName == running[1].NodeHostName {
		t.Fatalf("both NodeManagers report host %q: the RM cannot tell them apart", running[0].NodeHostName)
	}
	wantMem, wantVcores, wantGPUs := expectedNodeResources(t)
	for _, n := range running {
		gpus := int64(-1)
		for _, ri := range n.TotalResource.ResourceInformations.ResourceInformation {
			if ri.Name == "yarn.io/gpu" {
				gpus = ri.Value
			}
		}
		if n.TotalResource.Memory != wantMem || n.TotalResource.VCores != wantVcores || gpus != wantGPUs {
			t.Errorf("node %s offers %d MiB, %d vcores, %d GPUs; want %d, %d, %d",
				n.ID, n.TotalResource.Memory, n.TotalResource.VCores, gpus, wantMem, wantVcores, wantGPUs)
		}
	}
}

// expectedNodeResources is what the local harness declares per NodeManager (ORCA_NM_* overrides).
func expectedNodeResources(t *testing.T) (mem, vcores, gpus int64) {
	return envInt(t, "ORCA_NM_MEMORY_MB", 16384), envInt(t, "ORCA_NM_VCORES", 8), envInt(t, "ORCA_NM_GPUS", 2)
}

func envInt(t *testing.T, key string, def int64) int64 {
	v := os.Getenv(key)
	if v == "" {
		return def
	}
	var n int64
	if _, err := fmt.Sscan(v, &n); err != nil {
		t.Fatalf("%s=%q: %v", key, v, err)
	}
	return n
}

func getJSON(t *testing.T, url string, into any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v: %s", url, resp.StatusCode, err, data)
	}
	if err := json.Unmarshal(data, into); err != nil {
		t.Fatalf("GET %s: %v in %s", url, err, data)
	}
}
