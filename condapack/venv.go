package condapack

import (
	"path"
	"path/filepath"
	"strings"
)

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
	if err := t.walk(filepath.Join(base, filepath.FromSlash(lib)), lib, func(rel string, dir bool) bool {
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
