package stage

import (
	"archive/zip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func zipNames(t *testing.T, file string) []string {
	t.Helper()
	zr, err := zip.OpenReader(file)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	return names
}

func TestZipPyDirLayout(t *testing.T) {
	root := tree(t, map[string]string{
		"mypkg/__init__.py": "", "mypkg/sub/m.py": "M = 1", "mypkg/__pycache__/m.cpython-312.pyc": "junk",
		"mypkg/.git/HEAD": "ref", "src/top.py": "T = 2", "src/ns/leaf.py": "L = 3", "elsewhere.py": "E = 4",
	})
	if err := os.Symlink(filepath.Join(root, "elsewhere.py"), filepath.Join(root, "src", "linked.py")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		dir  string
		pkg  bool
		want []string
	}{
		{"mypkg", true, []string{"mypkg/", "mypkg/__init__.py", "mypkg/sub/", "mypkg/sub/m.py"}},
		{"src", false, []string{"linked.py", "ns/", "ns/leaf.py", "top.py"}},
	} {
		zipped, err := zipPyDir(item{flag: "--py-files", local: filepath.Join(root, tc.dir), zipDir: true, asPackage: tc.pkg})
		if err != nil {
			t.Fatal(err)
		}
		got := zipNames(t, zipped)
		_ = os.Remove(zipped)
		if !slices.Equal(got, tc.want) {
			t.Errorf("zip of %s: %q, want %q", tc.dir, got, tc.want)
		}
	}

	if err := os.Symlink(root, filepath.Join(root, "src", "loop")); err != nil {
		t.Fatal(err)
	}
	_, err := zipPyDir(item{flag: "--py-files", local: filepath.Join(root, "src"), zipDir: true})
	if err == nil || !strings.Contains(err.Error(), "loop links to a directory; replace the link with a copy") {
		t.Fatalf("a symlinked directory: %v", err)
	}
}

// The zips must be importable by a real Python, packages and namespace packages alike.
func TestZipPyDirImportsInPython(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed: cannot prove the zips import")
	}
	root := tree(t, map[string]string{
		"mypkg/__init__.py": "from .sub.m import M", "mypkg/sub/__init__.py": "", "mypkg/sub/m.py": "M = 1",
		"src/top.py": "T = 2", "src/ns/leaf.py": "L = 3",
	})
	var pythonPath []string
	for dir, pkg := range map[string]bool{"mypkg": true, "src": false} {
		zipped, err := zipPyDir(item{flag: "--py-files", local: filepath.Join(root, dir), zipDir: true, asPackage: pkg})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = os.Remove(zipped) })
		pythonPath = append(pythonPath, zipped)
	}
	cmd := exec.Command(py, "-I", "-c", "import sys; sys.path[:0] = sys.argv[1:]\n"+
		"import mypkg, top, ns.leaf\nassert (mypkg.M, top.T, ns.leaf.L) == (1, 2, 3)\nprint('ok')")
	cmd.Args = append(cmd.Args, pythonPath...)
	out, err := cmd.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "ok" {
		t.Fatalf("python3 import from the zips: %v\n%s", err, out)
	}
}
