//go:build integration

package logagg_test

import (
	"errors"
	"io"
	"io/fs"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/orca-yarn/orca-yarn/hadoop/logagg"
	"github.com/orca-yarn/orca-yarn/integration/testenv"
)

// TestDecodeNewestFinishedApp reads, straight from the real cluster's HDFS, the aggregated logs
// of the newest application of the test user whose NodeManagers have all finished uploading,
// and decodes every node file. Other tests' apps provide the logs; only on a cluster that has
// never run one does it run the fixture app first.
func TestDecodeNewestFinishedApp(t *testing.T) {
	cl := testenv.Require(t)
	fsys := logagg.HDFS(cl.HDFS(t))
	layout := logagg.LayoutFromConf(cl.Conf.Get)

	appID := newestFinishedApp(t, fsys, layout, cl.User)
	if appID == "" {
		t.Logf("no finished app of %s with aggregated logs yet: running one", cl.User)
		_, _ = runFixtureApp(t, cl)
		if appID = newestFinishedApp(t, fsys, layout, cl.User); appID == "" {
			t.Fatalf("no aggregated logs of %s even after running an app", cl.User)
		}
	}

	files := map[string]map[string]int64{} // container → file → size
	sum, err := layout.WalkApp(testenv.Ctx(t, 2*time.Minute), fsys, cl.User, appID, func(c logagg.ContainerLog) error {
		n, err := io.Copy(io.Discard, c.Data)
		if err != nil {
			return err
		}
		if n != c.Size {
			t.Errorf("%s %s/%s: read %d bytes, announced %d", c.Node, c.Container, c.File, n, c.Size)
		}
		if files[c.Container] == nil {
			files[c.Container] = map[string]int64{}
		}
		files[c.Container][c.File] = n
		return nil
	})
	if err != nil {
		t.Fatalf("decode %s: %v (summary %+v)", appID, err, sum)
	}
	if len(sum.Nodes) == 0 || len(sum.Skipped) != 0 {
		t.Fatalf("%s: summary %+v: want node files and nothing skipped", appID, sum)
	}
	withBoth := 0
	for _, byFile := range files {
		_, out := byFile["stdout"]
		_, errs := byFile["stderr"]
		if out && errs {
			withBoth++
		}
	}
	if withBoth == 0 {
		t.Fatalf("%s: no container has both stdout and stderr: %v", appID, files)
	}
	for _, nf := range sum.Nodes {
		if nf.Owner != cl.User {
			t.Errorf("node file %s says the owner is %q, want %q", nf.Name, nf.Owner, cl.User)
		}
	}
	t.Logf("%s: %d node files in %v, %d containers, %d with stdout and stderr", appID, len(sum.Nodes), sum.Dirs, len(files), withBoth)
}

func TestUnknownAppIsNotAggregated(t *testing.T) {
	cl := testenv.Require(t)
	_, err := logagg.LayoutFromConf(cl.Conf.Get).WalkApp(testenv.Ctx(t, time.Minute), logagg.HDFS(cl.HDFS(t)), cl.User, "application_1000000000000_9999",
		func(logagg.ContainerLog) error { return nil })
	if !errors.Is(err, logagg.ErrNotAggregated) {
		t.Fatalf("logs of an app that never ran: %v, want ErrNotAggregated", err)
	}
}

// newestFinishedApp returns the application id whose TFile log directory of the user was
// modified last among those that hold node files and no .tmp file (a NodeManager still
// uploading), or "" when there is none.
func newestFinishedApp(t *testing.T, fsys logagg.FS, layout logagg.Layout, user string) string {
	t.Helper()
	cands, err := layout.AppLogDirs(user, "application_1_0001")
	if err != nil {
		t.Fatal(err)
	}
	// The first candidate is the TFile bucket directory: <remote>/<user>/bucket-<suffix>/0001/<app>.
	buckets := path.Dir(path.Dir(cands[0].Dir))
	bucketDirs, err := fsys.ReadDir(buckets)
	if errors.Is(err, fs.ErrNotExist) {
		return ""
	}
	if err != nil {
		t.Fatalf("list %s: %v", buckets, err)
	}
	var (
		newest   string
		newestAt time.Time
	)
	for _, b := range bucketDirs {
		apps, err := fsys.ReadDir(path.Join(buckets, b.Name()))
		if err != nil {
			t.Fatalf("list %s: %v", path.Join(buckets, b.Name()), err)
		}
		for _, a := range apps {
			nodes, err := fsys.ReadDir(path.Join(buckets, b.Name(), a.Name()))
			if err != nil {
				t.Fatal(err)
			}
			done := len(nodes) > 0
			for _, n := range nodes {
				done = done && !strings.HasSuffix(n.Name(), ".tmp")
			}
			if done && a.ModTime().After(newestAt) {
				newest, newestAt = a.Name(), a.ModTime()
			}
		}
	}
	return newest
}
