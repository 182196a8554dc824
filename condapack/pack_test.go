package condapack

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func pack(t *testing.T, m *Manifest, o PackOptions) ([]byte, *Stats) {
	t.Helper()
	var buf bytes.Buffer
	st, err := m.Pack(context.Background(), &buf, o)
	if err != nil {
		t.Fatalf("pack: %v", err)
	}
	return buf.Bytes(), st
}

func TestPackConda(t *testing.T) {
	f := newCondaEnv(t)
	f.file("pkgs/cached-1.0/info/index.json", "{}", 0o644) // the package cache is not part of the env
	f.file("etc/tool.conf", "home="+f.prefix+"/share\n", 0o644)
	if err := os.Mkdir(f.path("share"), 0o755); err != nil {
		t.Fatal(err)
	}
	mtime := time.Unix(1700000000, 123456789)
	touch(t, f.path("lib/python3.11/os.py"), mtime)
	m := f.mustScan()
	data, st := pack(t, m, PackOptions{Dest: dest})
	ms := readArchive(t, data)
	got := byName(ms)

	if _, ok := got["pkgs"]; ok {
		t.Error("pkgs/ must not be archived")
	}
	if s := string(got["bin/tool"].data); !strings.HasPrefix(s, tramp) {
		t.Errorf("bin/tool starts %q", s[:min(len(s), 80)])
	}
	if s := string(got["etc/tool.conf"].data); s != "home="+dest+"/share\n" {
		t.Errorf("etc/tool.conf = %q", s)
	}
	if s := string(got["lib/python3.11/_sysconfigdata.py"].data); s != "PREFIX = '"+dest+"'\n" {
		t.Errorf("_sysconfigdata = %q (a text-mode conda file)", s)
	}
	if l := got["bin/python"].hdr; l.Typeflag != tar.TypeSymlink || l.Linkname != "python3.11" {
		t.Errorf("bin/python: %+v", l)
	}
	if d := got["share"].hdr; d.Typeflag != tar.TypeDir {
		t.Errorf("empty directory share: %+v", d)
	}
	os := got["lib/python3.11/os.py"].hdr
	if !os.ModTime.Equal(time.Unix(1700000000, 0)) {
		t.Errorf("mtime %v: want the file's, in whole seconds (not rounded up: .pyc files check it)", os.ModTime)
	}
	for _, mem := range ms {
		h := mem.hdr
		if h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" {
			t.Errorf("%s: owner %d/%d %q/%q, want normalized", h.Name, h.Uid, h.Gid, h.Uname, h.Gname)
		}
	}
	last := ms[len(ms)-1]
	var info PackInfo
	if last.hdr.Name != infoFile || json.Unmarshal(last.data, &info) != nil || info.Dest != dest ||
		info.Manifest != m.Hash || info.Interpreter != "bin/python3.11" {
		t.Errorf("last member %s: %s", last.hdr.Name, last.data)
	}
	if st.Relocated != 3 || st.Entries != len(ms)-1 || st.BytesOut != int64(len(data)) {
		t.Errorf("stats %+v", st)
	}
	// The real extractor a NodeManager runs must take it.
	dir := t.TempDir()
	archive := filepath.Join(dir, "env.tar.gz")
	writeFile(t, archive, data)
	untar(t, archive, filepath.Join(dir, "out"))
	if target, err := readlink(filepath.Join(dir, "out", "bin", "python")); err != nil || target != "python3.11" {
		t.Errorf("extracted bin/python -> %q, %v", target, err)
	}
}

func TestPackLinks(t *testing.T) {
	f := newCondaEnv(t)
	f.file("lib/libx.so.1", "\x7fELF lib\x00", 0o755)
	if err := os.Link(f.path("lib/libx.so.1"), f.path("lib/libx-copy.so.1")); err != nil {
		t.Fatal(err)
	}
	f.link("lib/libx.so", f.prefix+"/lib/libx.so.1") // absolute, inside: made relative
	f.link("share/doc", f.prefix+"/lib")             // absolute to a directory inside
	f.link("etc/resolv.conf", "/etc/resolv.conf")    // outside: kept, reported
	m := f.mustScan()
	data, st := pack(t, m, PackOptions{Dest: dest})
	got := byName(readArchive(t, data))
	if h := got["lib/libx.so"].hdr; h.Linkname != "libx.so.1" {
		t.Errorf("lib/libx.so -> %q", h.Linkname)
	}
	if h := got["share/doc"].hdr; h.Linkname != "../lib" {
		t.Errorf("share/doc -> %q", h.Linkname)
	}
	if h := got["lib/libx.so.1"].hdr; h.Typeflag != tar.TypeLink || h.Linkname != "lib/libx-copy.so.1" {
		t.Errorf("second path of an inode: %+v (the first in archive order carries the data)", h)
	}
	if len(st.Warnings) != 1 || !strings.Contains(st.Warnings[0], "etc/resolv.conf links to /etc/resolv.conf, outside the env") {
		t.Errorf("warnings %q", st.Warnings)
	}
	var buf bytes.Buffer
	if _, err := m.Pack(context.Background(), &buf, PackOptions{Dest: dest, Strict: true}); !errors.Is(err, ErrRefused) {
		t.Errorf("strict: %v", err)
	}
}

