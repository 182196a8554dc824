//go:build integration

package stage_test

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"maps"
	"os"
	"path"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/colinmarc/hdfs/v2"
	"github.com/orca-yarn/orca-yarn/integration/testenv"
	"github.com/orca-yarn/orca-yarn/submitter/stage"
	"github.com/orca-yarn/orca-yarn/yarn"
	"github.com/orca-yarn/orca-yarn/yarnpb/yarnpb"
)

// fakeApp is an application id no RM ever handed out (cluster timestamp 1), so tests can
// stage under the real staging root without touching anyone's application.
func fakeApp() yarn.ApplicationID {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return yarn.ApplicationID{ClusterTimestamp: 1, ID: int32(binary.BigEndian.Uint32(b[:]) & 0x7fffffff)}
}

func newStaging(t *testing.T, cl *testenv.Cluster, c *hdfs.Client, app yarn.ApplicationID) *stage.AppStaging {
	t.Helper()
	nn, err := cl.Conf.NameNodes()
	if err != nil {
		t.Fatal(err)
	}
	s, err := stage.NewAppStaging(testenv.Ctx(t, time.Minute), c, nn, cl.User, app)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Cleanup(context.Background()) })
	return s
}

// checkExact verifies what the NodeManager will verify: the URL's file exists with the size
// and, to the millisecond, the modification time the LocalResource carries.
func checkExact(t *testing.T, c *hdfs.Client, link string, lr *yarnpb.LocalResourceProto) {
	t.Helper()
	st, err := c.Stat(lr.GetResource().GetFile())
	if err != nil {
		t.Fatalf("%s: %v", link, err)
	}
	if st.Size() != lr.GetSize() || st.ModTime().UnixMilli() != lr.GetTimestamp() {
		t.Fatalf("%s: LocalResource says %d bytes @%d, HDFS says %d @%d", link, lr.GetSize(), lr.GetTimestamp(),
			st.Size(), st.ModTime().UnixMilli())
	}
}

func TestAppStagingLifecycle(t *testing.T) {
	cl := testenv.Require(t)
	c := client(t, cl, cl.User)
	s := newStaging(t, cl, c, fakeApp())
	st, err := c.Stat(s.Dir())
	if err != nil || !st.IsDir() || st.Mode().Perm() != 0o700 {
		t.Fatalf("staging dir %s: %v %v, want a 0700 directory", s.Dir(), st, err)
	}

	in := localInputs(t)
	staged, err := s.Add(testenv.Ctx(t, time.Minute), in)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"__pyfiles__/a.py", "data.csv", "environment", "mypkg.zip"}
	if got := slices.Sorted(maps.Keys(staged.Resources)); !slices.Equal(got, want) {
		t.Fatalf("links %q, want %q", got, want)
	}
	if !slices.Equal(staged.PythonPath, []string{"__pyfiles__", "mypkg.zip"}) {
		t.Fatalf("PYTHONPATH entries %q", staged.PythonPath)
	}
	for link, lr := range staged.Resources {
		checkExact(t, c, link, lr)
		if lr.GetVisibility() != yarnpb.LocalResourceVisibilityProto_APPLICATION {
			t.Errorf("%s: visibility %s, want APPLICATION", link, lr.GetVisibility())
		}
	}
	if staged.Resources["environment"].GetType() != yarnpb.LocalResourceTypeProto_ARCHIVE ||
		path.Base(staged.Resources["environment"].GetResource().GetFile()) != "env.tgz" {
		t.Fatalf("archive: %v", staged.Resources["environment"])
	}

	// The same link again is refused before anything is uploaded.
	if _, err := s.AddFile(testenv.Ctx(t, time.Minute), in.Files[0], ""); !errors.Is(err, stage.ErrBadInput) {
		t.Fatalf("re-adding data.csv: %v", err)
	}
	if len(s.Resources()) != len(want) {
		t.Fatalf("Resources() = %d entries, want %d", len(s.Resources()), len(want))
	}

	ctx := testenv.Ctx(t, time.Minute)
	if err := s.Cleanup(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Stat(s.Dir()); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("staging dir after Cleanup: %v, want it gone", err)
	}
	if err := s.Cleanup(ctx); err != nil {
		t.Fatalf("second Cleanup: %v", err)
	}
}

