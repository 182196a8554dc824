package logagg

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/colinmarc/hdfs/v2"
)

// FS is the little of a file system the reader needs: HDFS in production (see HDFS), a
// directory on disk in tests (see DirFS). Paths are slash-separated and absolute.
type FS interface {
	ReadDir(dir string) ([]fs.FileInfo, error)
	Open(name string) (File, error)
}

// File is an open node file. An implementation that also has SetDeadline(time.Time) error (as
// *hdfs.FileReader does) gets the walk's context deadline.
type File interface {
	io.ReaderAt
	io.Closer
}

// Skipped is a file of an application's log directory that was not decoded, and why.
type Skipped struct {
	Name    string
	Reason  string
	ModTime time.Time // when the file was last written: an old .tmp is an upload that died
}

// Summary is what a walk saw.
type Summary struct {
	Dirs    []string   // the application log directories read
	Nodes   []NodeFile // the node files decoded, in name order
	Skipped []Skipped  // files left out: still being written, unsupported, corrupt
}

// Walk decodes every node file in one application log directory (a Candidate's Dir) in name
// order, calling fn for each container log file. It skips, and lists in the Summary, node files
// still being written (".tmp"), IFile checksum files, files in an unsupported format and
// corrupt files, and goes on with the rest.
//
// It returns an error wrapping ErrNotAggregated when the directory does not exist or holds no
// finished node file yet; wrapping ErrUnsupported when no file could be read and some were in
// an unsupported format; and, after reading all it could, the joined errors of the node files
// that were corrupt or unreadable. An error from fn stops the walk and is returned unwrapped.
func Walk(ctx context.Context, fsys FS, appDir string, fn func(ContainerLog) error) (Summary, error) {
	var sum Summary
	err := walkDir(ctx, fsys, appDir, fn, &sum)
	var cb callbackError
	if errors.As(err, &cb) {
		return sum, cb.err
	}
	return sum, err
}

// WalkApp walks every candidate directory of the application that exists (Hadoop 3.3 reads the
// bucketed and the older directory together too), returning ErrNotAggregated when none does.
func (l Layout) WalkApp(ctx context.Context, fsys FS, user, appID string, fn func(ContainerLog) error) (Summary, error) {
	var sum Summary
	cands, err := l.AppLogDirs(user, appID)
	if err != nil {
		return sum, err
	}
	var errs []error
	for _, c := range cands {
		err := walkDir(ctx, fsys, c.Dir, fn, &sum)
		var cb callbackError
		switch {
		case errors.As(err, &cb):
			return sum, cb.err
		case errors.Is(err, errDirMissing):
			// most candidates do not exist: that says nothing yet
		case err != nil:
			errs = append(errs, err)
		}
	}
	if len(sum.Dirs) == 0 {
		return sum, fmt.Errorf("%w: no log directory of %s for user %s under %s", ErrNotAggregated, appID, user, l.withDefaults().RemoteDir)
	}
	return sum, errors.Join(errs...)
}

// errDirMissing marks ErrNotAggregated for a directory that does not exist at all.
var errDirMissing = errors.New("no such directory")

