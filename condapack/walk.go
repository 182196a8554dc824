package condapack

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
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
	hardOf string
	// condaMode is how conda installed the file ("text", "binary", or "" for neither), and
	// placeholder the length of the prefix placeholder it replaced: all that Pack needs of the
	// conda-meta records, which are dropped after Scan.
	condaMode   string
	placeholder int
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

// walkers stat in parallel: a warm walk is syscall-bound (one lstat per path) and a cold one
// latency-bound, so more walkers than cores pay off in both.
const walkers = 8

// walk adds everything under root as rel-prefixed entries. skip decides per archive path; a
// skipped directory is not descended into, nor is a symlink to one.
func (t *tree) walk(root, relBase string, skip func(rel string, dir bool) bool) error {
	// Every path below is treeRoot+"/"+rel: one string for all entries (see entry.root).
	treeRoot := strings.TrimSuffix(root, "/"+filepath.FromSlash(relBase))
	if relBase == "" {
		treeRoot = root
	}
	type dir struct{ path, rel string }
	var (
		mu       sync.Mutex
		cond     = sync.NewCond(&mu)
		queue    = []dir{{root, relBase}}
		pending  = 1 // directories queued or being read
		firstErr error
		wg       sync.WaitGroup
	)
	visit := func(d dir) ([]*entry, []dir, []string, error) {
		names, err := os.ReadDir(d.path)
		if err != nil {
			return nil, nil, nil, errorf(ErrNotEnv, "walk %s: %v", d.path, err)
		}
		var found []*entry
		var sub []dir
		var warn []string
		for _, n := range names {
			rel := path.Join(d.rel, n.Name())
			if skip != nil && skip(rel, n.IsDir()) {
				continue
			}
			p := d.path + "/" + n.Name()
			e, err := lstatEntry(p, rel, treeRoot)
			if err != nil {
				return nil, nil, nil, err
			}
			if e == nil {
				warn = append(warn, fmt.Sprintf("%s: not a file, directory or symlink; left out", p))
				continue
			}
			found = append(found, e)
			if e.isDir() {
				sub = append(sub, dir{p, rel})
			}
		}
		return found, sub, warn, nil
	}
	for range walkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mu.Lock()
			defer mu.Unlock()
			for {
				for len(queue) == 0 && pending > 0 && firstErr == nil {
					cond.Wait()
				}
				if pending == 0 || firstErr != nil {
					return
				}
				d := queue[len(queue)-1]
				queue = queue[:len(queue)-1]
				mu.Unlock()
				found, sub, warn, err := visit(d)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				for _, e := range found {
					t.byRel[e.rel] = e
				}
				t.warnings = append(t.warnings, warn...)
				queue = append(queue, sub...)
				pending += len(sub) - 1
				cond.Broadcast()
			}
		}()
	}
	wg.Wait()
	return firstErr
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

// collect walks the env (and a venv's base) into a tree, and reads a conda env's conda-meta.
func collect(env *Env) (*tree, *condaMeta, error) {
	t := newTree()
	skip := func(rel string, dir bool) bool {
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
		return false
	}
	if env.Kind == KindVenv {
		skip = func(rel string, dir bool) bool { return rel == "pyvenv.cfg" || rel == infoFile }
	}
	// conda-meta is parsed while the tree is walked; both take a while on a large env.
	type metaResult struct {
		m   *condaMeta
		err error
	}
	metaDone := make(chan metaResult, 1)
	if env.Kind == KindConda {
		go func() {
			m, err := readCondaMeta(env.Prefix)
			metaDone <- metaResult{m, err}
		}()
	} else {
		metaDone <- metaResult{}
	}
	walkErr := t.walk(env.Prefix, "", skip)
	mr := <-metaDone
	if walkErr != nil {
		return nil, nil, walkErr
	}
	if mr.err != nil {
		return nil, nil, mr.err
	}
	meta := mr.m
	if meta != nil {
		for rel := range condaSkipUnmanaged {
			if _, managed := meta.files[rel]; !managed {
				delete(t.byRel, rel)
			}
		}
	}
	if env.Kind == KindVenv {
		if err := addBase(t, env); err != nil {
			return nil, nil, err
		}
	}
	if meta != nil {
		for rel, e := range t.byRel {
			if m, ok := meta.files[rel]; ok && m.data != nil && m.data.FileMode != "" {
				e.condaMode, e.placeholder = m.data.FileMode, len(m.data.PrefixPlaceholder)
			}
		}
	}
	return t, meta, nil
}
