//go:build integration

package logagg_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orca-yarn/orca-yarn/hadoop/logagg"
	"github.com/orca-yarn/orca-yarn/integration/testenv"
	"github.com/orca-yarn/orca-yarn/yarn"
)

// fixtureCommand is what the fixture app's container runs: known text on stdout (with a
// non-ASCII character) and on stderr, where it is followed by more than TFile's 1 MiB value
// chunk, so that the container's aggregated value is written as several chunks and spans data
// blocks. realfile_test.go checks the decoded content against the same constants. (No
// <LOG_DIR> in it: the NodeManager expands that in the AM's environment already, so the path
// would be the AM's log directory.)
const fixtureCommand = "{ printf '" + fixtureStdoutPrintf + "'; echo " + fixtureStderrLine + " >&2; " +
	"yes " + fixtureBigLine + " | head -c " + fixtureBigSize + " >&2; }"

// TestWriteFixtures regenerates testdata/real: it runs one small app on the real cluster, waits
// until the NodeManagers have aggregated its logs, and copies the node files out of HDFS (gzipped
// where large). It runs only when asked:
//
//	ORCA_LOGAGG_WRITE_FIXTURES=1 go test -tags integration -run TestWriteFixtures ./hadoop/logagg/
func TestWriteFixtures(t *testing.T) {
	if os.Getenv("ORCA_LOGAGG_WRITE_FIXTURES") != "1" {
		t.Skip("set ORCA_LOGAGG_WRITE_FIXTURES=1 to regenerate testdata/real from the real cluster")
	}
	cl := testenv.Require(t)
	id, user := runFixtureApp(t, cl)

	layout := logagg.LayoutFromConf(cl.Conf.Get)
	cands, err := layout.AppLogDirs(user, id)
	if err != nil {
		t.Fatal(err)
	}
	fs := cl.HDFS(t)
	dir := cands[0].Dir
	infos, err := fs.ReadDir(dir)
	if err != nil {
		t.Fatalf("list %s: %v", dir, err)
	}
	out := filepath.Join("testdata", "real", id)
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, fi := range infos {
		data, err := fs.ReadFile(path.Join(dir, fi.Name()))
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Join(out, fi.Name())
		if len(data) > 64<<10 {
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
			_, _ = zw.Write(data)
			if err := zw.Close(); err != nil {
				t.Fatal(err)
			}
			data, name = buf.Bytes(), name+".gz"
		}
		if err := os.WriteFile(name, data, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s (%d bytes) from %s", name, len(data), path.Join(dir, fi.Name()))
	}
}

// runFixtureApp runs the fixture app to success and waits until its logs are aggregated; it
// returns the app's id and user.
func runFixtureApp(t *testing.T, cl *testenv.Cluster) (string, string) {
	t.Helper()
	rm := cl.RM(t)
	id := cl.SubmitTestAM(t, rm, map[string]string{"ORCA_TESTAM_COMMAND": fixtureCommand})
	r := testenv.WaitState(t, rm, id, 3*time.Minute)
	if r.State != yarn.AppFinished || r.FinalStatus != yarn.FinalSucceeded {
		t.Fatalf("%s ended %s/%s: %s", id, r.State, r.FinalStatus, r.Diagnostics)
	}
	waitAggregated(t, cl.RMWeb, id.String())
	return id.String(), r.User
}

// waitAggregated polls the RM's REST view of the app until its logAggregationStatus is
// SUCCEEDED, the moment every NodeManager has renamed its .tmp file into place.
func waitAggregated(t *testing.T, rmWeb, appID string) {
	t.Helper()
	ctx := testenv.Ctx(t, 2*time.Minute)
	for {
		var v struct {
			App struct {
				LogAggregationStatus string `json:"logAggregationStatus"`
			} `json:"app"`
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, rmWeb+"/ws/v1/cluster/apps/"+appID, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Accept", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err := json.Unmarshal(body, &v); err != nil {
			t.Fatalf("RM REST for %s: %v in %s", appID, err, body)
		}
		switch s := v.App.LogAggregationStatus; {
		case s == "SUCCEEDED":
			return
		case strings.Contains(s, "FAILED") || s == "DISABLED":
			t.Fatalf("log aggregation of %s is %s", appID, s)
		}
		select {
		case <-ctx.Done():
			t.Fatalf("log aggregation of %s still %q: %v", appID, v.App.LogAggregationStatus, context.Cause(ctx))
		case <-time.After(500 * time.Millisecond):
		}
	}
}
