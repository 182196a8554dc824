package submitter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"time"

	"github.com/colinmarc/hdfs/v2"
	"github.com/orca-yarn/orca-yarn/appspec"
	"github.com/orca-yarn/orca-yarn/hadoop/ipc"
	"github.com/orca-yarn/orca-yarn/submitter/cachegc"
	"github.com/orca-yarn/orca-yarn/submitter/envcache"
	"github.com/orca-yarn/orca-yarn/submitter/stage"
	"github.com/orca-yarn/orca-yarn/yarn"
)

// GC ages: an upload or publish lock untouched for a day belongs to a client that died (an
// 850 MB upload takes minutes); a staging directory is only collected once its application is
// known to have ended and the directory is old enough that its submit cannot still be under way.
const (
	gcTempAge    = 24 * time.Hour
	gcStagingAge = 10 * time.Minute
	// gcUnknownAge: an application the RM does not know (yet, or any more: another cluster on
	// this HDFS, an RM that lost its state) is taken for ended only after this long.
	gcUnknownAge = 24 * time.Hour
	// minUnusedFor: below the NameNode's access-time precision (an hour by default) an entry in
	// use may look unused.
	minUnusedFor = time.Hour
)

// GCOptions: what `orca-yarn gc` collects.
type GCOptions struct {
	// UnusedFor: content-addressed entries (envs, binaries, cache put files) not used for this
	// long go, unless a live application names them.
	UnusedFor time.Duration
	DryRun    bool
	// IncludePublic also removes world-readable (--public-env) entries, which other users'
	// applications may use without this user's gc seeing them.
	IncludePublic bool
}

// GCReport is what was removed, or would be with DryRun.
type GCReport struct {
	DryRun bool `json:"dry_run"`
	// Entries are content-addressed entries and dead uploads on HDFS.
	Entries []cachegc.Item `json:"entries"`
	Bytes   int64          `json:"bytes"`
	// Staging are staging directories of applications that have ended.
	Staging []string `json:"staging"`
	// Local are this machine's per-application directories (Ray tokens) of ended applications.
	Local []string `json:"local"`
	// LiveApps counts the live applications whose resources were kept.
	LiveApps int `json:"live_apps"`
}

// GC removes what the user's ended applications left on HDFS and here, and the cached envs,
// binaries and files nothing has used for o.UnusedFor. What a live application names is always
// kept; if that cannot be read, nothing is removed.
func (c *Cluster) GC(ctx context.Context, o GCOptions) (GCReport, error) {
	rep := GCReport{DryRun: o.DryRun, Entries: []cachegc.Item{}, Staging: []string{}, Local: []string{}}
	if o.UnusedFor < minUnusedFor {
		return rep, badInputf("--unused-for %s: at least %s (HDFS updates access times hourly, so an entry in use could look unused)", o.UnusedFor, minUnusedFor)
	}
	fs, err := stage.NewHDFS(ctx, c.Conf, stageOptions(c))
	if err != nil {
		return rep, err
	}
	defer fs.Close()
	inUse, live, err := c.liveResources(ctx, fs)
	if err != nil {
		return rep, err
	}
	rep.LiveApps = live
	areas := []cachegc.Area{
		{Dir: envcache.Dir(c.User), Kind: cachegc.FlatFiles},
		{Dir: stage.BinDir(c.User), Kind: cachegc.HashDirs},
		{Dir: CacheDir(c.User), Kind: cachegc.HashDirs},
	}
	items, err := cachegc.Find(ctx, fs, areas, cachegc.Options{Now: time.Now(), UnusedFor: o.UnusedFor, TempAge: gcTempAge, InUse: inUse, IncludePublic: o.IncludePublic})
	if err != nil {
		return rep, classify(ErrCluster, err)
	}
	// Staging: ended for the RM and older than gcStagingAge; unknown to it, only after
	// gcUnknownAge (a client stages before it submits).
	staging := stage.StaleStaging
	if !o.DryRun {
		staging = stage.CleanupStaleStaging
	}
	stagingEnded := func(ctx context.Context, id yarn.ApplicationID) (bool, error) {
		return c.appEnded(ctx, id, gcUnknownAge, func() (time.Time, error) {
			st, err := fs.Stat(stage.StagingDir(c.User, id))
			if err != nil {
				return time.Time{}, err
			}
			return st.ModTime(), nil
		})
	}
	staged, stagingErr := staging(ctx, fs, c.User, stagingEnded, gcStagingAge)
	rep.Staging = append(rep.Staging, staged...)
	local, localErr := c.endedLocalDirs(ctx, max(o.UnusedFor, gcUnknownAge))
	errs := []error{stagingErr, localErr}
	if o.DryRun {
		rep.Entries, rep.Local = items, local
	} else {
		var err error
		rep.Entries, err = cachegc.Remove(ctx, fs, items)
		errs = append(errs, err)
		for _, dir := range local {
			if err := os.RemoveAll(dir); err != nil {
				errs = append(errs, err)
				continue
			}
			rep.Local = append(rep.Local, dir)
		}
	}
	for _, it := range rep.Entries {
		rep.Bytes += it.Bytes
	}
	if err := errors.Join(errs...); err != nil {
		return rep, classify(ErrCluster, err)
	}
	return rep, nil
}

