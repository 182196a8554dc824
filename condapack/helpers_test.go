package condapack

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/pgzip"
)

// fakeEnv builds small envs on disk: real files, real conda-meta records, at a path long enough
// for every destination the tests use.
type fakeEnv struct {
	t      *testing.T
	prefix string
}

func newPrefix(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "some", "long", "path", "to", "the", "env")
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// newCondaEnv is a conda env with python 3.11 and one noarch package with a console script.
func newCondaEnv(t *testing.T) *fakeEnv {
	t.Helper()
	f := &fakeEnv{t: t, prefix: newPrefix(t)}
	f.file("bin/python3.11", "\x7fELF fake interpreter\x00", 0o755)
	f.link("bin/python", "python3.11")
	f.file("lib/python3.11/os.py", "# os\n", 0o644)
	f.file("lib/python3.11/_sysconfigdata.py", "PREFIX = '"+f.prefix+"'\n", 0o644)
	f.record("python", "3.11.7", "h0", "bin/python3.11", "bin/python", "lib/python3.11/os.py",
		"lib/python3.11/_sysconfigdata.py")
	f.file("lib/python3.11/site-packages/tool/__init__.py", "def main(): pass\n", 0o644)
	f.file("bin/tool", "#!"+f.prefix+"/bin/python3.11\nfrom tool import main\nmain()\n", 0o755)
	f.record("tool", "1.0", "pyhd8ed1ab_0", "lib/python3.11/site-packages/tool/__init__.py", "bin/tool")
	return f
}

func (f *fakeEnv) path(rel string) string { return filepath.Join(f.prefix, filepath.FromSlash(rel)) }

func (f *fakeEnv) file(rel, content string, mode os.FileMode) {
	f.t.Helper()
	p := f.path(rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		f.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		f.t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fakeEnv) link(rel, target string) {
	f.t.Helper()
	p := f.path(rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		f.t.Fatal(err)
	}
	if err := os.Symlink(target, p); err != nil {
		f.t.Fatal(err)
	}
}

// record writes conda-meta/<name>-<version>-<build>.json listing files with their sizes now.
func (f *fakeEnv) record(name, version, build string, files ...string) {
	f.t.Helper()
	type pd struct {
		Path string `json:"_path"`
		Type string `json:"path_type"`
		Size *int64 `json:"size_in_bytes,omitempty"`
	}
	var paths []pd
	for _, rel := range files {
		p := pd{Path: rel, Type: "hardlink"}
		if fi, err := os.Lstat(f.path(rel)); err == nil && fi.Mode().IsRegular() {
			n := fi.Size()
			p.Size = &n
		} else if err == nil {
			p.Type = "softlink"
		}
		paths = append(paths, p)
	}
	rec := map[string]any{
		"name": name, "version": version, "build": build, "files": files,
		"paths_data": map[string]any{"paths": paths, "paths_version": 1},
		"link":       map[string]any{"source": "/nonexistent/pkgs/" + name, "type": 1},
	}
	data, _ := json.Marshal(rec)
	f.file("conda-meta/"+name+"-"+version+"-"+build+".json", string(data), 0o644)
}

func (f *fakeEnv) scan(o ScanOptions) (*Manifest, error) {
	f.t.Helper()
	env, err := Open(f.prefix)
	if err != nil {
		f.t.Fatalf("open: %v", err)
	}
	return Scan(context.Background(), env, o)
}

func (f *fakeEnv) mustScan() *Manifest {
	f.t.Helper()
	m, err := f.scan(ScanOptions{})
	if err != nil {
		f.t.Fatalf("scan: %v", err)
	}
	return m
}

// member is one tar entry as read back.
type member struct {
	hdr  *tar.Header
	data []byte
}

// readArchive decodes a .tar.gz (or .tar) into its members, in order.
func readArchive(t *testing.T, data []byte) []member {
	t.Helper()
	var r io.Reader = bytes.NewReader(data)
	if bytes.HasPrefix(data, []byte{0x1f, 0x8b}) {
		gz, err := pgzip.NewReader(r)
		if err != nil {
			t.Fatal(err)
		}
		r = gz
	}
	tr := tar.NewReader(r)
	var out []member
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, member{h, b})
	}
}

func byName(ms []member) map[string]member {
	out := map[string]member{}
	for _, m := range ms {
		out[strings.TrimSuffix(m.hdr.Name, "/")] = m
	}
	return out
}

// untar extracts with the system's GNU tar, as a NodeManager does (gzip -dc | tar -x).
func untar(t *testing.T, archive, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sh", "-c", "gzip -dc \"$1\" | (cd \"$2\" && tar -x)", "untar", archive, dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("untar: %v: %s", err, out)
	}
}

func touch(t *testing.T, p string, mtime time.Time) {
	t.Helper()
	if err := os.Chtimes(p, mtime, mtime); err != nil {
		t.Fatal(err)
	}
}
