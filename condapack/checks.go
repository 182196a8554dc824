package condapack

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Refusals: what would not work after unpacking, found from names, sizes and small metadata
// files (no full read unless Verify).

// sitePackages is the archive path of the env's site-packages ("" without a Python).
func sitePackages(env *Env) string {
	if env.Python == "" {
		return ""
	}
	return "lib/python" + env.Python + "/site-packages"
}

// checkEditable refuses editable (development) installs: their code stays in a source checkout
// on this host, which the archive does not carry. Found by PEP 610's direct_url.json
// (dir_info.editable), legacy .egg-link files, and .pth lines naming a directory outside the env.
func checkEditable(env *Env, entries []*entry, olds []string) error {
	site := sitePackages(env)
	if site == "" {
		return nil
	}
	var r refusal
	for _, e := range entries {
		dir, name := path.Dir(e.rel), path.Base(e.rel)
		switch {
		case name == "direct_url.json" && path.Dir(dir) == site && strings.HasSuffix(dir, ".dist-info") && e.isRegular():
			if url, editable := readDirectURL(e.src()); editable {
				r.add("%s is an editable install of %s", dir, url)
			}
		case dir == site && strings.HasSuffix(name, ".egg-link"):
			r.add("%s is a development (egg-link) install", e.rel)
		case dir == site && strings.HasSuffix(name, ".pth") && e.isRegular():
			for _, line := range pthOutside(e.src(), filepath.Dir(e.src()), olds) {
				r.add("%s adds %s to sys.path, outside the env", e.rel, line)
			}
		}
	}
	return r.err("editable installs: their code lives outside the env and would be missing in the container",
		"install them normally (pip install PATH without -e), or pass --ignore-editable to pack without them")
}

func readDirectURL(p string) (string, bool) {
	data, err := os.ReadFile(p)
	if err != nil {
		return "", false
	}
	var d struct {
		URL     string `json:"url"`
		DirInfo struct {
			Editable bool `json:"editable"`
		} `json:"dir_info"`
	}
	if json.Unmarshal(data, &d) != nil {
		return "", false
	}
	return d.URL, d.DirInfo.Editable
}

// pthOutside returns the path lines of a .pth file that resolve outside every old prefix
// (site.py: blank lines and comments are skipped, "import" lines are executed, others are dirs).
func pthOutside(p, dir string, olds []string) []string {
	f, err := os.Open(p)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "import ") ||
			strings.HasPrefix(line, "import\t") {
			continue
		}
		abs := line
		if !filepath.IsAbs(abs) {
			abs = filepath.Join(dir, line)
		}
		abs = filepath.Clean(abs)
		if _, err := os.Stat(abs); err != nil {
			continue // site.py skips directories that do not exist
		}
		if !underAny(abs, olds) {
			out = append(out, line)
		}
	}
	return out
}

func underAny(p string, olds []string) bool {
	for _, o := range olds {
		if p == o || strings.HasPrefix(p, o+"/") {
			return true
		}
	}
	return false
}

// checkManaged refuses a conda env whose conda-managed files are missing (pip or a hand removed
// them: the package would be half there) or clobbered (pip overwrote them, or they changed size).
func checkManaged(ctx context.Context, meta *condaMeta, byRel map[string]*entry, env *Env, o ScanOptions) error {
	if meta == nil {
		return nil
	}
	var missing, clobbered refusal
	var gone []string
	for rel, m := range meta.files {
		e, ok := byRel[rel]
		if !ok {
			if strings.HasSuffix(rel, ".pyc") {
				continue // compiled at install; a failed compile leaves no file (conda-pack skips them too)
			}
			missing.add("%s (from %s)", rel, m.pkg)
			gone = append(gone, rel)
			continue
		}
		d := m.data
		if d == nil || !e.isRegular() || d.SizeInBytes == nil || (d.PathType != "" && d.PathType != "hardlink") ||
			d.FileMode == "text" {
			continue // text-mode files grew or shrank with the prefix; nothing comparable was recorded
		}
		if e.size != *d.SizeInBytes {
			clobbered.add("%s (from %s) is %d bytes, conda installed %d", rel, m.pkg, e.size, *d.SizeInBytes)
			continue
		}
		if o.Verify && d.FileMode == "" && d.SHA256 != "" {
			if err := ctx.Err(); err != nil {
				return err
			}
			if sum, err := sha256File(e.src()); err == nil && sum != d.SHA256 {
				clobbered.add("%s (from %s) has other content than conda installed", rel, m.pkg)
			}
		}
	}
	for _, c := range pipClobbers(meta, byRel, env) {
		clobbered.add("%s", c)
	}
	if !o.IgnoreMissing {
		if err := missing.err("conda-managed files are missing (removed by pip or by hand)",
			"repair the env (conda install --force-reinstall PACKAGE), or pass --ignore-missing to pack without them"); err != nil {
			return err
		}
	} else {
		for _, rel := range gone {
			delete(meta.files, rel)
		}
	}
	if o.IgnoreClobbered {
		return nil
	}
	return clobbered.err("conda-managed files were changed after conda installed them",
		"repair the env (conda install --force-reinstall PACKAGE, or pip uninstall what overwrote it), "+
			"or pass --ignore-clobbered to pack the files as they are")
}

// pipClobbers finds paths that a pip-installed distribution (one whose dist-info no conda
// package owns) lists in its RECORD although a conda package owns them.
func pipClobbers(meta *condaMeta, byRel map[string]*entry, env *Env) []string {
	site := sitePackages(env)
	if site == "" {
		return nil
	}
	var out []string
	for rel, e := range byRel {
		if !strings.HasSuffix(rel, ".dist-info/RECORD") || path.Dir(path.Dir(rel)) != site {
			continue
		}
		if _, managed := meta.files[rel]; managed {
			continue
		}
		for _, f := range recordPaths(e.src(), site) {
			if m, ok := meta.files[f]; ok && !strings.HasSuffix(f, ".pyc") {
				out = append(out, f+" (from "+m.pkg+") was overwritten by pip's "+path.Base(path.Dir(rel)))
			}
		}
	}
	return out
}

// recordPaths reads a dist-info RECORD: CSV rows whose first field is a path relative to
// site-packages.
func recordPaths(p, site string) []string {
	data, err := os.ReadFile(p)
	if err != nil {
		return nil
	}
	rd := csv.NewReader(bytes.NewReader(data))
	rd.FieldsPerRecord = -1
	rd.LazyQuotes = true
	var out []string
	for {
		row, err := rd.Read()
		if err == io.EOF {
			break
		}
		if err != nil || len(row) == 0 || row[0] == "" || path.IsAbs(row[0]) {
			continue
		}
		out = append(out, path.Clean(path.Join(site, row[0])))
	}
	return out
}

func sha256File(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