// liveResources are the HDFS paths the user's live applications name (from their spec.json) and
// how many live applications there are. A spec that exists but cannot be read is an error: its
// application might need any entry.
func (c *Cluster) liveResources(ctx context.Context, fs *hdfs.Client) (map[string]bool, int, error) {
	apps, err := c.RM.Applications(ctx, yarn.ApplicationFilter{
		Types: []string{ApplicationType}, Users: []string{c.User},
		States: []yarn.AppState{yarn.AppNew, yarn.AppNewSaving, yarn.AppSubmitted, yarn.AppAccepted, yarn.AppRunning},
	})
	if err != nil {
		return nil, 0, rmErr("list live applications", err)
	}
	inUse := map[string]bool{}
	for _, app := range apps {
		p := stage.SpecPath(c.User, app.ID)
		spec, err := readSpec(fs, p)
		if errors.Is(err, os.ErrNotExist) {
			continue // submitted by another user's client or without staging: nothing of ours
		}
		if err != nil {
			return nil, 0, classify(ErrCluster, fmt.Errorf("read what live application %s uses (%s): %w; nothing was removed", app.ID, p, err))
		}
		res, err := spec.LocalResources()
		if err != nil {
			return nil, 0, classify(ErrCluster, fmt.Errorf("live application %s: %w; nothing was removed", app.ID, err))
		}
		for _, r := range res {
			if u := r.GetValue().GetResource(); u != nil {
				inUse[path.Clean(u.GetFile())] = true
			}
		}
	}
	return inUse, len(apps), nil
}

func readSpec(fs *hdfs.Client, p string) (*appspec.Spec, error) {
	f, err := fs.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 16<<20))
	if err != nil {
		return nil, err
	}
	var s appspec.Spec
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// appEnded: the RM reports id ended, or it does not know id (not submitted yet, another cluster
// sharing this HDFS or this machine, an RM that lost its state) and what the application left
// was last modified (modTime) at least unknownAge ago.
func (c *Cluster) appEnded(ctx context.Context, id yarn.ApplicationID, unknownAge time.Duration, modTime func() (time.Time, error)) (bool, error) {
	r, err := c.RM.Report(ctx, id)
	switch {
	case errors.Is(err, ipc.ErrNotFound):
		t, err := modTime()
		if err != nil {
			return false, err
		}
		return time.Since(t) >= unknownAge, nil
	case err != nil:
		return false, rmErr("application "+id.String(), err)
	}
	return r.State.Terminal(), nil
}

// endedLocalDirs are this machine's per-application directories (WriteRayToken's) of ended
// applications (appEnded; a user may submit to several clusters from one machine).
func (c *Cluster) endedLocalDirs(ctx context.Context, unknownAge time.Duration) ([]string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		return nil, nil // no cache dir: nothing was written there
	}
	root := filepath.Join(base, "orca-yarn", "apps")
	entries, err := os.ReadDir(root)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", root, err)
	}
	var ended []string
	var errs []error
	for _, e := range entries {
		id, err := yarn.ParseApplicationID(e.Name())
		if err != nil || !e.IsDir() {
			continue
		}
		done, err := c.appEnded(ctx, id, unknownAge, func() (time.Time, error) {
			info, err := e.Info()
			if err != nil {
				return time.Time{}, err
			}
			return info.ModTime(), nil
		})
		switch {
		case err != nil:
			errs = append(errs, err)
		case done:
			ended = append(ended, filepath.Join(root, e.Name()))
		}
	}
	return ended, errors.Join(errs...)
}
