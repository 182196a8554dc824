package condapack

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestManifestHashStable: what does not change the env does not change the hash.
func TestManifestHashStable(t *testing.T) {
	f := newCondaEnv(t)
	h0 := f.mustScan().Hash
	for _, tc := range []struct {
		name   string
		change func()
	}{
		{"scanning again", func() {}},
		{"reading files (atime)", func() { _, _ = os.ReadFile(f.path("bin/tool")) }},
		{"directory mtime", func() { touch(t, f.path("lib/python3.11"), time.Unix(1e9, 0)) }},
		{"a temporary file that came and went", func() {
			p := f.path("lib/python3.11/tmp")
			_ = os.WriteFile(p, nil, 0o644)
			_ = os.Remove(p)
		}},
		{"the same mtime set again", func() {
			fi, _ := os.Stat(f.path("bin/tool"))
			touch(t, f.path("bin/tool"), fi.ModTime())
		}},
	} {
		tc.change()
		if h := f.mustScan().Hash; h != h0 {
			t.Errorf("%s changed the hash", tc.name)
		}
	}
}

// extra is a pip-installed (unmanaged) file: changing it is not a conda refusal.
const extra = "lib/python3.11/site-packages/other.py"

// TestManifestHashSensitive: every part of an env's state that can change what runs changes it.
func TestManifestHashSensitive(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(f *fakeEnv)
	}{
		{"file content and size", func(f *fakeEnv) { f.file(extra, "# patched\n", 0o644) }},
		{"file mtime", func(f *fakeEnv) { touch(t, f.path(extra), time.Unix(1e9, 0)) }},
		{"file mode", func(f *fakeEnv) { _ = os.Chmod(f.path(extra), 0o600) }},
		{"a new file", func(f *fakeEnv) { f.file("lib/python3.11/new.py", "", 0o644) }},
		{"a new empty directory", func(f *fakeEnv) { _ = os.Mkdir(f.path("share"), 0o755) }},
		{"a removed file", func(f *fakeEnv) { _ = os.Remove(f.path(extra)) }},
		{"a renamed file", func(f *fakeEnv) { _ = os.Rename(f.path(extra), f.path(extra+"2")) }},
		{"a symlink target", func(f *fakeEnv) {
			_ = os.Remove(f.path("bin/python"))
			f.link("bin/python", "./python3.11")
		}},
		{"a hard link instead of a copy", func(f *fakeEnv) {
			f.file("bin/tool2", "x", 0o755)
			_ = os.Remove(f.path("bin/tool2"))
			_ = os.Link(f.path("bin/tool"), f.path("bin/tool2"))
		}},
		{"conda-meta content, same size and mtime", func(f *fakeEnv) {
			p := f.path("conda-meta/tool-1.0-pyhd8ed1ab_0.json")
			fi, _ := os.Stat(p)
			data, _ := os.ReadFile(p)
			_ = os.WriteFile(p, bytes.Replace(data, []byte(`"1.0"`), []byte(`"1.1"`), 1), 0o644)
			touch(t, p, fi.ModTime())
		}},
		{"a dist-info RECORD, same size and mtime", func(f *fakeEnv) {
			p := f.path("lib/python3.11/site-packages/other-1.0.dist-info/RECORD")
			if _, err := os.Stat(p); err != nil {
				t.Fatal("fixture lacks the RECORD")
			}
			fi, _ := os.Stat(p)
			_ = os.WriteFile(p, []byte("other.py,sha256=b,1\n"), 0o644)
			touch(t, p, fi.ModTime())
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newCondaEnv(t)
			f.file(extra, "# pip-installed\n", 0o644)
			f.file("lib/python3.11/site-packages/other-1.0.dist-info/RECORD", "other.py,sha256=a,1\n", 0o644)
			h0 := f.mustScan().Hash
			tc.change(f)
			if h := f.mustScan().Hash; h == h0 {
				t.Errorf("%s did not change the hash", tc.name)
			}
		})
	}
}

func TestManifestHashMovedEnv(t *testing.T) {
	f := newCondaEnv(t)
	h0 := f.mustScan().Hash
	moved := filepath.Join(filepath.Dir(f.prefix), "env-moved")
	if err := os.Rename(f.prefix, moved); err != nil {
		t.Fatal(err)
	}
	f.prefix = moved
	if f.mustScan().Hash == h0 {
		t.Fatal("an env at another path packs differently (its prefix is rewritten): the hash must differ")
	}
}

func TestVerifyHashesContent(t *testing.T) {
	f := newCondaEnv(t)
	scan := func() string {
		m, err := f.scan(ScanOptions{Verify: true})
		if err != nil {
			t.Fatal(err)
		}
		return m.Hash
	}
	h0 := scan()
	p := f.path("lib/python3.11/site-packages/tool/__init__.py")
	fi, _ := os.Stat(p)
	if err := os.WriteFile(p, []byte("def main(): 1234\n"), 0o644); err != nil { // same size
		t.Fatal(err)
	}
	touch(t, p, fi.ModTime())
	if f.mustScan().Hash == h0 {
		t.Fatal("a verified hash must differ from a fast one")
	}
	if scan() == h0 {
		t.Fatal("with Verify, an edit that kept size and mtime must change the hash")
	}
}

func TestKey(t *testing.T) {
	m := &Manifest{Hash: "00112233445566778899aabbccddeeff"}
	if m.Key("/tmp/oy-a") == m.Key("/tmp/oy-b") {
		t.Fatal("the destination is inside the archive: it must be in the key")
	}
	if m.Key("/tmp/oy-a") != m.Key("/tmp/oy-a") || len(m.Key("")) != 32 {
		t.Fatal("key must be stable and 128 bits of hex")
	}
}
