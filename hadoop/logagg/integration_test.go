//go:build integration

package logagg_test

import (
	"errors"
	"io"
	"testing"
	"time"

	"github.com/orca-yarn/orca-yarn/hadoop/logagg"
	"github.com/orca-yarn/orca-yarn/integration/testenv"
)

// TestDecodeAggregatedLogsOfARealApp runs the fixture app (whose containers write stdout and stderr),
// waits for its logs to be aggregated, and decodes every node file straight from the real
// cluster's HDFS. Its own app, not the newest one on the cluster: other users of a shared
// cluster run applications (Skein, Spark) whose containers name their logs otherwise.
func TestDecodeAggregatedLogsOfARealApp(t *testing.T) {
	cl := testenv.Require(t)
	fsys := logagg.HDFS(cl.HDFS(t))
	layout := logagg.LayoutFromConf(cl.Conf.Get)

	appID, _ := runFixtureApp(t, cl)

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
