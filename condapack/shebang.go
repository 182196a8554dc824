package condapack

import (
	"bytes"
	"path"
	"regexp"
	"strings"
)

// Shebangs. A console script's first line names its interpreter by absolute path, which does not
// exist where YARN unpacks the env. Python scripts get the /bin/sh trampoline that finds the
// interpreter next to the script itself (uv's --relocatable form):
//
//	#!/bin/sh
//	'''exec' "$(dirname -- "$(realpath -- "$0")")/python3.11" "$0" "$@"
//	' '''
//
// sh runs line 2 ('''exec' is the word exec) and never reaches line 3; Python reads lines 2-3 as
// one string literal and runs the rest. It needs nothing outside the env: not PATH (unlike
// `#!/usr/bin/env python3.11`, which on a NodeManager with the env not first on PATH silently
// runs the system's python3.11 without the env's packages), not the destination link, and it
// works from any depth of symlinks (realpath). It is conda's and distlib's long-path form with the
// absolute path replaced by a relative one.
//
// A script for another interpreter inside the env (perl, bash) cannot use a Python string
// literal: it gets `#!<dest>/<path>` when a destination is given and that fits the kernel's 127
// bytes, else `#!/usr/bin/env <name>` (which needs the env's bin on PATH, as the launcher sets).

const maxShebang = 127

var (
	pythonName = regexp.MustCompile(`^(python|pypy)[0-9.]*$`)
	// pip/distlib's long-path form, line 2: '''exec' "/prefix/bin/python" "$0" "$@"
	execLine = regexp.MustCompile(`^'''exec' (?:"([^"]+)"|(\S+))(.*)$`)
)

// rewriteShebang returns the script with its interpreter line(s) made relocatable, or nil when
// the script does not name an interpreter inside the env. rel is the script's archive path.
func rewriteShebang(data []byte, rel string, olds []string, dest string) []byte {
	line1, rest, ok := bytes.Cut(data, []byte("\n"))
	if !ok || !bytes.HasPrefix(line1, []byte("#!")) {
		return nil
	}
	l1 := strings.TrimRight(string(line1[2:]), "\r")
	l1 = strings.TrimLeft(l1, " \t")
	if l1 == "/bin/sh" {
		return rewriteExecForm(rest, rel, olds)
	}
	interp, args, _ := strings.Cut(l1, " ")
	args = strings.TrimSpace(args)
	target, inside := envTarget(interp, ".", olds)
	if !inside || strings.HasPrefix(interp, "$") {
		return nil
	}
	var head string
	name := path.Base(target)
	switch {
	case pythonName.MatchString(name) && !strings.Contains(args, "'"):
		head = trampoline(path.Dir(rel), target, args)
	case dest != "" && len("#!"+dest+"/"+target+" "+args) <= maxShebang:
		head = strings.TrimRight("#!"+dest+"/"+target+" "+args, " ") + "\n"
	case args == "":
		head = "#!/usr/bin/env " + name + "\n"
	default:
		head = "#!/usr/bin/env -S " + name + " " + args + "\n"
	}
	out := make([]byte, 0, len(head)+len(rest))
	return append(append(out, head...), rest...)
}

// rewriteExecForm handles a script that already uses the /bin/sh trampoline with an absolute
// interpreter path (what pip writes when the path is too long for a shebang).
func rewriteExecForm(rest []byte, rel string, olds []string) []byte {
	line2, after, ok := bytes.Cut(rest, []byte("\n"))
	if !ok {
		return nil
	}
	m := execLine.FindSubmatch(bytes.TrimRight(line2, "\r"))
	if m == nil {
		return nil
	}
	interp := string(m[1]) + string(m[2])
	target, inside := envTarget(interp, ".", olds)
	if !inside || !bytes.Equal(bytes.TrimSpace(m[3]), []byte(`"$0" "$@"`)) {
		return nil
	}
	head := trampoline(path.Dir(rel), target, "")
	out := make([]byte, 0, len(head)+len(after))
	out = append(out, head...)
	// The original line 3 (' ''') closes the literal; trampoline wrote its own.
	if l3, tail, ok := bytes.Cut(after, []byte("\n")); ok && bytes.Equal(bytes.TrimRight(l3, "\r"), []byte("' '''")) {
		after = tail
	} else if !ok && bytes.Equal(after, []byte("' '''")) {
		after = nil
	}
	return append(out, after...)
}

// trampoline is the three-line /bin/sh header that runs target (an archive path) relative to
// the directory of the script (dir, an archive path), with args passed as one argument like the
// kernel passes a shebang's arguments.
func trampoline(dir, target, args string) string {
	relPath := strings.TrimPrefix(originRel(dir, target), "$ORIGIN/")
	if args != "" {
		args = " '" + args + "'"
	}
	return "#!/bin/sh\n'''exec' \"$(dirname -- \"$(realpath -- \"$0\")\")/" + relPath + "\"" + args +
		" \"$0\" \"$@\"\n' '''\n"
}
