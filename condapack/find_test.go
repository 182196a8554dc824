package condapack

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFind(t *testing.T) {
	conda := newCondaEnv(t)
	venvBase, venv := newVenv(t)
	_ = venvBase
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	for _, tc := range []struct {
		name   string
		spec   string
		getenv func(string) string
		prefix string
		kind   Kind
		class  error
	}{
		{"auto conda", "auto", env("CONDA_PREFIX", conda.prefix), conda.prefix, KindConda, nil},
		{"auto prefers conda", "auto", env("CONDA_PREFIX", conda.prefix, "VIRTUAL_ENV", venv), conda.prefix, KindConda, nil},
		{"auto venv", "", env("VIRTUAL_ENV", venv), venv, KindVenv, nil},
		{"auto nothing active", "auto", env(), "", "", ErrNoEnv},
		{"path", conda.prefix, env(), conda.prefix, KindConda, nil},
		{"missing path", filepath.Join(conda.prefix, "nope"), env(), "", "", ErrNoEnv},
		{"a file", conda.path("lib/python3.11/os.py"), env(), "", "", ErrNotEnv},
		{"not an env", t.TempDir(), env(), "", "", ErrNotEnv},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := Find(tc.spec, tc.getenv, nil)
			if tc.class != nil {
				if !errors.Is(err, tc.class) {
					t.Fatalf("err = %v, want %v", err, tc.class)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if e.Prefix != tc.prefix || e.Kind != tc.kind || e.Python != "3.11" {
				t.Fatalf("found %+v", e)
			}
		})
	}
	if e, err := Find("none", env("CONDA_PREFIX", conda.prefix), nil); e != nil || err != nil {
		t.Fatalf("none: %v, %v", e, err)
	}
	_, err := Find("auto", env(), nil)
	if !strings.Contains(err.Error(), "--env PATH") || !strings.Contains(err.Error(), "conda activate") {
		t.Fatalf("the error must say how to fix it: %v", err)
	}
}

// newVenv makes a base prefix (a "standalone" Python) and a venv made from it.
func newVenv(t *testing.T) (base, venv string) {
	t.Helper()
	b := &fakeEnv{t: t, prefix: newPrefix(t)}
	b.file("bin/python3.11", "\x7fELF base interpreter\x00"+b.prefix+"/lib\x00", 0o755)
	b.link("bin/python3", "python3.11")
	b.file("lib/python3.11/os.py", "# os\n", 0o644)
	b.file("lib/python3.11/site-packages/basepkg.py", "# only in the base\n", 0o644)
	v := &fakeEnv{t: t, prefix: filepath.Join(t.TempDir(), "venvs", "a-long-enough-name", "venv")}
	v.file("pyvenv.cfg", "home = "+b.prefix+"/bin\ninclude-system-site-packages = false\nversion = 3.11.7\n", 0o644)
	v.link("bin/python", b.prefix+"/bin/python3.11")
	v.link("bin/python3", "python")
	v.link("bin/python3.11", "python")
	v.file("bin/tool", "#!"+v.prefix+"/bin/python\nimport tool\n", 0o755)
	v.file("lib/python3.11/site-packages/tool.py", "# in the venv\n", 0o644)
	v.link("lib64", "lib")
	return b.prefix, v.prefix
}

func TestOpenVenvRefusals(t *testing.T) {
	base, venv := newVenv(t)
	cfg := filepath.Join(venv, "pyvenv.cfg")
	write := func(s string) {
		if err := os.WriteFile(cfg, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("home = " + base + "/bin\ninclude-system-site-packages = true\n")
	if _, err := Open(venv); !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "include-system-site-packages") {
		t.Fatalf("system site-packages: %v", err)
	}
	write("home = /usr/bin\n")
	if _, err := Open(venv); err == nil {
		t.Fatal("a venv of the system Python must be refused")
	}
	write("home = " + filepath.Join(base, "gone") + "/bin\n")
	if _, err := Open(venv); !errors.Is(err, ErrNotEnv) {
		t.Fatalf("missing base: %v", err)
	}
}
