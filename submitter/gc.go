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
	// MinUnusedFor: below the NameNode's access-time precision (an hour by default) an entry in
	// use may look unused.
	MinUnusedFor = time.Hour
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
	if o.UnusedFor < MinUnusedFor {
		return rep, badInputf("--unused-for %s: at least %s (HDFS updates access times hourly, so an entry in use could look unused)", o.UnusedFor, MinUnusedFor)
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
	// Ended for the RM: after gcStagingAge. Unknown to it: only after gcUnknownAge, since a
	// client stages before it submits.
	stale, staleErr := stage.StaleStaging(ctx, fs, c.User, c.appState(false), gcStagingAge)
	unknown, unknownErr := stage.StaleStaging(ctx, fs, c.User, c.appState(true), gcUnknownAge)
	stale = mergeUnique(stale, unknown)
	staleErr = errors.Join(staleErr, unknownErr)
	local, localErr := c.endedLocalDirs(ctx, max(o.UnusedFor, gcUnknownAge))
	var errs []error
	if o.DryRun {
		rep.Entries, rep.Staging, rep.Local = items, stale, local
	} else {
		var err error
		rep.Entries, err = cachegc.Remove(ctx, fs, items)
		errs = append(errs, err)
		for _, dir := range stale {
			if err := fs.RemoveAll(dir); err != nil && !errors.Is(err, os.ErrNotExist) {
				errs = append(errs, fmt.Errorf("remove %s: %w", dir, err))
				continue
			}
			rep.Staging = append(rep.Staging, dir)
		}
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
	if err := errors.Join(append(errs, staleErr, localErr)...); err != nil {
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

// appState answers StaleStaging: ended means terminal in the RM, or (with unknown) not known to
// the RM at all, and only that.
func (c *Cluster) appState(unknown bool) stage.AppFinished {
	return func(ctx context.Context, id yarn.ApplicationID) (bool, error) {
		r, err := c.RM.Report(ctx, id)
		if errors.Is(err, ipc.ErrNotFound) {
			return unknown, nil
		}
		if err != nil {
			return false, rmErr("application "+id.String(), err)
		}
		return !unknown && r.State.Terminal(), nil
	}
}

func mergeUnique(a, b []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, p := range append(a, b...) {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

// endedLocalDirs are this machine's per-application directories (WriteRayToken's) of ended
// applications. The RM does not know another cluster's applications (a user may submit to
// several from one machine): those go only once older than notFoundAge.
func (c *Cluster) endedLocalDirs(ctx context.Context, notFoundAge time.Duration) ([]string, error) {
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
		r, err := c.RM.Report(ctx, id)
		switch {
		case errors.Is(err, ipc.ErrNotFound):
			// Another cluster's application, or one this RM forgot: only an old one is ended.
			if info, err := e.Info(); err == nil && time.Since(info.ModTime()) >= notFoundAge {
				ended = append(ended, filepath.Join(root, e.Name()))
			}
		case err != nil:
			errs = append(errs, rmErr("application "+id.String(), err))
		case r.State.Terminal():
			ended = append(ended, filepath.Join(root, e.Name()))
		}
	}
	return ended, errors.Join(errs...)
}
