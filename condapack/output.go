package condapack

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// PackFile packs m into the file out: written under a temporary name in out's directory, synced,
// then renamed, so out is either the whole archive or untouched. The file is 0644.
func (m *Manifest) PackFile(ctx context.Context, out string, o PackOptions) (*Stats, error) {
	dir := filepath.Dir(out)
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	tmp := filepath.Join(dir, "."+filepath.Base(out)+".tmp-"+hex.EncodeToString(rnd[:]))
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, outputErr(fmt.Errorf("create %s: %w", tmp, err))
	}
	done := false
	defer func() {
		if !done {
			f.Close()
			os.Remove(tmp)
		}
	}()
	st, err := m.Pack(ctx, &writeback{f: f}, o)
	if err != nil {
		return nil, err
	}
	t := time.Now()
	if err := f.Sync(); err != nil {
		return nil, outputErr(fmt.Errorf("sync %s: %w", tmp, err))
	}
	if err := f.Close(); err != nil {
		return nil, outputErr(fmt.Errorf("close %s: %w", tmp, err))
	}
	if err := os.Rename(tmp, out); err != nil {
		return nil, outputErr(fmt.Errorf("rename %s to %s: %w", tmp, out, err))
	}
	done = true
	st.Write += time.Since(t)
	st.Total += time.Since(t)
	return st, nil
}

// writeback starts the kernel writing the archive to disk every writebackEvery bytes, without
// waiting (sync_file_range SYNC_FILE_RANGE_WRITE), so that the final fsync finds little left and
// the disk works while the compressor does.
type writeback struct {
	f       *os.File
	off     int64 // bytes written
	started int64 // bytes handed to writeback
}

const writebackEvery = 32 << 20

func (w *writeback) Write(b []byte) (int, error) {
	n, err := w.f.Write(b)
	w.off += int64(n)
	if w.off-w.started >= writebackEvery {
		// Best effort: a filesystem without it just leaves everything to the fsync.
		_ = syscall.SyncFileRange(int(w.f.Fd()), w.started, w.off-w.started, syncFileRangeWrite)
		w.started = w.off
	}
	return n, err
}

// syncFileRangeWrite is SYNC_FILE_RANGE_WRITE (linux/fs.h).
const syncFileRangeWrite = 2
