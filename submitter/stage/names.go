package stage

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Link names the submitter gives its own resources in every container's working directory.
const (
	LinkBinary = "orca-yarn" // the orca-yarn binary itself
	LinkEnv    = "__env__"   // the packed Python environment
	LinkSpec   = "spec.json" // the application spec (appspec.FileName)
	// PyFilesDir holds the .py files of --py-files; it goes on PYTHONPATH.
	PyFilesDir = "__pyfiles__"
)

// reserved are names a user's link must not take: ours, and the files the NodeManager itself
// writes into the container's working directory.
func reserved(name string) bool {
	switch name {
	case LinkBinary, LinkEnv, PyFilesDir, LinkSpec,
		"launch_container.sh", "container_tokens", "default_container_executor.sh",
		"default_container_executor_session.sh", "tmp":
		return true
	}
	return false
}

// archiveSuffixes lists the names YARN unpacks (FSDownload.unpack, by the lower-cased name);
// any other ARCHIVE is copied as is, which is never what the user meant.
const archiveSuffixes = ".tar.gz .tgz .tar .zip .jar"

func isArchiveName(name string) bool {
	lower := strings.ToLower(name)
	for _, s := range strings.Fields(archiveSuffixes) {
		if strings.HasSuffix(lower, s) && len(lower) > len(s) {
			return true
		}
	}
	return false
}

// ParseAlias splits "PATH#NAME" (Spark's and YARN's syntax) into the local path and the link
// name; without '#' the name is empty and the caller uses the file's base name.
func ParseAlias(spec string) (local, name string, err error) {
	if spec == "" {
		return "", "", badInputf("empty entry; remove the stray comma")
	}
	if i := strings.Index(spec, "://"); i > 0 && !strings.ContainsAny(spec[:i], "/#") {
		return "", "", badInputf("%s: remote URLs are not supported yet; pass a local path", spec)
	}
	local, name, found := strings.Cut(spec, "#")
	switch {
	case local == "":
		return "", "", badInputf("%s: no path before '#'; write PATH#NAME", spec)
	case found && name == "":
		return "", "", badInputf("%s: no name after '#'; write PATH#NAME or drop the '#'", spec)
	}
	return local, name, nil
}

// ValidateLink checks a link name a user chose (or the base name we derived from a path): it
// becomes a symlink in the container's working directory, written by the NodeManager inside
// double quotes in launch_container.sh and parsed as a Hadoop Path.
func ValidateLink(name string) error {
	if err := validateHDFSName(name); err != nil {
		return badInputf("link name %q: %v", name, err)
	}
	if reserved(name) {
		return badInputf("link name %q is reserved (orca-yarn or YARN uses it in the container); "+
			"choose another with PATH#NAME", name)
	}
	return nil
}

// validateHDFSName checks one path component that ends up on HDFS, in a NodeManager's cache
// and in launch_container.sh.
func validateHDFSName(name string) error {
	switch {
	case name == "" || name == "." || name == "..":
		return errors.New("not a file name")
	case len(name) > 255:
		return errors.New("longer than 255 bytes")
	case strings.ContainsAny(name, "/:"):
		return errors.New("contains '/' or ':' (HDFS and Hadoop paths do not allow them in a name)")
	case strings.ContainsAny(name, "\"$`\\#"):
		return errors.New("contains one of \" $ ` \\ # (YARN writes names into a shell script)")
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return errors.New("contains a control character")
		}
	}
	return nil
}

// checkLocalFile makes sure local is a regular file we can read; flag names the option in the
// message ("--files data.csv: no such file; check the path").
func checkLocalFile(flag, local string) (os.FileInfo, error) {
	fi, err := os.Stat(local)
	if err != nil {
		return nil, localErr(flag, local, err)
	}
	if fi.IsDir() {
		hint := "want a file"
		switch flag {
		case "--files":
			hint = "pack it (tar czf NAME.tgz -C DIR .) and pass it with --archives"
		case "--archives":
			hint = "pack it first: tar czf NAME.tgz -C DIR ."
		}
		return nil, badInputf("%s %s: is a directory; %s", flag, local, hint)
	}
	if !fi.Mode().IsRegular() {
		return nil, badInputf("%s %s: not a regular file (%s); pass a file", flag, local, fi.Mode().Type())
	}
	f, err := os.Open(local)
	if err != nil {
		return nil, localErr(flag, local, err)
	}
	_ = f.Close()
	return fi, nil
}

// localErr turns a failure on the user's own file into a one-line ErrBadInput.
func localErr(flag, local string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return badInputf("%s %s: no such file; check the path", flag, local)
	case errors.Is(err, fs.ErrPermission):
		return badInputf("%s %s: permission denied; make it readable (chmod u+r)", flag, local)
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return classify(ErrBadInput, fmt.Errorf("%s %s: %w", flag, local, err))
}

// baseName is the name a local path gets on HDFS and, without an alias, in the container.
func baseName(local string) string {
	abs, err := filepath.Abs(local)
	if err != nil {
		return filepath.Base(local)
	}
	return filepath.Base(abs)
}
