package envcache

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"regexp"
	"time"

	"github.com/orca-yarn/orca-yarn/submitter/stage"
	"github.com/orca-yarn/orca-yarn/yarnpb/yarnpb"
	"github.com/sirupsen/logrus"
)

// Cache is one user's env cache on HDFS.
type Cache struct {
	fs   stage.FS
	user string
	dir  string
	log  *logrus.Entry
	// lockStale is how old a publish lock must be (by the NameNode's clock) before another
	// publisher removes it: publishing is a stat and a rename, milliseconds, so a lock this old
	// belongs to a publisher that died.
	lockStale time.Duration
	// lockWait bounds how long a publisher waits for another's lock before giving up.
	lockWait time.Duration
}

// New returns the cache of user on fs. log may be nil.
func New(fs stage.FS, user string, log *logrus.Entry) *Cache {
	if log == nil {
		l := logrus.New()
		l.SetOutput(io.Discard)
		log = logrus.NewEntry(l)
	}
	return &Cache{fs: fs, user: user, dir: Dir(user), log: log, lockStale: 30 * time.Second, lockWait: time.Minute}
}

// Dir is where a user's packed envs live.
func Dir(user string) string { return path.Join(stage.HomeDir(user), ".orca-yarn", "envs") }

// keyPattern is what condapack.Manifest.Key returns: 128 bits of hex.
var keyPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

// Path is the HDFS path of the archive with key.
func (c *Cache) Path(key string) string { return path.Join(c.dir, key+".tar.gz") }

func (c *Cache) resource(st os.FileInfo, p string, vis yarnpb.LocalResourceVisibilityProto, reused bool) stage.Resource {
	return stage.Resource{
		Path: p, Size: st.Size(), ModTime: st.ModTime(),
		Type: yarnpb.LocalResourceTypeProto_ARCHIVE, Visibility: vis, Reused: reused,
	}
}

// Lookup returns the published archive of key, if there is one. Only a rename ever creates that
// name, so a file there is whole.
func (c *Cache) Lookup(ctx context.Context, key string, vis yarnpb.LocalResourceVisibilityProto) (stage.Resource, bool, error) {
	if !keyPattern.MatchString(key) {
		return stage.Resource{}, false, fmt.Errorf("env cache key %q: want 32 hex digits", key)
	}
	p := c.Path(key)
	st, err := c.fs.Stat(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return stage.Resource{}, false, nil
	case err != nil:
		return stage.Resource{}, false, hdfsErr(ctx, "stat", p, err)
	case st.IsDir() || st.Size() == 0:
		return stage.Resource{}, false, clusterErr(fmt.Errorf("hdfs://%s is not an archive (changed outside orca-yarn); "+
			"remove it (hdfs dfs -rm -r %s) and retry", p, p))
	}
	stage.MarkUsed(c.fs, p, st)
	return c.resource(st, p, vis, true), true, nil
}

// Publish uploads the local archive as key's. Nothing is visible under the final name until the
// whole file is on HDFS: it is written under a temporary name in the same directory and renamed.
// Of concurrent publishers of one key, one renames and the others find its file and drop their
// own (a lock file, created exclusively by the NameNode, orders the check-and-rename): the
// published file is never replaced, so its mtime, which NodeManagers check against the
// LocalResource, never changes under a submitted application.
func (c *Cache) Publish(ctx context.Context, key, local string, vis yarnpb.LocalResourceVisibilityProto) (stage.Resource, error) {
	if r, ok, err := c.Lookup(ctx, key, vis); err != nil || ok {
		return r, err
	}
	if err := c.fs.MkdirAll(c.dir, 0o700); err != nil {
		return stage.Resource{}, hdfsErr(ctx, "mkdir", c.dir, err)
	}
	tmp := path.Join(c.dir, ".tmp-"+key+"-"+randomSuffix()+".tar.gz")
	published := false
	defer func() {
		if !published {
			_ = c.fs.RemoveAll(tmp) // best effort, and also when ctx is already cancelled
		}
	}()
	size, err := c.upload(ctx, local, tmp)
	if err != nil {
		return stage.Resource{}, err
	}
	stage.WholeSecondMtime(c.fs, tmp)
	tmpSt, err := c.fs.Stat(tmp)
	if err != nil {
		return stage.Resource{}, hdfsErr(ctx, "stat", tmp, err)
	}
	unlock, err := c.lock(ctx, key, tmpSt.ModTime())
	if err != nil {
		return stage.Resource{}, err
	}
	defer unlock()
	final := c.Path(key)
	if r, ok, err := c.Lookup(ctx, key, vis); err != nil || ok {
		return r, err // someone else published while we uploaded: theirs stays, ours goes
	}
	if err := c.fs.Rename(tmp, final); err != nil {
		return stage.Resource{}, hdfsErr(ctx, "publish", final, err)
	}
	published = true
	st, err := c.fs.Stat(final)
	if err != nil {
		return stage.Resource{}, hdfsErr(ctx, "stat", final, err)
	}
	if st.Size() != size {
		return stage.Resource{}, clusterErr(fmt.Errorf("hdfs://%s: %d bytes after upload, want %d", final, st.Size(), size))
	}
	return c.resource(st, final, vis, false), nil
}

// lock takes the publish lock of key: a file the NameNode creates only if it does not exist.
// now is a recent NameNode time (our temporary file's mtime), to judge staleness without
// trusting our clock.
func (c *Cache) lock(ctx context.Context, key string, now time.Time) (func(), error) {
	p := path.Join(c.dir, ".lock-"+key)
	deadline := time.Now().Add(c.lockWait)
	for {
		w, err := c.fs.Create(p)
		if err == nil {
			if err := w.Close(); err != nil {
				_ = c.fs.RemoveAll(p)
				return nil, hdfsErr(ctx, "create", p, err)
			}
			return func() { _ = c.fs.RemoveAll(p) }, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, hdfsErr(ctx, "create", p, err)
		}
		if st, serr := c.fs.Stat(p); serr == nil && now.Sub(st.ModTime()) > c.lockStale {
			c.log.WithField("lock", p).Warn("removing a stale env cache lock")
			_ = c.fs.RemoveAll(p)
			continue
		}
		if time.Now().After(deadline) {
			return nil, clusterErr(fmt.Errorf("hdfs://%s is held by another publisher for over %s; if none is "+
				"running, remove it (hdfs dfs -rm %s)", p, c.lockWait, p))
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// upload copies local to p in 1 MiB chunks, checking ctx between them (the HDFS client takes no
// context; a deadline becomes the DataNode write deadline).
func (c *Cache) upload(ctx context.Context, local, p string) (int64, error) {
	src, err := os.Open(local)
	if err != nil {
		return 0, badInput(fmt.Errorf("upload %s: %w", local, err))
	}
	defer src.Close()
	w, err := c.fs.Create(p)
	if err != nil {
		return 0, hdfsErr(ctx, "create", p, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = w.SetDeadline(dl)
	}
	buf := make([]byte, 1<<20)
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			_ = w.Close()
			return 0, err
		}
		k, rerr := io.ReadFull(src, buf)
		if k > 0 {
			if _, err := w.Write(buf[:k]); err != nil {
				_ = w.Close()
				return 0, hdfsErr(ctx, "write", p, err)
			}
			n += int64(k)
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			break
		}
		if rerr != nil {
			_ = w.Close()
			return 0, badInput(fmt.Errorf("upload %s: %w", local, rerr))
		}
	}
	if err := stage.CloseReplicated(ctx, w); err != nil {
		return 0, hdfsErr(ctx, "close", p, err)
	}
	return n, nil
}

func randomSuffix() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
