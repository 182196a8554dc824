package envcache

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"

	"github.com/orca-yarn/orca-yarn/condapack"
	"github.com/orca-yarn/orca-yarn/hadoop/conf"
	"github.com/orca-yarn/orca-yarn/submitter/stage"
	"github.com/orca-yarn/orca-yarn/yarnpb/yarnpb"
	"github.com/sirupsen/logrus"
	"github.com/zeebo/blake3"
)

// Dest is the run-time path of an env archive (condapack's destination contract): /tmp/oy-<16
// hex>, 24 bytes, short enough to rewrite in place into the binaries of any env whose prefix is at
// least that long. The hex is a hash of the user, the manifest and the visibility: one link per
// archive per host, never shared between users (a sticky /tmp would not let one replace the
// other's), and never between a PRIVATE and a PUBLIC localization of the same env.
func Dest(user, manifest string, vis yarnpb.LocalResourceVisibilityProto) string {
	h := blake3.New()
	_, _ = h.WriteString("orca-yarn env dest 1\x00" + user + "\x00" + manifest + "\x00" + vis.String())
	return "/tmp/oy-" + hex.EncodeToString(h.Sum(nil)[:8])
}

// Request is one env to have on HDFS.
type Request struct {
	Env  *condapack.Env
	Scan condapack.ScanOptions
	// Pack options; Dest is set by Ensure.
	Pack condapack.PackOptions
	// Public asks for PUBLIC visibility (NodeManagers share one localized copy across all
	// applications); granted when the cache directory and its parents are world-executable.
	Public bool
	// Output, when set, is where the archive is packed locally and left; otherwise a temporary
	// file in TempDir (default os.TempDir()) is removed after the upload.
	Output  string
	TempDir string
	// Repack packs even when the cache has the archive (to write Output).
	Repack bool
}

// Result is what Ensure did.
type Result struct {
	Manifest *condapack.Manifest
	Key      string
	Dest     string
	Resource stage.Resource // Reused: nothing was packed or uploaded
	Stats    *condapack.Stats
	// Local is the archive on local disk when Output was set.
	Local string
	// Note says why PUBLIC was asked for and not granted.
	Note string
}

// maxAttempts bounds repacking an env that keeps changing while it is packed.
const maxAttempts = 3

// Ensure scans the env and returns its archive on HDFS: the cached one when its key is there
// (nothing packed), else packs it and publishes it. An env that changes while it is packed is
// scanned and packed again, up to three times.
func (c *Cache) Ensure(ctx context.Context, req Request) (*Result, error) {
	vis, note, err := c.visibility(ctx, req.Public)
	if err != nil {
		return nil, err
	}
	if note != "" {
		c.log.Warn(note)
	}
	for attempt := 1; ; attempt++ {
		res, err := c.ensureOnce(ctx, req, vis)
		if err == nil {
			res.Note = note
			return res, nil
		}
		if !errors.Is(err, condapack.ErrChanged) || attempt == maxAttempts || ctx.Err() != nil {
			return nil, err
		}
		c.log.WithError(err).WithField("attempt", attempt).Warn("the env changed while it was packed; scanning it again")
	}
}

func (c *Cache) ensureOnce(ctx context.Context, req Request, vis yarnpb.LocalResourceVisibilityProto) (*Result, error) {
	m, err := condapack.Scan(ctx, req.Env, req.Scan)
	if err != nil {
		return nil, envErr(ctx, err)
	}
	res := &Result{Manifest: m, Dest: Dest(c.user, m.Hash, vis)}
	res.Key = m.Key(res.Dest)
	log := c.log.WithFields(logrus.Fields{"env": req.Env.Prefix, "key": res.Key})
	if !req.Repack {
		r, ok, err := c.Lookup(ctx, res.Key, vis)
		if err != nil {
			return nil, err
		}
		if ok {
			res.Resource = r
			log.WithField("path", r.Path).Info("env archive already on HDFS")
			return res, nil
		}
	}
	// Fail before packing, not after, when the cache cannot be written.
	if err := c.fs.MkdirAll(c.dir, 0o700); err != nil {
		return nil, hdfsErr(ctx, "mkdir", c.dir, err)
	}
	local := req.Output
	if local == "" {
		dir := req.TempDir
		if dir == "" {
			dir = os.TempDir()
		}
		local = filepath.Join(dir, "orca-yarn-env-"+res.Key+".tar.gz")
		defer os.Remove(local)
	} else {
		res.Local = local
	}
	o := req.Pack
	o.Dest = res.Dest
	if res.Stats, err = m.PackFile(ctx, local, o); err != nil {
		return nil, envErr(ctx, err)
	}
	if res.Resource, err = c.Publish(ctx, res.Key, local, vis); err != nil {
		return nil, err
	}
	log.WithFields(logrus.Fields{"path": res.Resource.Path, "bytes": res.Resource.Size,
		"reused": res.Resource.Reused}).Info("env archive published")
	return res, nil
}

// visibility grants PUBLIC when asked and possible: YARN localizes a resource PUBLIC only when
// the file is world-readable and every directory above it world-executable
// (FSDownload.isPublic), and a NodeManager that finds otherwise fails the container. We make our
// own envs directory 0755; its parents are the user's (or the admin's) to open.
func (c *Cache) visibility(ctx context.Context, public bool) (yarnpb.LocalResourceVisibilityProto, string, error) {
	if !public {
		return yarnpb.LocalResourceVisibilityProto_PRIVATE, "", nil
	}
	if err := c.fs.MkdirAll(c.dir, 0o700); err != nil {
		return 0, "", hdfsErr(ctx, "mkdir", c.dir, err)
	}
	if err := c.fs.Chmod(c.dir, 0o755); err != nil {
		return 0, "", hdfsErr(ctx, "chmod", c.dir, err)
	}
	var closed []string
	for d := c.dir; ; d = path.Dir(d) {
		st, err := c.fs.Stat(d)
		if err != nil {
			return 0, "", hdfsErr(ctx, "stat", d, err)
		}
		if st.Mode().Perm()&0o001 == 0 {
			closed = append(closed, d)
		}
		if d == "/" {
			break
		}
	}
	if len(closed) > 0 {
		return yarnpb.LocalResourceVisibilityProto_PRIVATE, fmt.Sprintf("PUBLIC visibility needs every directory "+
			"above the env cache to be world-executable; using PRIVATE. To share the env's localized copy across "+
			"applications, run: hdfs dfs -chmod o+x %s", joinPaths(closed)), nil
	}
	return yarnpb.LocalResourceVisibilityProto_PUBLIC, "", nil
}

func joinPaths(ps []string) string {
	s := ""
	for i := len(ps) - 1; i >= 0; i-- {
		if s != "" {
			s += " "
		}
		s += ps[i]
	}
	return s
}

// URI is the hdfs:// URI of a published archive, as YARN will be told it.
func URI(r stage.Resource, nn conf.NameService) string {
	u := r.LocalResource(nn).GetResource()
	host := u.GetHost()
	if p := u.GetPort(); p > 0 {
		host = fmt.Sprintf("%s:%d", host, p)
	}
	return "hdfs://" + host + u.GetFile()
}
