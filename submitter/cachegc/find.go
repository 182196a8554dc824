package cachegc

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"time"
)

// Lister is the part of an HDFS client the collector reads with (*hdfs.Client has it).
type Lister interface {
	ReadDir(dirname string) ([]os.FileInfo, error)
	Stat(name string) (os.FileInfo, error)
}

// Kind tells how an area of the cache lays out its entries.
type Kind int

const (
	// FlatFiles: every entry is a file in the directory (the env cache: <key>.tar.gz).
	FlatFiles Kind = iota
	// HashDirs: every entry is a directory holding one file (content-addressed uploads).
	HashDirs
)

// Area is a directory of content-addressed entries.
type Area struct {
	Dir  string
	Kind Kind
}

// Options say what counts as garbage.
type Options struct {
	Now       time.Time
	UnusedFor time.Duration
	// TempAge: temporary uploads and locks older than this are a dead client's.
	TempAge time.Duration
	// InUse holds the HDFS paths (of files) live applications name; their entries are kept.
	InUse map[string]bool
	// IncludePublic also takes entries other users could localize (YARN's test for PUBLIC: the
	// file world-readable, its directories world-searchable), as --public-env archives are:
	// other users' applications may use those, and the collector cannot see their specs.
	IncludePublic bool
}

// Item is one entry to remove: a file, or a directory with the one file it holds.
type Item struct {
	Path    string    `json:"path"`
	Bytes   int64     `json:"bytes"`
	LastUse time.Time `json:"last_use"`
	Why     string    `json:"why"`
}

// Find lists the garbage of the areas, oldest first. A missing area is empty.
func Find(ctx context.Context, l Lister, areas []Area, o Options) ([]Item, error) {
	var items []Item
	for _, a := range areas {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		found, err := findIn(l, a, o)
		if err != nil {
			return nil, err
		}
		items = append(items, found...)
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].LastUse.Before(items[j].LastUse) })
	return items, nil
}

func findIn(l Lister, a Area, o Options) ([]Item, error) {
	entries, err := l.ReadDir(a.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", a.Dir, err)
	}
	dirOpen := false
	if st, err := l.Stat(a.Dir); err == nil {
		dirOpen = st.Mode().Perm()&0o001 != 0
	}
	var items []Item
	for _, e := range entries {
		p := path.Join(a.Dir, e.Name())
		if isTemp(e.Name()) {
			if age := o.Now.Sub(e.ModTime()); age >= o.TempAge {
				items = append(items, Item{Path: p, Bytes: sizeOf(l, p, e), LastUse: e.ModTime(),
					Why: fmt.Sprintf("left by an upload that never finished (%s old)", roundAge(age))})
			}
			continue
		}
		file, fi, open := p, e, dirOpen
		if a.Kind == HashDirs {
			open = open && e.Mode().Perm()&0o001 != 0
			if !e.IsDir() {
				continue // not ours
			}
			inner, err := l.ReadDir(p)
			if err != nil || len(inner) != 1 || inner[0].IsDir() {
				continue // not a published entry: leave it to its owner
			}
			file, fi = path.Join(p, inner[0].Name()), inner[0]
		} else if e.IsDir() {
			continue
		}
		if o.InUse[file] || (!o.IncludePublic && open && fi.Mode().Perm()&0o004 != 0) {
			continue
		}
		last := LastUse(fi)
		if idle := o.Now.Sub(last); idle >= o.UnusedFor {
			items = append(items, Item{Path: p, Bytes: fi.Size(), LastUse: last,
				Why: fmt.Sprintf("unused for %s", roundAge(idle))})
		}
	}
	return items, nil
}

// LastUse is the later of a file's modification and access times.
func LastUse(fi os.FileInfo) time.Time {
	last := fi.ModTime()
	if a, ok := fi.(interface{ AccessTime() time.Time }); ok && a.AccessTime().After(last) {
		last = a.AccessTime()
	}
	return last
}

// isTemp: the names uploads and publishers use before the rename that publishes.
func isTemp(name string) bool {
	return strings.HasPrefix(name, ".tmp-") || strings.HasPrefix(name, ".lock-")
}

// sizeOf is a temporary entry's size: a file's own, or the files directly in a directory.
func sizeOf(l Lister, p string, fi os.FileInfo) int64 {
	if !fi.IsDir() {
		return fi.Size()
	}
	inner, err := l.ReadDir(p)
	if err != nil {
		return 0
	}
	var n int64
	for _, f := range inner {
		n += f.Size()
	}
	return n
}

func roundAge(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%d days", int(d/(24*time.Hour)))
	case d >= time.Hour:
		return fmt.Sprintf("%d hours", int(d/time.Hour))
	default:
		return d.Round(time.Second).String()
	}
}
