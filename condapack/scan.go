package condapack

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/zeebo/blake3"
)

// ScanOptions tune Scan.
type ScanOptions struct {
	// Verify reads every file: its content goes into the hash (so an edit that kept size and
	// mtime still changes it) and conda-managed files are checked against conda's sha256.
	Verify bool
	// IgnoreEditable packs an env with editable installs anyway; those packages will not import
	// in the container.
	IgnoreEditable bool
	// IgnoreMissing drops conda-managed files that are gone instead of refusing.
	IgnoreMissing bool
	// IgnoreClobbered packs conda-managed files that pip (or a hand) changed, as they are.
	IgnoreClobbered bool
	// Log gets warnings; nil logs nothing.
	Log *logrus.Entry
}

// Manifest is an env's state as Scan found it: what Pack will archive, and its hash.
type Manifest struct {
	Env *Env
	// Hash is 128 bits of BLAKE3, hex, over every archived path with its type, mode, size, mtime
	// and link target, the content of every conda-meta record and dist-info RECORD, the env's
	// kind, Python version and prefixes, and with Verify every file's content. Directory mtimes
	// and atimes are not in it; walk order and inode numbers do not change it.
	Hash      string
	Files     int
	Dirs      int
	Symlinks  int
	Hardlinks int
	// Bytes is the size of the regular files (hard links counted once).
	Bytes int64
	// Walk is how long Scan took.
	Walk     time.Duration
	Warnings []string
	Verified bool

	entries []*entry
	olds    []string
	newest  int64
	sums    map[string][32]byte // Verify: content hash per archive path
}

// Scan walks the env, checks that it can work after unpacking (see ErrRefused) and hashes its
// state. It reads only metadata, conda-meta records and dist-info RECORDs, unless Verify.
func Scan(ctx context.Context, env *Env, o ScanOptions) (*Manifest, error) {
	start := time.Now()
	t, meta, err := collect(env)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m := &Manifest{Env: env, olds: oldPrefixes(env), Verified: o.Verify, Warnings: t.warnings}
	m.entries = t.sorted()
	if !o.IgnoreEditable {
		if err := checkEditable(env, m.entries, m.olds); err != nil {
			return nil, err
		}
	}
	if err := checkManaged(ctx, meta, t.byRel, env, o); err != nil {
		return nil, err
	}
	for _, e := range m.entries {
		switch {
		case e.isDir():
			m.Dirs++
		case e.isLink():
			m.Symlinks++
		case e.hardOf != "":
			m.Hardlinks++
		default:
			m.Files++
			m.Bytes += e.size
		}
		if !e.isDir() {
			m.newest = max(m.newest, e.mtime)
		}
	}
	if o.Verify {
		if m.sums, err = contentSums(ctx, m.entries); err != nil {
			return nil, err
		}
	}
	if m.Hash, err = m.hash(meta); err != nil {
		return nil, err
	}
	m.Walk = time.Since(start)
	if o.Log != nil {
		for _, w := range m.Warnings {
			o.Log.Warn(w)
		}
	}
	return m, nil
}

// oldPrefixes are the paths the env's files may hold for it: as given and with symlinks
// resolved, and for a venv its base's too (everything maps to the archive root).
func oldPrefixes(env *Env) []string {
	var olds []string
	for _, p := range []string{env.Prefix, env.Base} {
		if p == "" {
			continue
		}
		olds = append(olds, p)
		if r, err := filepath.EvalSymlinks(p); err == nil && r != p {
			olds = append(olds, r)
		}
	}
	return olds
}

// hashVersion changes whenever what the hash covers changes, so old cache keys stop matching.
const hashVersion = "orca-yarn condapack manifest 1"

func (m *Manifest) hash(meta *condaMeta) (string, error) {
	h := blake3.New()
	field := func(s string) {
		var n [binary.MaxVarintLen64]byte
		_, _ = h.Write(n[:binary.PutUvarint(n[:], uint64(len(s)))])
		_, _ = h.WriteString(s)
	}
	num := func(v int64) {
		var n [8]byte
		binary.LittleEndian.PutUint64(n[:], uint64(v))
		_, _ = h.Write(n[:])
	}
	field(hashVersion)
	field(string(m.Env.Kind))
	field(m.Env.Python)
	field(m.Env.Interpreter)
	field(strings.Join(m.olds, "\x00"))
	if m.Verified {
		field("verified")
	}
	var metaFiles []*entry
	for _, e := range m.entries {
		field(e.rel)
		num(int64(e.mode.Type()))
		num(int64(e.mode.Perm()))
		switch {
		case e.isLink():
			field(e.target)
		case e.isRegular():
			num(e.size)
			num(e.mtime)
			field(e.hardOf)
			if sum, ok := m.sums[e.rel]; ok {
				_, _ = h.Write(sum[:])
			}
			if isMetaFile(e.rel, m.Env, meta) {
				metaFiles = append(metaFiles, e)
			}
		}
	}
	// Records are hashed by content: conda and pip rewrite them in place, and an edit that kept
	// size and mtime must still change the key.
	for _, e := range metaFiles {
		f, err := os.Open(e.src())
		if err != nil {
			return "", errorf(ErrChanged, "read %s: %v", e.src(), err)
		}
		field(e.rel)
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			return "", errorf(ErrChanged, "read %s: %v", e.src(), err)
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:16]), nil
}

func isMetaFile(rel string, env *Env, meta *condaMeta) bool {
	if meta != nil && strings.HasPrefix(rel, "conda-meta/") && strings.HasSuffix(rel, ".json") {
		return true
	}
	site := sitePackages(env)
	return site != "" && path.Base(rel) == "RECORD" && strings.HasSuffix(path.Dir(rel), ".dist-info") &&
		path.Dir(path.Dir(rel)) == site
}

// contentSums hashes every regular file, 8 at a time (reads of many small files are latency-bound).
func contentSums(ctx context.Context, entries []*entry) (map[string][32]byte, error) {
	sums := make(map[string][32]byte, len(entries))
	var mu sync.Mutex
	var firstErr error
	work := make(chan *entry)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for e := range work {
				sum, err := blake3File(e.src())
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = errorf(ErrChanged, "read %s: %v", e.src(), err)
				}
				sums[e.rel] = sum
				mu.Unlock()
			}
		}()
	}
	for _, e := range entries {
		if !e.isRegular() || e.hardOf != "" {
			continue
		}
		select {
		case work <- e:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(work)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return sums, firstErr
}

func blake3File(p string) ([32]byte, error) {
	var sum [32]byte
	f, err := os.Open(p)
	if err != nil {
		return sum, err
	}
	defer f.Close()
	h := blake3.New()
	if _, err := io.Copy(h, f); err != nil {
		return sum, err
	}
	copy(sum[:], h.Sum(nil))
	return sum, nil
}

// archiveVersion changes whenever Pack's output for the same manifest and destination changes
// meaning (relocation rules, layout), so a cache never serves an archive made by older rules.
const archiveVersion = "orca-yarn condapack archive 1"

// Key names the archive of this manifest packed for dest: 128 bits of BLAKE3, hex. Equal keys
// mean interchangeable archives (the gzip level is not part of it: it changes bytes, not content).
func (m *Manifest) Key(dest string) string {
	h := blake3.New()
	_, _ = h.WriteString(archiveVersion + "\x00" + m.Hash + "\x00" + dest)
	return hex.EncodeToString(h.Sum(nil)[:16])
}
