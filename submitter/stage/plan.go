package stage

import (
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/orca-yarn/orca-yarn/yarnpb/yarnpb"
)

// item is one checked entry of --files, --archives or --py-files, ready to upload.
type item struct {
	flag   string // the option it came from, for messages
	local  string // the user's path (a --py-files directory: the directory)
	link   string // name in the container's working directory; "__pyfiles__/a.py" for .py files
	remote string // base name on HDFS (an archive keeps its suffix: YARN unpacks by it)
	typ    yarnpb.LocalResourceTypeProto
	// zipDir: local is a --py-files directory to zip first; asPackage keeps its name as the
	// top directory inside the zip (it has an __init__.py).
	zipDir, asPackage bool
	upload            string // the file actually sent: local, or the zip made of it
}

// planFile checks one "PATH[#NAME]" of --files or --archives.
func planFile(flag, spec string, typ yarnpb.LocalResourceTypeProto) (item, error) {
	local, name, err := ParseAlias(spec)
	if err != nil {
		return item{}, prefixed(flag, err)
	}
	return planItem(flag, local, name, typ)
}

// planItem checks a local file and the link name it will have.
func planItem(flag, local, link string, typ yarnpb.LocalResourceTypeProto) (item, error) {
	if local == "" {
		return item{}, badInputf("%s: empty path", flag)
	}
	remote := baseName(local)
	if link == "" {
		link = remote
	}
	if err := ValidateLink(link); err != nil {
		return item{}, prefixed(flag+" "+local+":", err)
	}
	if err := validateHDFSName(remote); err != nil {
		return item{}, badInputf("%s %s: file name %v; rename the file", flag, local, err)
	}
	if typ == yarnpb.LocalResourceTypeProto_ARCHIVE && !isArchiveName(remote) {
		return item{}, badInputf("%s %s: YARN unpacks only %s files; repack it as one of those",
			flag, local, strings.ReplaceAll(archiveSuffixes, " ", ", "))
	}
	if _, err := checkLocalFile(flag, local); err != nil {
		return item{}, err
	}
	return item{flag: flag, local: local, link: link, remote: remote, typ: typ, upload: local}, nil
}

// planPyFiles checks --py-files and works out PYTHONPATH, the way Spark lays them out:
// .py files go into one directory (PyFilesDir) that goes on the path once; .zip and .egg
// files go on the path themselves (Python imports from them directly). A directory is zipped
// here first: one with an __init__.py is a package (import it by its name), any other is a
// source root (its contents are importable).
func planPyFiles(list []string) ([]item, []string, error) {
	const flag = "--py-files"
	var items []item
	var pythonPath []string
	for _, spec := range list {
		local, name, err := ParseAlias(spec)
		if err != nil {
			return nil, nil, prefixed(flag, err)
		}
		if name != "" {
			return nil, nil, badInputf("%s %s: takes no #NAME; Python imports by the file's own name", flag, spec)
		}
		fi, err := os.Stat(local)
		if err != nil {
			return nil, nil, localErr(flag, local, err)
		}
		base := baseName(local)
		var it item
		switch lower := strings.ToLower(base); {
		case fi.IsDir():
			it, err = planPyDir(local, base+".zip")
		case strings.HasSuffix(lower, ".py"):
			it, err = planItem(flag, local, "", yarnpb.LocalResourceTypeProto_FILE)
			it.link = path.Join(PyFilesDir, it.link)
		case strings.HasSuffix(lower, ".zip") || strings.HasSuffix(lower, ".egg"):
			it, err = planItem(flag, local, "", yarnpb.LocalResourceTypeProto_FILE)
		default:
			err = badInputf("%s %s: want .py, .zip or .egg files or a directory", flag, local)
		}
		if err != nil {
			return nil, nil, err
		}
		entry := it.link
		if path.Dir(entry) == PyFilesDir {
			entry = PyFilesDir
		}
		if !slices.Contains(pythonPath, entry) {
			pythonPath = append(pythonPath, entry)
		}
		items = append(items, it)
	}
	return items, pythonPath, nil
}

func planPyDir(dir, zipName string) (item, error) {
	const flag = "--py-files"
	if err := ValidateLink(zipName); err != nil {
		return item{}, prefixed(flag+" "+dir+":", err)
	}
	f, err := os.Open(dir)
	if err != nil {
		return item{}, localErr(flag, dir, err)
	}
	_ = f.Close()
	_, err = os.Stat(filepath.Join(dir, "__init__.py"))
	return item{flag: flag, local: dir, link: zipName, remote: zipName, typ: yarnpb.LocalResourceTypeProto_FILE,
		zipDir: true, asPackage: err == nil}, nil
}

// prefixed puts the option (and path) in front of a message, keeping its class.
func prefixed(prefix string, err error) error { return &prefixError{prefix, err} }

type prefixError struct {
	prefix string
	err    error
}

func (e *prefixError) Error() string { return e.prefix + " " + e.err.Error() }
func (e *prefixError) Unwrap() error { return e.err }
