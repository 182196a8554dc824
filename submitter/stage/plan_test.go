package stage

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/orca-yarn/orca-yarn/yarnpb/yarnpb"
)

// tree creates files (name → content; a name ending in "/" is a directory) under a temp dir.
func tree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if strings.HasSuffix(name, "/") {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestPlanFileErrors(t *testing.T) {
	root := tree(t, map[string]string{"data.csv": "a,b", "env.tgz": "x", "x.rar": "x", "d/": "", "a:b.txt": "x"})
	in := func(name string) string { return filepath.Join(root, name) }
	for _, tc := range []struct {
		flag, spec string
		typ        yarnpb.LocalResourceTypeProto
		want       string
	}{
		{"--files", "missing.csv", yarnpb.LocalResourceTypeProto_FILE, "--files missing.csv: no such file; check the path"},
		{"--files", in("d"), yarnpb.LocalResourceTypeProto_FILE, "--files " + in("d") + ": is a directory; pack it (tar czf NAME.tgz -C DIR .) and pass it with --archives"},
		{"--archives", in("d") + "#x.tgz", yarnpb.LocalResourceTypeProto_ARCHIVE, "--archives " + in("d") + ": YARN unpacks only .tar.gz, .tgz, .tar, .zip, .jar files; repack it as one of those"},
		{"--archives", in("x.rar"), yarnpb.LocalResourceTypeProto_ARCHIVE, "--archives " + in("x.rar") + ": YARN unpacks only .tar.gz, .tgz, .tar, .zip, .jar files; repack it as one of those"},
		{"--archives", in("env.tgz") + "#__env__", yarnpb.LocalResourceTypeProto_ARCHIVE, "--archives " + in("env.tgz") + `: link name "__env__" is reserved (orca-yarn or YARN uses it in the container); choose another with PATH#NAME`},
		{"--files", in("data.csv") + "#a/b", yarnpb.LocalResourceTypeProto_FILE, "--files " + in("data.csv") + `: link name "a/b": contains '/' or ':' (HDFS and Hadoop paths do not allow them in a name)`},
		{"--files", in("a:b.txt") + "#ab", yarnpb.LocalResourceTypeProto_FILE, "--files " + in("a:b.txt") + ": file name contains '/' or ':' (HDFS and Hadoop paths do not allow them in a name); rename the file"},
		{"--archives", "env.tgz#", yarnpb.LocalResourceTypeProto_ARCHIVE, "--archives env.tgz#: no name after '#'; write PATH#NAME or drop the '#'"},
	} {
		_, err := planFile(tc.flag, tc.spec, tc.typ)
		if err == nil || err.Error() != tc.want || !errors.Is(err, ErrBadInput) {
			t.Errorf("planFile(%s %s)\n got %v\nwant %s", tc.flag, tc.spec, err, tc.want)
		}
	}

	it, err := planFile("--archives", in("env.tgz")+"#environment", yarnpb.LocalResourceTypeProto_ARCHIVE)
	if err != nil {
		t.Fatal(err)
	}
	if it.link != "environment" || it.remote != "env.tgz" || it.typ != yarnpb.LocalResourceTypeProto_ARCHIVE {
		t.Fatalf("planned %+v", it)
	}
	it, err = planFile("--files", in("data.csv"), yarnpb.LocalResourceTypeProto_FILE)
	if err != nil || it.link != "data.csv" || it.remote != "data.csv" {
		t.Fatalf("planned %+v, %v", it, err)
	}
}

func TestPlanPyFiles(t *testing.T) {
	root := tree(t, map[string]string{
		"a.py": "A = 1", "lib/b.py": "B = 2", "deps.zip": "zip", "old.EGG": "egg",
		"mypkg/__init__.py": "", "mypkg/m.py": "M = 3", "src/top.py": "T = 4", "notes.txt": "x",
	})
	in := func(name string) string { return filepath.Join(root, name) }
	items, pythonPath, err := planPyFiles([]string{in("a.py"), in("deps.zip"), in("lib/b.py"), in("mypkg"), in("src/"), in("old.EGG")})
	if err != nil {
		t.Fatal(err)
	}
	// Spark's order: the .py directory where the first .py appears, everything else as given.
	if want := []string{"__pyfiles__", "deps.zip", "mypkg.zip", "src.zip", "old.EGG"}; !slices.Equal(pythonPath, want) {
		t.Errorf("PYTHONPATH entries %q, want %q", pythonPath, want)
	}
	var links []string
	for _, it := range items {
		links = append(links, it.link)
	}
	if want := []string{"__pyfiles__/a.py", "deps.zip", "__pyfiles__/b.py", "mypkg.zip", "src.zip", "old.EGG"}; !slices.Equal(links, want) {
		t.Errorf("links %q, want %q", links, want)
	}
	if !items[3].zipDir || !items[3].asPackage || !items[4].zipDir || items[4].asPackage {
		t.Errorf("directories: mypkg %+v, src %+v", items[3], items[4])
	}

	for spec, want := range map[string]string{
		in("notes.txt"):      "--py-files " + in("notes.txt") + ": want .py, .zip or .egg files or a directory",
		in("a.py") + "#x.py": "--py-files " + in("a.py") + "#x.py: takes no #NAME; Python imports by the file's own name",
		"nope.py":            "--py-files nope.py: no such file; check the path",
	} {
		_, _, err := planPyFiles([]string{spec})
		if err == nil || err.Error() != want || !errors.Is(err, ErrBadInput) {
			t.Errorf("planPyFiles(%s)\n got %v\nwant %s", spec, err, want)
		}
	}
}

// A nil FS proves that every check below runs before HDFS is touched: a call would panic.
func TestAddChecksEverythingBeforeUploading(t *testing.T) {
	root := tree(t, map[string]string{"x/data.csv": "1", "y/data.csv": "2", "a.py": "", "lib/a.py": "", "env.tgz": "e"})
	in := func(name string) string { return filepath.Join(root, name) }
	s := &AppStaging{dir: "/user/ann/.orca-yarn/staging/application_1_0001", resources: map[string]*yarnpb.LocalResourceProto{
		"already": {},
	}}
	ctx := context.Background()
	for _, tc := range []struct {
		in   Inputs
		want string
	}{
		{Inputs{Files: []string{in("x/data.csv"), in("y/data.csv")}},
			"--files " + in("x/data.csv") + " and --files " + in("y/data.csv") + `: both would be linked as "data.csv"; give one another name with PATH#NAME`},
		{Inputs{Files: []string{in("x/data.csv") + "#env"}, Archives: []string{in("env.tgz") + "#env"}},
			"--files " + in("x/data.csv") + " and --archives " + in("env.tgz") + `: both would be linked as "env"; give one another name with PATH#NAME`},
		{Inputs{PyFiles: []string{in("a.py"), in("lib/a.py")}},
			"--py-files " + in("a.py") + " and --py-files " + in("lib/a.py") + `: both would be linked as "__pyfiles__/a.py"; Python would import only one of them: rename or drop one`},
		{Inputs{Files: []string{in("x/data.csv") + "#already"}},
			"--files " + in("x/data.csv") + `: link name "already" is already staged; choose another with PATH#NAME`},
		{Inputs{Files: []string{in("x/data.csv"), "data.csv#other"}},
			"--files data.csv: no such file; check the path"},
		{Inputs{Files: []string{in("x/data.csv")}, PyFiles: []string{in("missing")}},
			"--py-files " + in("missing") + ": no such file; check the path"},
	} {
		_, err := s.Add(ctx, tc.in)
		if err == nil || err.Error() != tc.want || !errors.Is(err, ErrBadInput) {
			t.Errorf("Add(%+v)\n got %v\nwant %s", tc.in, err, tc.want)
		}
	}
	if len(s.Resources()) != 1 {
		t.Fatalf("a failed Add changed the staged set: %v", s.Resources())
	}
}
