package stage

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path"
	"path/filepath"
	"time"

	"github.com/orca-yarn/orca-yarn/yarnpb/yarnpb"
	"github.com/sirupsen/logrus"
	"github.com/zeebo/blake3"
)

// UploadOptions tune one upload.
type UploadOptions struct {
	// Visibility of the returned Resource; 0 means PRIVATE, so every NodeManager downloads a
	// build's binary once for all of the user's applications.
	Visibility yarnpb.LocalResourceVisibilityProto
	// Progress, when set, is called after each chunk written to HDFS with the bytes sent so far.
	Progress func(sent int64)
	// Log gets one line per upload or reuse; nil logs nothing.
	Log *logrus.Entry
}

// UploadContentAddressed publishes localPath as <dir>/<hash>/<basename> and returns it as a
// FILE resource. <hash> is 128 bits of BLAKE3 over the base name and the bytes: BLAKE3 is a
// cryptographic hash (a content address must not collide, even on purpose) that still runs at
// ~3.5 GB/s on one core, so a 20 MB binary costs a few ms; xxhash is faster but not
// collision-resistant. The base name is hashed too because YARN cares about it (an archive is
// unpacked by its suffix), so one <hash> directory always holds exactly one file.
//
// A file already published with the expected size is reused without uploading anything. Safe
// for concurrent use by any number of goroutines and processes: see the package doc.
func UploadContentAddressed(ctx context.Context, fs FS, localPath, dir string, opts UploadOptions) (Resource, error) {
	fi, err := checkLocalFile("upload", localPath)
	if err != nil {
		return Resource{}, err
	}
	base := filepath.Base(localPath)
	if err := validateHDFSName(base); err != nil {
		return Resource{}, badInputf("upload %s: %v; rename the file", localPath, err)
	}
	start := time.Now()
	sum, err := hashFile(ctx, localPath, base)
	if err != nil {
		return Resource{}, err
	}
	name := hex.EncodeToString(sum[:16])
	u := upload{
		fs: fs, local: localPath, size: fi.Size(), parent: dir, name: name, base: base,
		sum: sum, progress: opts.Progress, keepExisting: true,
	}
	st, reused, err := u.run(ctx)
	if err != nil {
		return Resource{}, err
	}
	vis := opts.Visibility
	if vis == 0 {
		vis = yarnpb.LocalResourceVisibilityProto_PRIVATE
	}
	r := Resource{
		Path: u.final(), Size: st.Size(), ModTime: st.ModTime(),
		Type: yarnpb.LocalResourceTypeProto_FILE, Visibility: vis, Reused: reused,
	}
	if opts.Log != nil {
		opts.Log.WithFields(logrus.Fields{"path": r.Path, "bytes": r.Size, "reused": reused,
			"took": time.Since(start).Round(time.Millisecond)}).Info("staged content-addressed file")
	}
	return r, nil
}

// contentHasher starts the content address of a file called base.
func contentHasher(base string) hash.Hash {
	h := blake3.New()
	_, _ = h.WriteString(base)
	_, _ = h.Write([]byte{0})
	return h
}

func hashFile(ctx context.Context, local, base string) ([]byte, error) {
	f, err := os.Open(local)
	if err != nil {
		return nil, localErr("upload", local, err)
	}
	defer f.Close()
	h := contentHasher(base)
	if _, err := copyChunks(ctx, h, f, nil); err != nil {
		if lre := (*localReadError)(nil); errors.As(err, &lre) {
			return nil, localErr("upload", local, lre.err)
		}
		return nil, fmt.Errorf("hash %s: %w", local, err)
	}
	return h.Sum(nil), nil
}

// upload writes one local file to <parent>/<name>/<base> through a temporary directory.
type upload struct {
	fs                 FS
	local              string
	size               int64 // as checked before; sending another count means the file changed
	parent, name, base string
	sum                []byte // when set, the bytes sent must hash to it
	progress           func(int64)
	// keepExisting: a file already at the final path with the expected size is the same
	// content (the path is its hash), so it counts as success. Otherwise it is an error.
	keepExisting bool
}

func (u upload) final() string { return path.Join(u.parent, u.name, u.base) }