// TestPackLargeFiles: files above smallMax stream in chunks; prefixes straddling chunk boundaries
// are rewritten exactly as in one pass, and the archive holds the right sizes.
func TestPackLargeFiles(t *testing.T) {
	f := newCondaEnv(t)
	var bin, text bytes.Buffer
	for i := 0; bin.Len() < 3*smallMax; i++ {
		// Strings land at every alignment against the read chunks.
		bin.Write(bytes.Repeat([]byte{0xAB}, 1+i*7919%readSize))
		bin.WriteString(f.prefix + "/lib/x\x00")
	}
	for text.Len() < 2*smallMax {
		text.WriteString("path = " + f.prefix + "/share/" + strings.Repeat("x", text.Len()%97) + "\n")
	}
	f.file("lib/big.so", bin.String(), 0o755)
	f.file("share/big.txt", text.String(), 0o644)
	// conda installed big.so in binary mode from a placeholder: its strings are ours to rewrite.
	f.file("conda-meta/big-1-0.json", `{"name":"big","version":"1","build":"0","files":["lib/big.so"],`+
		`"paths_data":{"paths":[{"_path":"lib/big.so","path_type":"hardlink","file_mode":"binary",`+
		`"prefix_placeholder":"/opt/conda-bld/placeholder_placeholder_placeholder_placeholder_placeholder_placeholder_placeholder"}]}}`, 0o644)
	m := f.mustScan()
	data, st := pack(t, m, PackOptions{Dest: dest})
	got := byName(readArchive(t, data))
	r := newReplacer([]string{f.prefix}, dest)
	wantBin := r.run(bin.Bytes(), modeBinary, nil, true, nil, 0).out
	wantText := r.run(text.Bytes(), modeText, nil, true, nil, 0).out
	if !bytes.Equal(got["lib/big.so"].data, wantBin) {
		t.Error("lib/big.so differs from the one-pass rewrite")
	}
	if !bytes.Equal(got["share/big.txt"].data, wantText) {
		t.Errorf("share/big.txt differs from the one-pass rewrite (%d vs %d bytes)", len(got["share/big.txt"].data), len(wantText))
	}
	if bytes.Contains(got["lib/big.so"].data, []byte(f.prefix)) || bytes.Contains(got["share/big.txt"].data, []byte(f.prefix)) {
		t.Error("a prefix survived")
	}
	if st.BytesIn != m.Bytes {
		t.Errorf("read %d bytes, the env has %d", st.BytesIn, m.Bytes)
	}
}

func TestPackEnvChanged(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(f *fakeEnv)
	}{
		{"a file grew", func(f *fakeEnv) { f.file("lib/python3.11/site-packages/x.py", "longer now", 0o644) }},
		{"a file was removed", func(f *fakeEnv) { _ = os.Remove(f.path("lib/python3.11/site-packages/x.py")) }},
		{"a file was replaced", func(f *fakeEnv) {
			p := f.path("lib/python3.11/site-packages/x.py")
			fi, _ := os.Stat(p)
			_ = os.Remove(p)
			f.file("lib/python3.11/site-packages/x.py", "12345", 0o644)
			touch(t, p, fi.ModTime())
		}},
		{"a large file grew", func(f *fakeEnv) { f.file("lib/big.bin", strings.Repeat("y", smallMax+2), 0o644) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newCondaEnv(t)
			f.file("lib/python3.11/site-packages/x.py", "12345", 0o644)
			f.file("lib/big.bin", strings.Repeat("y", smallMax+1), 0o644)
			m := f.mustScan()
			tc.change(f)
			out := filepath.Join(t.TempDir(), "env.tar.gz")
			_, err := m.PackFile(context.Background(), out, PackOptions{Dest: dest})
			if !errors.Is(err, ErrChanged) {
				t.Fatalf("err = %v, want ErrChanged", err)
			}
			if entries, _ := os.ReadDir(filepath.Dir(out)); len(entries) != 0 {
				t.Fatalf("a failed pack left %v behind", entries)
			}
		})
	}
}

func TestPackDiskFull(t *testing.T) {
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skip("no /dev/full")
	}
	defer full.Close()
	f := newCondaEnv(t)
	f.file("lib/filler.bin", strings.Repeat("z", 3<<20), 0o644)
	_, err = f.mustScan().Pack(context.Background(), full, PackOptions{Dest: dest})
	if !errors.Is(err, ErrOutput) || !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), "free space") {
		t.Fatalf("err = %v, want ErrOutput with ENOSPC and a fix", err)
	}
}

