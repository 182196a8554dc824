package condapack

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path"
	"strings"
	"syscall"
)

// How a file is classified, and the checks readers make against the scan.

type fileKind int

const (
	textFile fileKind = iota
	binaryFile
	elfFile
	// pycFile: compiled bytecode holds its source path (co_filename), which the import system
	// replaces with the real one when it loads the file; rewriting would break nothing but also
	// fix nothing, and would change the length-prefixed strings' contents to NUL-padded ones.
	pycFile
	zipFile // a zip (wheel, jar, egg): rewriting bytes would break its CRCs
)

// classify picks the replacement rule for a file from what conda recorded, else from its bytes.
// grow is the padding conda left after a binary-mode placeholder, if any.
func (p *packer) classify(e *entry, head []byte) (fileKind, growth) {
	if strings.HasSuffix(e.rel, ".pyc") {
		return pycFile, nil
	}
	if bytes.HasPrefix(head, []byte("PK\x03\x04")) {
		return zipFile, nil
	}
	var grow growth
	if e.condaMode == "binary" {
		extra := e.placeholder - len(p.m.Env.Prefix)
		if extra > 0 {
			grow = func(n int) int { return n * extra }
		}
	}
	switch {
	case isELF(head):
		return elfFile, grow
	case e.condaMode == "text":
		return textFile, nil
	case e.condaMode == "binary":
		return binaryFile, grow
	case bytes.IndexByte(head, 0) >= 0:
		return binaryFile, nil
	}
	return textFile, nil
}

// isScript: a file directly in bin/, where console scripts live.
func isScript(rel string) bool { return path.Dir(rel) == "bin" }

// count is how many times an old prefix occurs in data.
func (r *replacer) count(data []byte) int {
	c := &replacer{olds: r.olds, maxOld: r.maxOld}
	return c.run(data, modeText, nil, true, nil, 0).replaced
}

// linkTarget is the archived target of a symlink: a path inside the env becomes relative.
func (p *packer) linkTarget(e *entry) (string, error) {
	dir := path.Dir(e.rel)
	if path.IsAbs(e.target) {
		t, inside := envTarget(e.target, dir, p.m.olds)
		if !inside {
			return e.target, p.warn("%s links to %s, outside the env", e.rel, e.target)
		}
		rel := strings.TrimPrefix(originRel(dir, t), "$ORIGIN")
		rel = strings.TrimPrefix(rel, "/")
		if rel == "" {
			rel = "."
		}
		return rel, nil
	}
	if t := path.Join(dir, e.target); t == ".." || strings.HasPrefix(t, "../") {
		return e.target, p.warn("%s links to %s, outside the env", e.rel, e.target)
	}
	return e.target, nil
}

// sameFile checks an open file against the scan: size, mtime, inode and ctime. The ctime
// catches what keeps the others: a file replaced by one of the same size whose mtime was set
// back (and whose inode number the filesystem reused).
func sameFile(f *os.File, e *entry) error {
	fi, err := f.Stat()
	if err != nil {
		return changedErr(e, err)
	}
	st, _ := fi.Sys().(*syscall.Stat_t)
	if fi.Size() != e.size || fi.ModTime().UnixNano() != e.mtime ||
		(st != nil && (st.Ino != e.ino || st.Ctim.Nano() != e.ctime)) {
		return errorf(ErrChanged, "%s changed while packing (size %d→%d, mtime %v→%v)", e.src(), e.size,
			fi.Size(), e.mtime, fi.ModTime().UnixNano())
	}
	return nil
}

func changedErr(e *entry, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return errorf(ErrChanged, "%s disappeared while packing", e.src())
	}
	if errors.Is(err, fs.ErrPermission) {
		return errorf(ErrNotEnv, "read %s: %v; the env must be readable by you", e.src(), err)
	}
	return errorf(ErrChanged, "read %s: %v", e.src(), err)
}
