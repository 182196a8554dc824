package stage

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path"
	"time"

	"github.com/orca-yarn/orca-yarn/hadoop/conf"
	"github.com/orca-yarn/orca-yarn/yarn"
	"github.com/orca-yarn/orca-yarn/yarnpb/yarnpb"
)

// AppStaging is one application's staging directory, StagingDir(user, app), mode 0700. Its
// files are APPLICATION resources: a new path per app, so caching them on the NodeManagers
// would only fill their caches. Whoever ends the app removes the directory with Cleanup: the
// AM on its last attempt, or the client; CleanupStaleStaging catches the rest.
type AppStaging struct {
	fs        FS
	nn        conf.NameService
	dir       string
	resources map[string]*yarnpb.LocalResourceProto
}

// Inputs are --files, --archives and --py-files as the user gave them.
type Inputs struct {
	Files    []string // PATH or PATH#NAME
	Archives []string // PATH or PATH#NAME, named .tar.gz .tgz .tar .zip or .jar
	PyFiles  []string // .py, .zip, .egg files and directories
}

// Staged is what one call added.
type Staged struct {
	// Resources maps link names in the container's working directory to LocalResources.
	Resources map[string]*yarnpb.LocalResourceProto
	// PythonPath lists entries relative to the container's working directory, in the order
	// given; prefix each with {{PWD}}/ (or $PWD/) when building PYTHONPATH.
	PythonPath []string
}

// NewAppStaging creates the staging directory of app with mode 0700; nn is the HDFS the
// LocalResources point at (conf.Config.NameNodes).
func NewAppStaging(ctx context.Context, fs FS, nn conf.NameService, user string, app yarn.ApplicationID) (*AppStaging, error) {
	if user == "" || app.IsZero() {
		return nil, fmt.Errorf("%w: staging needs a user and an application id", ErrBadInput)
	}
	dir := StagingDir(user, app)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("create staging dir %s: %w", dir, err)
	}
	if err := fs.MkdirAll(dir, 0o700); err != nil {
		return nil, hdfsErr(ctx, "create staging dir", dir, err)
	}
	// MkdirAll leaves an existing directory as it was; the staging dir must be private.
	if err := fs.Chmod(dir, 0o700); err != nil {
		return nil, hdfsErr(ctx, "chmod 0700", dir, err)
	}
	return &AppStaging{fs: fs, nn: nn, dir: dir, resources: map[string]*yarnpb.LocalResourceProto{}}, nil
}

// Dir is the staging directory's HDFS path.
func (s *AppStaging) Dir() string { return s.dir }

// Resources returns every resource staged so far, by link name. The protos are shared: do not
// modify them.
func (s *AppStaging) Resources() map[string]*yarnpb.LocalResourceProto {
	return maps.Clone(s.resources)
}

// Add stages all of in. Every entry is checked (local files exist and are readable, suffixes,
// link names unique and not reserved) before anything is uploaded; if an upload fails, what
// this call already uploaded is removed again and nothing is added.
func (s *AppStaging) Add(ctx context.Context, in Inputs) (Staged, error) {
	var items []item
	for _, spec := range in.Files {
		it, err := planFile("--files", spec, yarnpb.LocalResourceTypeProto_FILE)
		if err != nil {
			return Staged{}, err
		}
		items = append(items, it)
	}
	for _, spec := range in.Archives {
		it, err := planFile("--archives", spec, yarnpb.LocalResourceTypeProto_ARCHIVE)
		if err != nil {
			return Staged{}, err
		}
		items = append(items, it)
	}
	py, pythonPath, err := planPyFiles(in.PyFiles)
	if err != nil {
		return Staged{}, err
	}
	items = append(items, py...)
	res, err := s.stage(ctx, items)
	if err != nil {
		return Staged{}, err
	}
	return Staged{Resources: res, PythonPath: pythonPath}, nil
}

// AddFile stages local as a FILE linked as link (its base name when link is empty).
func (s *AppStaging) AddFile(ctx context.Context, local, link string) (map[string]*yarnpb.LocalResourceProto, error) {
	it, err := planItem("--files", local, link, yarnpb.LocalResourceTypeProto_FILE)
	if err != nil {
		return nil, err
	}
	return s.stage(ctx, []item{it})
}

// AddSpec stages the application's spec file under the reserved link name spec.json (LinkSpec),
// which users' --files may not take.
func (s *AppStaging) AddSpec(ctx context.Context, local string) (*yarnpb.LocalResourceProto, error) {
	if _, err := checkLocalFile("spec", local); err != nil {
		return nil, err
	}
	it := item{flag: "spec", local: local, link: LinkSpec, remote: LinkSpec, typ: yarnpb.LocalResourceTypeProto_FILE, upload: local}
	res, err := s.stage(ctx, []item{it})
	if err != nil {
		return nil, err
	}
	return res[LinkSpec], nil
}

// AddArchive stages local as an ARCHIVE the NodeManager unpacks into a directory linked as
// alias (its base name when alias is empty). Use ParseAlias for "x.tgz#alias".
func (s *AppStaging) AddArchive(ctx context.Context, local, alias string) (map[string]*yarnpb.LocalResourceProto, error) {
	it, err := planItem("--archives", local, alias, yarnpb.LocalResourceTypeProto_ARCHIVE)
	if err != nil {
		return nil, err
	}
	return s.stage(ctx, []item{it})
}

