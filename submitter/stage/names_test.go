package stage

import (
	"errors"
	"strings"
	"testing"
)

func TestParseAlias(t *testing.T) {
	for _, tc := range []struct {
		spec, local, name, err string
	}{
		{spec: "env.tgz#environment", local: "env.tgz", name: "environment"},
		{spec: "data/x.csv", local: "data/x.csv"},
		{spec: "./a b.txt#ab", local: "./a b.txt", name: "ab"},
		{spec: "/abs/dir/x.zip#x", local: "/abs/dir/x.zip", name: "x"},
		{spec: "x.tgz#a#b", local: "x.tgz", name: "a#b"}, // ValidateLink rejects the name later
		{spec: "", err: "empty entry; remove the stray comma"},
		{spec: "#alias", err: "#alias: no path before '#'; write PATH#NAME"},
		{spec: "env.tgz#", err: "env.tgz#: no name after '#'; write PATH#NAME or drop the '#'"},
		{spec: "hdfs://nn/x.tgz#x", err: "hdfs://nn/x.tgz#x: remote URLs are not supported yet; pass a local path"},
		{spec: "file:///tmp/x", err: "file:///tmp/x: remote URLs are not supported yet; pass a local path"},
		{spec: "dir/a://b", local: "dir/a://b"}, // not a URL: the "scheme" has a '/'
	} {
		local, name, err := ParseAlias(tc.spec)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err || !errors.Is(err, ErrBadInput) {
				t.Errorf("ParseAlias(%q) error = %v, want %q (ErrBadInput)", tc.spec, err, tc.err)
			}
			continue
		}
		if err != nil || local != tc.local || name != tc.name {
			t.Errorf("ParseAlias(%q) = %q, %q, %v; want %q, %q", tc.spec, local, name, err, tc.local, tc.name)
		}
	}
}

func TestValidateLink(t *testing.T) {
	for _, ok := range []string{"data.csv", "environment", "a b", "ünïcode.txt", ".hidden", "x-1_2.tar.gz"} {
		if err := ValidateLink(ok); err != nil {
			t.Errorf("ValidateLink(%q) = %v, want ok", ok, err)
		}
	}
	for name, want := range map[string]string{
		"":                       "not a file name",
		".":                      "not a file name",
		"..":                     "not a file name",
		"a/b":                    "contains '/' or ':'",
		"c:d":                    "contains '/' or ':'",
		`say"hi"`:                "YARN writes names into a shell script",
		"$HOME":                  "YARN writes names into a shell script",
		"a`b`":                   "YARN writes names into a shell script",
		`a\b`:                    "YARN writes names into a shell script",
		"a#b":                    "YARN writes names into a shell script",
		"tab\there":              "control character",
		strings.Repeat("x", 256): "longer than 255 bytes",
		LinkBinary:               "is reserved",
		LinkEnv:                  "is reserved",
		PyFilesDir:               "is reserved",
		"launch_container.sh":    "is reserved",
		"container_tokens":       "is reserved",
		"tmp":                    "is reserved",
	} {
		err := ValidateLink(name)
		if err == nil || !strings.Contains(err.Error(), want) || !errors.Is(err, ErrBadInput) {
			t.Errorf("ValidateLink(%q) = %v, want an ErrBadInput containing %q", name, err, want)
		}
	}
}

func TestIsArchiveName(t *testing.T) {
	for name, want := range map[string]bool{
		"env.tar.gz": true, "ENV.TGZ": true, "x.tar": true, "deps.zip": true, "lib.jar": true,
		"x.tar.bz2": false, "x.tar.zst": false, "x.7z": false, "x.gz": false, "data.csv": false,
		".tgz": false, "tgz": false,
	} {
		if got := isArchiveName(name); got != want {
			t.Errorf("isArchiveName(%q) = %v, want %v", name, got, want)
		}
	}
}

// FuzzParseAlias feeds command-line entries (untrusted user input) through parsing and link
// validation: no panics, and whatever passes is a usable single path component.
func FuzzParseAlias(f *testing.F) {
	for _, s := range []string{"env.tgz#environment", "x", "#", "a#", "hdfs://x/y#z", "a/b#c:d", "\x00#\x7f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		local, name, err := ParseAlias(spec)
		if err != nil {
			if !errors.Is(err, ErrBadInput) {
				t.Fatalf("ParseAlias(%q): unclassified error %v", spec, err)
			}
			return
		}
		if local == "" || strings.Contains(local, "#") {
			t.Fatalf("ParseAlias(%q) = local %q", spec, local)
		}
		if name == "" {
			return
		}
		if err := ValidateLink(name); err == nil {
			if strings.ContainsAny(name, "/:\"$`\\#\x00\n") || name == "." || name == ".." || reserved(name) {
				t.Fatalf("ValidateLink accepted %q", name)
			}
		} else if !errors.Is(err, ErrBadInput) {
			t.Fatalf("ValidateLink(%q): unclassified error %v", name, err)
		}
	})
}