// run publishes the file and returns what HDFS reports for it, and whether it was already
// there (nothing uploaded).
func (u upload) run(ctx context.Context) (os.FileInfo, bool, error) {
	if u.keepExisting {
		if st, ok, err := u.existing(ctx); err != nil || ok {
			return st, ok, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, false, fmt.Errorf("upload %s: %w", u.local, err)
	}
	if err := u.fs.MkdirAll(u.parent, 0o700); err != nil {
		return nil, false, hdfsErr(ctx, "mkdir", u.parent, err)
	}
	tmp := path.Join(u.parent, ".tmp-"+u.name+"-"+randomSuffix())
	if err := u.fs.MkdirAll(tmp, 0o700); err != nil {
		return nil, false, hdfsErr(ctx, "mkdir", tmp, err)
	}
	published := false
	defer func() {
		if !published {
			// Best effort and deliberately not tied to ctx: a cancelled upload must still go.
			_ = u.fs.RemoveAll(tmp)
		}
	}()
	if err := u.write(ctx, path.Join(tmp, u.base)); err != nil {
		return nil, false, err
	}
	WholeSecondMtime(u.fs, path.Join(tmp, u.base))
	finalDir := path.Join(u.parent, u.name)
	if err := u.fs.Rename(tmp, finalDir); err != nil {
		// HDFS refuses to rename onto a non-empty directory: someone else published first.
		if u.keepExisting {
			if st, ok, serr := u.existing(ctx); serr == nil && ok {
				return st, true, nil
			}
		}
		return nil, false, hdfsErr(ctx, "publish", finalDir, err)
	}
	published = true
	st, err := u.fs.Stat(u.final())
	if err != nil {
		return nil, false, hdfsErr(ctx, "stat", u.final(), err)
	}
	if st.Size() != u.size {
		return nil, false, classify(ErrCluster, fmt.Errorf("hdfs://%s: %d bytes after upload, want %d",
			u.final(), st.Size(), u.size))
	}
	return st, false, nil
}

// existing reports whether the final path already holds the file. One with another size was
// changed outside orca-yarn; we do not delete it ourselves, since a concurrent client may be
// replacing it too and would lose its fresh copy.
func (u upload) existing(ctx context.Context) (os.FileInfo, bool, error) {
	st, err := u.fs.Stat(u.final())
	switch {
	case isNotExist(err):
		return nil, false, nil
	case err != nil:
		return nil, false, hdfsErr(ctx, "stat", u.final(), err)
	case st.IsDir() || st.Size() != u.size:
		return nil, false, classify(ErrCluster, fmt.Errorf("hdfs://%s holds %d bytes, want %d: it was "+
			"changed outside orca-yarn; remove it (hdfs dfs -rm -r %s) and retry",
			u.final(), st.Size(), u.size, path.Join(u.parent, u.name)))
	}
	MarkUsed(u.fs, u.final(), st)
	return st, true, nil
}

func (u upload) write(ctx context.Context, dst string) (err error) {
	src, err := os.Open(u.local)
	if err != nil {
		return localErr("upload", u.local, err)
	}
	defer src.Close()
	w, err := u.fs.Create(dst)
	if err != nil {
		return hdfsErr(ctx, "create", dst, err)
	}
	closed := false
	defer func() {
		if !closed {
			// Release the lease and the DataNode pipeline; the caller removes the file.
			_ = w.SetDeadline(time.Now().Add(10 * time.Second))
			_ = w.Close()
		}
	}()
	if dl, ok := ctx.Deadline(); ok {
		_ = w.SetDeadline(dl)
	}
	h := contentHasher(u.base)
	n, err := copyChunks(ctx, io.MultiWriter(w, h), src, u.progress)
	if lre := (*localReadError)(nil); errors.As(err, &lre) {
		return localErr("upload", u.local, lre.err)
	} else if err != nil {
		return hdfsErr(ctx, "write", dst, err)
	}
	if n != u.size || (u.sum != nil && string(h.Sum(nil)) != string(u.sum)) {
		return badInputf("upload %s: the file changed while it was being uploaded; retry", u.local)
	}
	closed = true
	if err := CloseReplicated(ctx, w); err != nil {
		return hdfsErr(ctx, "close", dst, err)
	}
	return nil
}

// copyChunks copies in 1 MiB chunks, checking ctx between them: the HDFS client takes no
// context, so this is where cancellation reaches an upload.
func copyChunks(ctx context.Context, dst io.Writer, src io.Reader, progress func(int64)) (int64, error) {
	buf := make([]byte, 1<<20)
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		k, rerr := io.ReadFull(src, buf)
		if k > 0 {
			if _, err := dst.Write(buf[:k]); err != nil {
				return n, err
			}
			n += int64(k)
			if progress != nil {
				progress(n)
			}
		}
		switch {
		case rerr == io.EOF || rerr == io.ErrUnexpectedEOF:
			return n, nil
		case rerr != nil:
			return n, &localReadError{rerr}
		}
	}
}

// localReadError marks a failure to read the local side of a copy (our input, not HDFS).
type localReadError struct{ err error }

func (e *localReadError) Error() string { return e.err.Error() }
func (e *localReadError) Unwrap() error { return e.err }

func randomSuffix() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