// AddPyFiles stages --py-files and returns the PYTHONPATH entries they need (see Staged).
func (s *AppStaging) AddPyFiles(ctx context.Context, list []string) (map[string]*yarnpb.LocalResourceProto, []string, error) {
	items, pythonPath, err := planPyFiles(list)
	if err != nil {
		return nil, nil, err
	}
	res, err := s.stage(ctx, items)
	if err != nil {
		return nil, nil, err
	}
	return res, pythonPath, nil
}

// Cleanup removes the staging directory and everything in it. Removing a directory that is
// already gone succeeds.
func (s *AppStaging) Cleanup(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("remove staging dir %s: %w", s.dir, err)
	}
	if err := s.fs.RemoveAll(s.dir); err != nil && !isNotExist(err) {
		return hdfsErr(ctx, "remove staging dir", s.dir, err)
	}
	return nil
}

// stage checks items against each other and what is already staged, prepares the zips of
// --py-files directories, then uploads. It is all or nothing.
func (s *AppStaging) stage(ctx context.Context, items []item) (map[string]*yarnpb.LocalResourceProto, error) {
	seen := map[string]item{}
	for _, it := range items {
		if _, dup := s.resources[it.link]; dup {
			return nil, badInputf("%s %s: link name %q is already staged; choose another with PATH#NAME",
				it.flag, it.local, it.link)
		}
		if prev, dup := seen[it.link]; dup {
			fix := "give one another name with PATH#NAME"
			if it.flag == "--py-files" && prev.flag == "--py-files" {
				fix = "Python would import only one of them: rename or drop one"
			}
			return nil, badInputf("%s %s and %s %s: both would be linked as %q; %s",
				prev.flag, prev.local, it.flag, it.local, it.link, fix)
		}
		seen[it.link] = it
	}
	for i := range items {
		if !items[i].zipDir {
			continue
		}
		zipped, err := zipPyDir(items[i])
		if err != nil {
			removeZips(items)
			return nil, err
		}
		items[i].upload = zipped
	}
	defer removeZips(items)

	added := map[string]*yarnpb.LocalResourceProto{}
	var published []string
	for _, it := range items {
		lr, dir, err := s.put(ctx, it)
		if err != nil {
			for _, p := range published {
				_ = s.fs.RemoveAll(p) // not tied to ctx: a cancelled Add must still undo itself
			}
			return nil, err
		}
		published = append(published, dir)
		added[it.link] = lr
	}
	maps.Copy(s.resources, added)
	return added, nil
}

// put uploads one item to <staging>/<link>/<remote name> and returns its LocalResource and
// the directory that holds it.
func (s *AppStaging) put(ctx context.Context, it item) (*yarnpb.LocalResourceProto, string, error) {
	fi, err := os.Stat(it.upload)
	if err != nil {
		return nil, "", localErr(it.flag, it.local, err)
	}
	// "__pyfiles__/a.py" lives in <staging>/__pyfiles__/a.py/; YARN makes the link's parent.
	parent := path.Join(s.dir, path.Dir(it.link))
	u := upload{fs: s.fs, local: it.upload, size: fi.Size(), parent: parent, name: path.Base(it.link), base: it.remote}
	st, _, err := u.run(ctx)
	if err != nil {
		return nil, "", err
	}
	r := Resource{Path: u.final(), Size: st.Size(), ModTime: st.ModTime(), Type: it.typ,
		Visibility: yarnpb.LocalResourceVisibilityProto_APPLICATION}
	return r.LocalResource(s.nn), path.Join(parent, u.name), nil
}

// AppFinished reports whether the ResourceManager considers an application over: FINISHED,
// FAILED or KILLED, or no longer known to it.
type AppFinished func(ctx context.Context, app yarn.ApplicationID) (bool, error)

// CleanupStaleStaging removes the staging directories of user's finished applications and
// returns the paths it removed. The AM removes its own on its last attempt; a killed AM or
// client leaves one behind, which `orca-yarn gc` collects. Which directories: see StaleStaging.
// A failure on one directory does not stop the others; all failures are returned joined.
func CleanupStaleStaging(ctx context.Context, fs FS, user string, finished AppFinished, minAge time.Duration) ([]string, error) {
	stale, err := StaleStaging(ctx, fs, user, finished, minAge)
	var removed []string
	errs := []error{err}
	for _, dir := range stale {
		if err := fs.RemoveAll(dir); err != nil && !isNotExist(err) {
			errs = append(errs, hdfsErr(ctx, "remove staging dir", dir, err))
			continue
		}
		removed = append(removed, dir)
	}
	return removed, errors.Join(errs...)
}

// StaleStaging lists the staging directories of user's finished applications.
//
// A directory modified within minAge is spared whatever finished says: a client stages before
// it submits, so its application may not be known to the RM yet. Entries that are not
// application ids are left alone. A failure on one directory does not stop the others; all
// failures are returned joined, with what could be listed.
func StaleStaging(ctx context.Context, fs FS, user string, finished AppFinished, minAge time.Duration) ([]string, error) {
	root := StagingRoot(user)
	entries, err := fs.ReadDir(root)
	if isNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, hdfsErr(ctx, "list", root, err)
	}
	var stale []string
	var errs []error
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			errs = append(errs, fmt.Errorf("clean up %s: %w", root, err))
			break
		}
		app, err := yarn.ParseApplicationID(e.Name())
		if err != nil || !e.IsDir() || time.Since(e.ModTime()) < minAge {
			continue
		}
		done, err := finished(ctx, app)
		if err != nil {
			errs = append(errs, fmt.Errorf("clean up staging of %s: %w", app, err))
			continue
		}
		if done {
			stale = append(stale, path.Join(root, e.Name()))
		}
	}
	return stale, errors.Join(errs...)
}