// An Add that fails half way removes what it had uploaded: nothing of it stays staged.
func TestAppStagingAddIsAllOrNothing(t *testing.T) {
	cl := testenv.Require(t)
	c := client(t, cl, cl.User)
	s := newStaging(t, cl, c, fakeApp())
	in := localInputs(t)
	// Something already sits where the archive goes (say, a stale copy): publishing onto it fails.
	if err := c.MkdirAll(path.Join(s.Dir(), "environment", "junk"), 0o700); err != nil {
		t.Fatal(err)
	}
	_, err := s.Add(testenv.Ctx(t, time.Minute), stage.Inputs{Files: in.Files, Archives: in.Archives})
	if !errors.Is(err, stage.ErrCluster) || !strings.Contains(err.Error(), "rename destination directory is not empty") {
		t.Fatalf("Add onto an occupied link: %v, want a cluster error with the NameNode's reason", err)
	}
	if got := names(t, c, s.Dir()); !slices.Equal(got, []string{"environment"}) {
		t.Fatalf("staging dir holds %q after a failed Add, want only what was there before", got)
	}
	if len(s.Resources()) != 0 {
		t.Fatalf("a failed Add recorded %v", s.Resources())
	}
}

func TestAppStagingPermissionDenied(t *testing.T) {
	cl := testenv.Require(t)
	c := client(t, cl, cl.User)
	newStaging(t, cl, c, fakeApp()) // the staging root exists, 0700
	other := client(t, cl, "orcatest")
	nn, err := cl.Conf.NameNodes()
	if err != nil {
		t.Fatal(err)
	}
	// orcatest pretending to be the test user: refused, since the staging dir is 0700.
	_, err = stage.NewAppStaging(testenv.Ctx(t, time.Minute), other, nn, cl.User, yarn.ApplicationID{ClusterTimestamp: 1, ID: 1})
	if !errors.Is(err, stage.ErrCluster) {
		t.Fatalf("NewAppStaging as another user under %s: %v", stage.StagingRoot(cl.User), err)
	}
}

func TestCleanupStaleStaging(t *testing.T) {
	cl := testenv.Require(t)
	c := client(t, cl, cl.User)
	done, running := fakeApp(), fakeApp()
	newStaging(t, cl, c, done)
	newStaging(t, cl, c, running)
	finished := func(_ context.Context, app yarn.ApplicationID) (bool, error) { return app == done, nil }
	ctx := testenv.Ctx(t, time.Minute)

	// Too young: a client may still be about to submit it.
	removed, err := stage.CleanupStaleStaging(ctx, c, cl.User, finished, time.Hour)
	if err != nil || len(removed) != 0 {
		t.Fatalf("with minAge 1h: removed %q, %v", removed, err)
	}
	removed, err = stage.CleanupStaleStaging(ctx, c, cl.User, finished, 0)
	if err != nil || !slices.Equal(removed, []string{stage.StagingDir(cl.User, done)}) {
		t.Fatalf("removed %q, %v; want only %s", removed, err, stage.StagingDir(cl.User, done))
	}
	if _, err := c.Stat(stage.StagingDir(cl.User, running)); err != nil {
		t.Fatalf("the running app's staging dir is gone: %v", err)
	}

	// An RM that cannot answer spares the directory and says so.
	failing := func(_ context.Context, app yarn.ApplicationID) (bool, error) {
		if app == running {
			return false, errors.New("rm down")
		}
		return false, nil
	}
	if removed, err := stage.CleanupStaleStaging(ctx, c, cl.User, failing, 0); err == nil || len(removed) != 0 {
		t.Fatalf("RM failure: removed %q, err %v", removed, err)
	}
}
