package condapack

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const tramp = `#!/bin/sh
'''exec' "$(dirname -- "$(realpath -- "$0")")/python3.11" "$0" "$@"
' '''
`

func TestRewriteShebang(t *testing.T) {
	body := "import sys\nfrom pip._internal.cli.main import main\nsys.exit(main())\n"
	for _, tc := range []struct {
		name, in, dest, want string
	}{
		{"python", "#!" + oldP + "/bin/python3.11\n" + body, dest, tramp + body},
		{"python with an option", "#!" + oldP + "/bin/python3.11 -E\n" + body, dest,
			strings.Replace(tramp, `python3.11"`, `python3.11" '-E'`, 1) + body},
		{"pip's long-path form", "#!/bin/sh\n'''exec' " + oldP + "/bin/python3.11 \"$0\" \"$@\"\n' '''\n" + body, dest, tramp + body},
		{"pip's long-path form, quoted", "#!/bin/sh\n'''exec' \"" + oldP + "/bin/python3.11\" \"$0\" \"$@\"\n' '''\n" + body, dest, tramp + body},
		{"other interpreter with a destination", "#!" + oldP + "/bin/perl\nprint 1;\n", dest, "#!" + dest + "/bin/perl\nprint 1;\n"},
		{"other interpreter without", "#!" + oldP + "/bin/perl -w\nprint 1;\n", "", "#!/usr/bin/env -S perl -w\nprint 1;\n"},
		{"env shebang is left", "#!/usr/bin/env python3\n" + body, dest, ""},
		{"system interpreter is left", "#!/usr/bin/python3\n" + body, dest, ""},
		{"another prefix is left", "#!/opt/other/bin/python\n" + body, dest, ""},
		{"not a script", "ELF\x00...", dest, ""},
		{"plain sh script is left", "#!/bin/sh\necho hi\n", dest, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := rewriteShebang([]byte(tc.in), "bin/tool", []string{oldP}, tc.dest)
			if string(got) != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

// TestTrampolineRuns runs a rewritten script for real: through a symlink from elsewhere and from
// another working directory, sh must find the interpreter next to the script, and Python must run
// the body. A stand-in "python3.11" (a shell script) shows what it was called with.
func TestTrampolineRuns(t *testing.T) {
	if _, err := exec.LookPath("realpath"); err != nil {
		t.Skip("realpath (coreutils) not installed")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "env", "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	fake := "#!/bin/sh\necho \"interpreter=$0 script=$1 args=$2,$3\"\n"
	if err := os.WriteFile(filepath.Join(bin, "python3.11"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	script := rewriteShebang([]byte("#!"+oldP+"/bin/python3.11\nprint('x')\n"), "bin/tool", []string{oldP}, "")
	if err := os.WriteFile(filepath.Join(bin, "tool"), script, 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "elsewhere", "tool")
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(bin, "tool"), link); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(link, "a b", "c")
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	real, _ := filepath.EvalSymlinks(bin)
	want := "interpreter=" + filepath.Join(real, "python3.11") + " script=" + link + " args=a b,c\n"
	if string(out) != want {
		t.Fatalf("got  %q\nwant %q", out, want)
	}
}
