package condapack

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
)

// entry is one archive member as found on disk.
type entry struct {
	rel string // archive path, slash-separated, no leading slash
	// root+"/"+rel is the path it is read from, unless alt is set. The root string is shared by
	// all entries of a tree: a 100k-file env at a long prefix would otherwise hold tens of MB of
	// copies of it.
	root, alt string
	mode      fs.FileMode
	size      int64
	mtime     int64 // ns
	ctime     int64 // ns; not hashed (a copy changes it), only compared while packing
	dev       uint64
	ino       uint64
	nlink     uint64
	target    string // symlink target as on disk
	// hardOf is the rel of the first entry (in archive order) sharing this one's inode: the
	// member becomes a hard link to it.
	hardOf  string
	managed *managedFile
}

// src is the absolute path the entry is read from.
func (e *entry) src() string {
	if e.alt != "" {
		return e.alt
	}
	return e.root + "/" + e.rel
}

func (e *entry) isDir() bool     { return e.mode.IsDir() }
func (e *entry) isLink() bool    { return e.mode&fs.ModeSymlink != 0 }
func (e *entry) isRegular() bool { return e.mode.IsRegular() }

// condaSkipTop are top-level names of a conda prefix that are not part of the env (conda-pack's
// list): the package cache, nested envs of a base install, build and lock directories.
var condaSkipTop = map[string]bool{
	"pkgs": true, "envs": true, "conda-bld": true, ".conda_lock": true, "users": true,
	"conda-recipes": true, ".index": true, ".unionfs": true, ".nonadmin": true,
	"python.app": true, "Launcher.app": true,
}

// condaSkipUnmanaged are conda's own entry points of a base env; they only work with conda's
// activation, which a shipped env does not use (conda-pack drops them too).
var condaSkipUnmanaged = map[string]bool{"bin/conda": true, "bin/activate": true, "bin/deactivate": true}

// infoFile is the name of the file every archive ends with (see PackInfo).
const infoFile = ".orca-pack.json"

// tree collects entries by archive path; a later add of the same path replaces the earlier one
// (a venv's own files win over its base's).
type tree struct {
	byRel    map[string]*entry
	warnings []string
}

func newTree() *tree { return &tree{byRel: map[string]*entry{}} }

// walk adds everything under root as rel-prefixed entries. skip decides per archive path; a
// skipped directory is not descended into.
func (t *tree) walk(root, relBase string, skip func(rel string, d fs.DirEntry) bool) error {
	// Every path below is treeRoot+"/"+rel: one string for all entries (see entry.root).
	treeRoot := strings.TrimSuffix(root, "/"+filepath.FromSlash(relBase))
	if relBase == "" {
		treeRoot = root
	}
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return errorf(ErrNotEnv, "walk %s: %v", p, err)
		}
		r, _ := filepath.Rel(root, p)
		if r == "." {
			return nil
		}
		rel := path.Join(relBase, filepath.ToSlash(r))
		if skip != nil && skip(rel, d) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		e, err := lstatEntry(p, rel, treeRoot)
		if err != nil {
			return err
		}
		if e == nil {
			t.warnings = append(t.warnings, fmt.Sprintf("%s: not a file, directory or symlink; left out", p))
			return nil
		}
		t.byRel[rel] = e
		return nil
	})
}

// lstatEntry describes path p, archived as rel; root is the tree root p is under (interned by
// the caller), "" when p is elsewhere. nil for sockets, FIFOs and devices, which are not archived.
func lstatEntry(p, rel, root string) (*entry, error) {
	fi, err := os.Lstat(p)
	if err != nil {
		return nil, errorf(ErrChanged, "stat %s: %v", p, err)
	}
	e := &entry{rel: rel, root: root, mode: fi.Mode(), size: fi.Size(), mtime: fi.ModTime().UnixNano()}
	if root == "" {
		e.alt = p
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		e.dev, e.ino, e.nlink = uint64(st.Dev), st.Ino, uint64(st.Nlink)
		e.ctime = st.Ctim.Nano()
	}
	switch {
	case e.isDir():
		e.size = 0
	case e.isLink():
		if e.target, err = os.Readlink(p); err != nil {
			return nil, errorf(ErrChanged, "readlink %s: %v", p, err)
		}
		e.size = 0
	case e.isRegular():
	default:
		return nil, nil
	}
	return e, nil
}

// sorted returns the entries in archive order and marks hard links: the first path of an inode
// (in that order) carries the data, later ones link to it.
func (t *tree) sorted() []*entry {
	out := make([]*entry, 0, len(t.byRel))
	for _, e := range t.byRel {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].rel < out[j].rel })
	type inode struct{ dev, ino uint64 }
	first := map[inode]string{}
	for _, e := range out {
		e.hardOf = ""
		if !e.isRegular() || e.nlink < 2 {
			continue
		}
		k := inode{e.dev, e.ino}
		if r, ok := first[k]; ok {
			e.hardOf = r
		} else {
			first[k] = e.rel
		}
	}
	return out
}

