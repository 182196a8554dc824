package stage

import (
	"archive/zip"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
)

// zipPyDir zips a --py-files directory into a temporary local file for upload and returns its
// path; removeZips deletes it.
func zipPyDir(it item) (string, error) {
	f, err := os.CreateTemp("", "orca-yarn-pyfiles-*.zip")
	if err != nil {
		return "", fmt.Errorf("%s %s: temporary zip: %w", it.flag, it.local, err)
	}
	prefix := ""
	if it.asPackage {
		prefix = baseName(it.local)
	}
	err = writePyZip(f, it.local, prefix)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return "", classify(ErrBadInput, fmt.Errorf("%s %s: %w", it.flag, it.local, err))
	}
	return f.Name(), nil
}

func removeZips(items []item) {
	for _, it := range items {
		if it.zipDir && it.upload != "" {
			_ = os.Remove(it.upload)
		}
	}
}

// writePyZip writes the tree under dir as a zip Python can import from (zipimport), under
// prefix when it is not empty. Directory entries are written because zipimport finds
// namespace packages (no __init__.py) only through them. __pycache__ and .git are left out:
// bytecode of another Python version is useless there and a repository's history is large.
// A symlink to a file is followed; one to a directory is refused, since following it could
// loop or reach far outside dir.
func writePyZip(w io.Writer, dir, prefix string) error {
	zw := zip.NewWriter(w)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		name := path.Join(prefix, filepath.ToSlash(rel))
		if d.IsDir() {
			if p != dir && (d.Name() == "__pycache__" || d.Name() == ".git") {
				return filepath.SkipDir
			}
			if name == "." || name == "" {
				return nil
			}
			return addZipDir(zw, p, name+"/")
		}
		fi, err := os.Stat(p) // follows a symlink
		if err != nil {
			return err
		}
		switch {
		case fi.IsDir():
			return fmt.Errorf("%s links to a directory; replace the link with a copy", rel)
		case !fi.Mode().IsRegular():
			return fmt.Errorf("%s is not a regular file; remove it", rel)
		}
		return addZipFile(zw, p, name, fi)
	})
	if cerr := zw.Close(); err == nil {
		err = cerr
	}
	return err
}

func addZipDir(zw *zip.Writer, p, name string) error {
	fi, err := os.Stat(p)
	if err != nil {
		return err
	}
	h, err := zip.FileInfoHeader(fi)
	if err != nil {
		return err
	}
	h.Name = name
	_, err = zw.CreateHeader(h)
	return err
}

func addZipFile(zw *zip.Writer, p, name string, fi os.FileInfo) error {
	h, err := zip.FileInfoHeader(fi)
	if err != nil {
		return err
	}
	h.Name = name
	h.Method = zip.Deflate
	w, err := zw.CreateHeader(h)
	if err != nil {
		return err
	}
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := io.Copy(w, f); err != nil {
		return fmt.Errorf("read %s: %w", p, err)
	}
	return nil
}