var uuidHead = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func walkDir(ctx context.Context, fsys FS, dir string, fn func(ContainerLog) error, sum *Summary) error {
	infos, err := fsys.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: %s: %w", ErrNotAggregated, dir, errDirMissing)
	}
	if err != nil {
		return fmt.Errorf("list aggregated logs in %s: %w", dir, err)
	}
	sum.Dirs = append(sum.Dirs, dir)
	sort.Slice(infos, func(i, j int) bool { return infos[i].Name() < infos[j].Name() })
	var (
		errs                       []error
		read, pending, unsupported int
		lastPending                time.Time
	)
	for _, fi := range infos {
		if err := ctx.Err(); err != nil {
			return err
		}
		name := fi.Name()
		skip := func(reason string) {
			sum.Skipped = append(sum.Skipped, Skipped{Name: path.Join(dir, name), Reason: reason, ModTime: fi.ModTime()})
		}
		switch {
		case strings.HasSuffix(name, ".tmp"):
			pending++
			if fi.ModTime().After(lastPending) {
				lastPending = fi.ModTime()
			}
			skip("still being written by its NodeManager (or left by one that died while uploading); last written " + fi.ModTime().UTC().Format(time.RFC3339))
			continue
		case strings.HasSuffix(name, "-checksum"):
			skip("IFile checksum file")
			continue
		case strings.HasSuffix(name, ".har"):
			unsupported++
			skip("logs archived into a Hadoop archive (.har) are not supported")
			continue
		case fi.IsDir():
			skip("a directory")
			continue
		}
		nf, err := readFile(ctx, fsys, path.Join(dir, name), name, fi.Size(), fn)
		var cb callbackError
		switch {
		case errors.As(err, &cb):
			return err
		case errors.Is(err, ErrUnsupported):
			unsupported++
			skip(err.Error())
		case err != nil:
			skip(err.Error())
			errs = append(errs, err)
		default:
			read++
			sum.Nodes = append(sum.Nodes, nf)
		}
	}
	switch {
	case read == 0 && len(errs) == 0 && unsupported > 0:
		return fmt.Errorf("%w: the node files in %s are in a format this reader does not support", ErrUnsupported, dir)
	case read == 0 && len(errs) == 0 && pending > 0:
		return fmt.Errorf("%w: %d NodeManager(s) are still uploading to %s (last write %s)", ErrNotAggregated, pending, dir, lastPending.UTC().Format(time.RFC3339))
	case read == 0 && len(errs) == 0:
		// Also what an app whose containers never started leaves behind for good: the RM's
		// logAggregationStatus (SUCCEEDED here) is what tells the two apart.
		return fmt.Errorf("%w: %s holds no node file (not uploaded yet, or nothing to upload)", ErrNotAggregated, dir)
	}
	return errors.Join(errs...)
}

func readFile(ctx context.Context, fsys FS, p, name string, size int64, fn func(ContainerLog) error) (NodeFile, error) {
	f, err := fsys.Open(p)
	if err != nil {
		return NodeFile{Name: name}, fmt.Errorf("open %s: %w", p, err)
	}
	defer f.Close()
	if d, ok := f.(interface{ SetDeadline(time.Time) error }); ok {
		if dl, ok := ctx.Deadline(); ok {
			_ = d.SetDeadline(dl) // best effort: ctx is also checked between reads
		}
	}
	var head [36]byte
	n, _ := f.ReadAt(head[:], 0)
	if n == len(head) && uuidHead.Match(head[:]) {
		// LogAggregationIndexedFileController starts (and ends) its files with a UUID and keeps
		// its index as a Java-serialized object: nothing a Go reader should decode.
		return NodeFile{Name: name}, fmt.Errorf("%s: %w: IndexedFormat (IFile, yarn.log-aggregation.file-formats=IFile) node files are not supported", p, ErrUnsupported)
	}
	nf, err := readNodeFile(ctx, f, size, name, fn)
	var cb callbackError
	if err != nil && !errors.As(err, &cb) {
		err = fmt.Errorf("%s: %w", p, err)
	}
	return nf, err
}

// HDFS adapts an HDFS client to FS. (*hdfs.Client cannot be an FS itself: its Open returns the
// concrete *hdfs.FileReader, and Go has no covariant results.)
func HDFS(c *hdfs.Client) FS { return hdfsFS{c} }

type hdfsFS struct{ c *hdfs.Client }

func (h hdfsFS) ReadDir(dir string) ([]fs.FileInfo, error) { return h.c.ReadDir(dir) }

func (h hdfsFS) Open(name string) (File, error) {
	f, err := h.c.Open(name)
	if err != nil {
		return nil, err
	}
	return f, nil
}

// DirFS serves FS paths from a local directory: "/tmp/logs/u/..." is root/tmp/logs/u/... . It
// is for tests and for logs copied out of HDFS.
func DirFS(root string) FS { return dirFS(root) }

type dirFS string

func (d dirFS) local(name string) string { return filepath.Join(string(d), filepath.FromSlash(name)) }

func (d dirFS) ReadDir(dir string) ([]fs.FileInfo, error) {
	entries, err := os.ReadDir(d.local(dir))
	if err != nil {
		return nil, err
	}
	infos := make([]fs.FileInfo, 0, len(entries))
	for _, e := range entries {
		fi, err := e.Info()
		if err != nil {
			return nil, err
		}
		infos = append(infos, fi)
	}
	return infos, nil
}

func (d dirFS) Open(name string) (File, error) {
	f, err := os.Open(d.local(name))
	if err != nil {
		return nil, err
	}
	return f, nil
}