// collect walks the env (and a venv's base) into a tree.
func collect(env *Env, meta *condaMeta) (*tree, error) {
	t := newTree()
	skip := func(rel string, d fs.DirEntry) bool {
		top, _, nested := strings.Cut(rel, "/")
		if !nested && (top == infoFile || strings.HasSuffix(top, "~") || strings.HasSuffix(top, ".DS_STORE")) {
			return true
		}
		if env.Kind != KindConda {
			return false
		}
		if !nested && condaSkipTop[top] {
			return true
		}
		if condaSkipUnmanaged[rel] {
			_, managed := meta.files[rel]
			return !managed
		}
		return false
	}
	if env.Kind == KindVenv {
		skip = func(rel string, d fs.DirEntry) bool { return rel == "pyvenv.cfg" || rel == infoFile }
	}
	if err := t.walk(env.Prefix, "", skip); err != nil {
		return nil, err
	}
	if env.Kind == KindVenv {
		if err := addBase(t, env); err != nil {
			return nil, err
		}
	}
	if meta != nil {
		for rel, e := range t.byRel {
			if m, ok := meta.files[rel]; ok {
				m := m
				e.managed = &m
			}
		}
	}
	return t, nil
}

// addBase merges what a venv's base interpreter needs into the tree: the real interpreter as
// bin/pythonX.Y, the standard library (lib/pythonX.Y without its site-packages: the venv's own
// replaces it) and, from the base's lib/, the shared libraries the interpreter and the standard
// library's extension modules load (their DT_NEEDED closure). What a library reads at run time
// that is not a shared library (a conda base's ssl/ or share/terminfo) is not included.
func addBase(t *tree, env *Env) error {
	base := env.Base
	lib := "lib/python" + env.Python
	siteRel := lib + "/site-packages"
	venvOwn := map[string]*entry{}
	for rel, e := range t.byRel {
		venvOwn[rel] = e
	}
	if err := t.walk(filepath.Join(base, filepath.FromSlash(lib)), lib, func(rel string, d fs.DirEntry) bool {
		return rel == siteRel || strings.HasPrefix(rel, siteRel+"/")
	}); err != nil {
		return err
	}
	for rel, e := range venvOwn { // the venv's own files win over the base's
		t.byRel[rel] = e
	}
	interp := "python" + env.Python
	realInterp, err := filepath.EvalSymlinks(filepath.Join(base, "bin", interp))
	if err != nil {
		return errorf(ErrNotEnv, "venv %s: base interpreter: %v", env.Prefix, err)
	}
	ie, err := lstatEntry(realInterp, "bin/"+interp, "")
	if err != nil {
		return err
	}
	if ie == nil || !ie.isRegular() {
		return errorf(ErrNotEnv, "venv %s: base interpreter %s is not a regular file", env.Prefix, realInterp)
	}
	// The venv's bin/python* point at the base interpreter; in a self-contained prefix they
	// become links to the real file next to them.
	for rel, e := range t.byRel {
		if !strings.HasPrefix(rel, "bin/") || strings.Count(rel, "/") != 1 || !e.isLink() {
			continue
		}
		if r, err := filepath.EvalSymlinks(e.src()); err == nil && r == realInterp {
			e.target = interp
		}
	}
	t.byRel["bin/"+interp] = ie
	if err := addLibClosure(t, base, env); err != nil {
		return err
	}
	env.Interpreter = "bin/" + interp
	return nil
}

// addLibClosure adds the base's shared libraries that ELF files from the base (the interpreter,
// lib-dynload modules) need, following DT_NEEDED through their RPATH/RUNPATH and the base's lib/.
func addLibClosure(t *tree, base string, env *Env) error {
	baseLib := filepath.Join(base, "lib")
	var queue []*entry
	for _, e := range t.byRel {
		if e.isRegular() && strings.HasPrefix(e.src(), base+"/") {
			queue = append(queue, e)
		}
	}
	seen := map[string]bool{}
	for len(queue) > 0 {
		e := queue[0]
		queue = queue[1:]
		if seen[e.src()] {
			continue
		}
		seen[e.src()] = true
		needed, dirs, err := elfNeeds(e.src())
		if err != nil || needed == nil {
			continue // not ELF, or not one debug/elf can read: nothing to follow
		}
		for _, name := range needed {
			for _, dir := range append(dirs, baseLib) {
				dir = strings.ReplaceAll(dir, "$ORIGIN", filepath.Dir(e.src()))
				dir = strings.ReplaceAll(dir, "${ORIGIN}", filepath.Dir(e.src()))
				cand := filepath.Join(dir, name)
				real, err := filepath.EvalSymlinks(cand)
				if err != nil || !strings.HasPrefix(real, base+"/") {
					continue
				}
				if err := addBaseFile(t, base, cand, &queue); err != nil {
					return err
				}
				if err := addBaseFile(t, base, real, &queue); err != nil {
					return err
				}
				break
			}
		}
	}
	return nil
}

func addBaseFile(t *tree, base, p string, queue *[]*entry) error {
	clean := filepath.Clean(p)
	r, err := filepath.Rel(base, clean)
	if err != nil || r == ".." || strings.HasPrefix(r, "../") {
		return nil
	}
	rel := filepath.ToSlash(r)
	if _, ok := t.byRel[rel]; ok {
		return nil
	}
	e, err := lstatEntry(clean, rel, base)
	if err != nil || e == nil {
		return err
	}
	t.byRel[rel] = e
	for d := path.Dir(rel); d != "."; d = path.Dir(d) { // parents, so the tar has their modes
		if _, ok := t.byRel[d]; ok {
			break
		}
		pe, err := lstatEntry(filepath.Join(base, filepath.FromSlash(d)), d, base)
		if err != nil {
			return err
		}
		if pe != nil {
			t.byRel[d] = pe
		}
	}
	if e.isRegular() {
		*queue = append(*queue, e)
	}
	return nil
}
