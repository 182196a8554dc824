package condapack

import (
	"errors"
	"os"
	"strings"
	"testing"
)

const site = "lib/python3.11/site-packages/"

// TestRefusals: each case is refused with the file named, and its override flag (where there is
// one) lets the pack go on.
func TestRefusals(t *testing.T) {
	for _, tc := range []struct {
		name     string
		setup    func(f *fakeEnv)
		names    string // what the message must name
		override ScanOptions
	}{
		{"editable install (PEP 610)", func(f *fakeEnv) {
			f.file(site+"mypkg-0.1.dist-info/direct_url.json", `{"url":"file:///home/u/src/mypkg","dir_info":{"editable":true}}`, 0o644)
		}, "mypkg-0.1.dist-info", ScanOptions{IgnoreEditable: true}},
		{"egg-link", func(f *fakeEnv) {
			f.file(site+"mypkg.egg-link", "/home/u/src/mypkg\n.\n", 0o644)
		}, "mypkg.egg-link", ScanOptions{IgnoreEditable: true}},
		{".pth naming a directory outside the env", func(f *fakeEnv) {
			f.file(site+"__editable__.mypkg.pth", os.TempDir()+"\n", 0o644)
		}, "__editable__.mypkg.pth", ScanOptions{IgnoreEditable: true}},
		{"conda file removed", func(f *fakeEnv) {
			_ = os.Remove(f.path(site + "tool/__init__.py"))
		}, "tool/__init__.py (from tool=1.0=pyhd8ed1ab_0)", ScanOptions{IgnoreMissing: true}},
		{"conda file changed size", func(f *fakeEnv) {
			f.file("lib/python3.11/os.py", "# os, edited by hand\n", 0o644)
		}, "lib/python3.11/os.py (from python=3.11.7=h0) is 21 bytes, conda installed 5", ScanOptions{IgnoreClobbered: true}},
		{"conda file overwritten by pip", func(f *fakeEnv) {
			f.file(site+"tool-2.0.dist-info/RECORD", "tool/__init__.py,sha256=x,17\ntool-2.0.dist-info/RECORD,,\n", 0o644)
		}, "tool/__init__.py (from tool=1.0=pyhd8ed1ab_0) was overwritten by pip's tool-2.0.dist-info", ScanOptions{IgnoreClobbered: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newCondaEnv(t)
			tc.setup(f)
			_, err := f.scan(ScanOptions{})
			if !errors.Is(err, ErrRefused) {
				t.Fatalf("err = %v, want a refusal", err)
			}
			if !strings.Contains(err.Error(), tc.names) {
				t.Fatalf("the refusal must name %q:\n%v", tc.names, err)
			}
			if !strings.Contains(err.Error(), "--ignore-") {
				t.Fatalf("the refusal must name its override flag:\n%v", err)
			}
			if _, err := f.scan(tc.override); err != nil {
				t.Fatalf("with the override: %v", err)
			}
		})
	}
}

func TestPthInsideTheEnvIsFine(t *testing.T) {
	f := newCondaEnv(t)
	f.file(site+"inside.pth", f.path("lib/python3.11")+"\nimport os\n# comment\n/nonexistent/dir\n", 0o644)
	if _, err := f.scan(ScanOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestMissingPycIsFine(t *testing.T) {
	f := newCondaEnv(t)
	f.record("compiled", "1", "0", site+"tool/__pycache__/__init__.cpython-311.pyc")
	if _, err := f.scan(ScanOptions{}); err != nil {
		t.Fatalf("a .pyc conda failed to compile is not missing: %v", err)
	}
}

func TestVerifyFindsSameSizeClobber(t *testing.T) {
	f := newCondaEnv(t)
	// conda recorded a sha256 for os.py; the file keeps its size but not its content.
	f.file("conda-meta/python-3.11.7-h0.json", `{"name":"python","version":"3.11.7","build":"h0",`+
		`"files":["lib/python3.11/os.py"],"paths_data":{"paths":[{"_path":"lib/python3.11/os.py","path_type":"hardlink",`+
		`"size_in_bytes":5,"sha256":"0000000000000000000000000000000000000000000000000000000000000000"}]}}`, 0o644)
	if _, err := f.scan(ScanOptions{}); err != nil {
		t.Fatalf("without Verify only sizes are compared: %v", err)
	}
	if _, err := f.scan(ScanOptions{Verify: true}); !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "other content") {
		t.Fatalf("with Verify: %v", err)
	}
}
