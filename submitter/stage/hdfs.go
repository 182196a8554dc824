package stage

import (
	"context"
	"errors"
	"os"
	"path"
	"time"

	"github.com/colinmarc/hdfs/v2"
	"github.com/orca-yarn/orca-yarn/hadoop/conf"
	"github.com/orca-yarn/orca-yarn/hadoop/hdfsconn"
	"github.com/orca-yarn/orca-yarn/yarn"
)

// FS is what staging needs from HDFS. *hdfs.Client satisfies it; the interface exists so the
// logic above it can be read and reasoned about apart from the wire client.
type FS interface {
	Stat(name string) (os.FileInfo, error)
	ReadDir(dirname string) ([]os.FileInfo, error)
	MkdirAll(dirname string, perm os.FileMode) error
	Create(name string) (*hdfs.FileWriter, error)
	Rename(oldpath, newpath string) error
	RemoveAll(name string) error
	Chmod(name string, perm os.FileMode) error
	Chtimes(name string, atime, mtime time.Time) error
}

var _ FS = (*hdfs.Client)(nil)

// NewHDFS connects as opts.User (see hdfsconn.Connect) and classifies failures: configuration
// problems are the user's (ErrBadInput), the rest the cluster's.
func NewHDFS(ctx context.Context, cfg *conf.Config, opts hdfsconn.Options) (*hdfs.Client, error) {
	c, err := hdfsconn.Connect(ctx, cfg, opts)
	switch {
	case err == nil:
		return c, nil
	case errors.Is(err, hdfsconn.ErrConfig):
		return nil, classify(ErrBadInput, err)
	case ctx.Err() != nil:
		return nil, err
	}
	return nil, classify(ErrCluster, err)
}

// CloseReplicated closes an HDFS file; see hdfsconn.CloseReplicated.
func CloseReplicated(ctx context.Context, w *hdfs.FileWriter) error {
	return hdfsconn.CloseReplicated(ctx, w)
}

// HomeDir is Hadoop's home of user on HDFS (FileSystem.getHomeDirectory).
func HomeDir(user string) string { return path.Join("/user", user) }

// BinDir is where UploadContentAddressed keeps the orca-yarn binary of each build.
func BinDir(user string) string { return path.Join(HomeDir(user), ".orca-yarn", "bin") }

// StagingRoot holds one staging directory per application.
func StagingRoot(user string) string { return path.Join(HomeDir(user), ".orca-yarn", "staging") }

// StagingDir is the per-application staging directory.
func StagingDir(user string, app yarn.ApplicationID) string {
	return path.Join(StagingRoot(user), app.String())
}

// MarkUsed records a reuse of the published file p (st is its Stat): its access time becomes now,
// its modification time stays, which every LocalResource naming p carries. `orca-yarn gc` ages
// entries by that access time; the NameNode updates it on reads only once an hour, and a reused
// entry is not read at all until a NodeManager that lacks it localizes it. The client library
// sends times in whole seconds, so only a file whose mtime is a whole second (WholeSecondMtime,
// as we publish them) can keep its mtime; any other is left alone, and a NodeManager's "changed
// on src filesystem" never follows. Best effort: a cluster with access times off
// (dfs.namenode.accesstime.precision=0) refuses, and then gc ages by the upload alone.
func MarkUsed(fs FS, p string, st os.FileInfo) {
	if st.ModTime().Nanosecond() != 0 {
		return
	}
	_ = fs.Chtimes(p, time.Now(), st.ModTime())
}

// WholeSecondMtime truncates the mtime of a file not published yet to a whole second, so that
// MarkUsed can later touch it without changing its mtime. Best effort, like MarkUsed.
func WholeSecondMtime(fs FS, p string) {
	if st, err := fs.Stat(p); err == nil && st.ModTime().Nanosecond() != 0 {
		_ = fs.Chtimes(p, st.ModTime(), st.ModTime().Truncate(time.Second))
	}
}

// SpecPath is where an application's spec.json is staged (AddSpec: <link>/<name>).
func SpecPath(user string, app yarn.ApplicationID) string {
	return path.Join(StagingDir(user, app), LinkSpec, LinkSpec)
}

// isNotExist matches HDFS's FileNotFoundException as colinmarc/hdfs reports it.
func isNotExist(err error) bool { return errors.Is(err, os.ErrNotExist) }
