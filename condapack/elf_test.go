package condapack

import (
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestELFRPathRelocated builds a real shared library and an executable whose RUNPATH names the
// env's lib/ by absolute path (what a build without conda-build's care leaves), packs the env,
// unpacks it elsewhere, moves the original away, and runs the executable: the loader must find
// the library through the rewritten $ORIGIN path.
func TestELFRPathRelocated(t *testing.T) {
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("gcc not installed (scripts/install-deps.sh installs it)")
	}
	f := newCondaEnv(t)
	src := t.TempDir()
	writeFile(t, filepath.Join(src, "greet.c"), []byte(`const char *greet(void) { return "hello from libgreet"; }`))
	writeFile(t, filepath.Join(src, "hello.c"), []byte("#include <stdio.h>\nconst char *greet(void);\nint main(void) { puts(greet()); return 0; }\n"))
	lib := f.path("lib")
	gcc := func(args ...string) {
		t.Helper()
		if out, err := exec.Command("gcc", args...).CombinedOutput(); err != nil {
			t.Fatalf("gcc %v: %v: %s", args, err, out)
		}
	}
	if err := os.MkdirAll(lib, 0o755); err != nil {
		t.Fatal(err)
	}
	gcc("-shared", "-fPIC", "-o", filepath.Join(lib, "libgreet.so"), filepath.Join(src, "greet.c"))
	gcc("-o", f.path("bin/hello"), filepath.Join(src, "hello.c"), "-L"+lib, "-lgreet", "-Wl,-rpath,"+lib)
	gcc("-o", f.path("bin/hello-outside"), filepath.Join(src, "hello.c"), "-L"+lib, "-lgreet", "-Wl,-rpath,/opt/nowhere/lib:"+lib)

	m := f.mustScan()
	data, st := pack(t, m, PackOptions{Dest: dest})
	if len(st.Warnings) != 1 || !strings.Contains(st.Warnings[0], "bin/hello-outside: RPATH entry /opt/nowhere/lib points outside the env") {
		t.Fatalf("warnings %q", st.Warnings)
	}
	var buf bytes.Buffer
	if _, err := m.Pack(context.Background(), &buf, PackOptions{Dest: dest, Strict: true}); !errors.Is(err, ErrRefused) {
		t.Fatalf("strict: %v", err)
	}
	got := byName(readArchive(t, data))
	ef, err := elf.NewFile(bytes.NewReader(got["bin/hello"].data))
	if err != nil {
		t.Fatal(err)
	}
	paths, _ := ef.DynString(elf.DT_RUNPATH)
	rpaths, _ := ef.DynString(elf.DT_RPATH)
	if all := append(paths, rpaths...); len(all) != 1 || all[0] != "$ORIGIN/../lib" {
		t.Fatalf("search path %q, want $ORIGIN/../lib", all)
	}

	dir := t.TempDir()
	archive := filepath.Join(dir, "env.tar.gz")
	writeFile(t, archive, data)
	out := filepath.Join(dir, "nm", "filecache", "10", "env.tar.gz")
	untar(t, archive, out)
	if err := os.Rename(f.prefix, f.prefix+".hidden"); err != nil {
		t.Fatal(err)
	}
	defer os.Rename(f.prefix+".hidden", f.prefix)
	res, err := exec.Command(filepath.Join(out, "bin", "hello")).CombinedOutput()
	if err != nil || string(res) != "hello from libgreet\n" {
		t.Fatalf("relocated binary: %v: %s", err, res)
	}
}