func TestPackVenv(t *testing.T) {
	base, venv := newVenv(t)
	env, err := Open(venv)
	if err != nil {
		t.Fatal(err)
	}
	if env.Kind != KindVenv || env.Base != base {
		t.Fatalf("opened %+v", env)
	}
	m, err := Scan(context.Background(), env, ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	data, st := pack(t, m, PackOptions{Dest: dest})
	if len(st.Warnings) != 1 || !strings.Contains(st.Warnings[0], "bin/python3.11: 1 compiled-in string(s) hold the old prefix") {
		t.Errorf("warnings %q", st.Warnings)
	}
	got := byName(readArchive(t, data))
	py := got["bin/python3.11"]
	if py.hdr.Typeflag != tar.TypeReg || !bytes.HasPrefix(py.data, []byte("\x7fELF base interpreter")) {
		t.Fatalf("bin/python3.11 must be the base's interpreter itself: %+v", py.hdr)
	}
	if !bytes.Contains(py.data, []byte(base)) {
		t.Error("the interpreter's compiled-in base prefix was rewritten: only conda placeholders may be")
	}
	for _, l := range []string{"bin/python", "bin/python3"} {
		if h := got[l].hdr; h.Typeflag != tar.TypeSymlink || h.Linkname != "python3.11" {
			t.Errorf("%s: %+v", l, h)
		}
	}
	for _, want := range []string{"lib/python3.11/os.py", "lib/python3.11/site-packages/tool.py", "lib64"} {
		if _, ok := got[want]; !ok {
			t.Errorf("%s is missing", want)
		}
	}
	for _, unwanted := range []string{"pyvenv.cfg", "lib/python3.11/site-packages/basepkg.py"} {
		if _, ok := got[unwanted]; ok {
			t.Errorf("%s must not be archived", unwanted)
		}
	}
	if s := string(got["bin/tool"].data); !strings.Contains(s, `/python" "$0" "$@"`) {
		t.Errorf("bin/tool: %q", s)
	}
}

// TestCompiledStringsOfUnmanagedBinaries: a binary conda did not install with a placeholder keeps
// its strings. The linker may have merged another literal into a path's tail (pyenv's libpython:
// PY_VERSION "3.11.7" is the tail of "/root/.pyenv/versions/3.11.7"); rewriting the path would
// change that literal too.
func TestCompiledStringsOfUnmanagedBinaries(t *testing.T) {
	f := newCondaEnv(t)
	lib := "\x7fELF not really\x00" + f.prefix + "/3.11.7\x00other\x00"
	f.file("lib/libpython3.11.so.1.0", lib, 0o755)
	f.file("share/data.bin", "\x00\x01"+f.prefix+"/x\x00", 0o644)
	m := f.mustScan()
	data, st := pack(t, m, PackOptions{Dest: dest})
	got := byName(readArchive(t, data))
	if string(got["lib/libpython3.11.so.1.0"].data) != lib {
		t.Error("an unmanaged binary's strings were rewritten")
	}
	if len(st.Warnings) != 2 {
		t.Errorf("warnings %q: want one per file", st.Warnings)
	}
	var buf bytes.Buffer
	if _, err := m.Pack(context.Background(), &buf, PackOptions{Dest: dest, Strict: true}); !errors.Is(err, ErrRefused) {
		t.Errorf("strict: %v", err)
	}
}

func TestLinkDest(t *testing.T) {
	dir := t.TempDir()
	d := filepath.Join(dir, "links", "oy-test")
	mk := func(name, manifest string) string {
		env := filepath.Join(dir, name)
		if err := os.MkdirAll(env, 0o755); err != nil {
			t.Fatal(err)
		}
		info, _ := json.Marshal(PackInfo{Format: infoFormat, Dest: d, Manifest: manifest, Kind: KindConda})
		writeFile(t, filepath.Join(env, infoFile), info)
		return env
	}
	a, b, other := mk("a", "m1"), mk("b", "m1"), mk("c", "m2")
	for _, step := range []struct {
		env, wantTarget string
	}{
		{a, a},         // no link yet: made
		{b, a},         // same manifest, another copy: kept
		{other, other}, // another env at this destination: replaced
	} {
		got, err := LinkDest(step.env)
		if err != nil || got != d {
			t.Fatalf("LinkDest(%s) = %q, %v", step.env, got, err)
		}
		if target, _ := readlink(d); target != step.wantTarget {
			t.Fatalf("after LinkDest(%s) the link leads to %s, want %s", step.env, target, step.wantTarget)
		}
	}
	if err := os.Remove(d); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(d, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := LinkDest(a); err == nil || !strings.Contains(err.Error(), "not a symlink") {
		t.Fatalf("a directory at the destination: %v", err)
	}
}

func writeFile(t *testing.T, p string, data []byte) {
	t.Helper()
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func readlink(p string) (string, error) { return os.Readlink(p) }
