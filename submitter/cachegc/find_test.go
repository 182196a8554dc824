package cachegc

import (
	"context"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"testing"
	"time"
)

// memFS is a directory tree in memory: enough of HDFS's listing for the selection logic.
type memFS map[string][]os.FileInfo

func (m memFS) ReadDir(dir string) ([]os.FileInfo, error) {
	e, ok := m[dir]
	if !ok {
		return nil, &fs.PathError{Op: "readdir", Path: dir, Err: fs.ErrNotExist}
	}
	return e, nil
}

func (m memFS) Stat(name string) (os.FileInfo, error) {
	dir, base := path.Split(name)
	for _, fi := range m[strings.TrimSuffix(dir, "/")] {
		if fi.Name() == base {
			return fi, nil
		}
	}
	return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
}

func (m memFS) RemoveAll(name string) error {
	dir, base := path.Split(name)
	dir = strings.TrimSuffix(dir, "/")
	m[dir] = slices.DeleteFunc(m[dir], func(fi os.FileInfo) bool { return fi.Name() == base })
	return nil
}

type info struct {
	name        string
	size        int64
	dir, public bool
	mtime, atim time.Time
}

func (i info) Name() string { return i.name }
func (i info) Size() int64  { return i.size }
func (i info) Mode() fs.FileMode {
	switch {
	case i.dir && i.public:
		return fs.ModeDir | 0o755
	case i.dir:
		return fs.ModeDir | 0o700
	}
	return 0o644 // HDFS's default: a file is only as private as its directories
}
func (i info) ModTime() time.Time    { return i.mtime }
func (i info) IsDir() bool           { return i.dir }
func (i info) Sys() any              { return nil }
func (i info) AccessTime() time.Time { return i.atim }

var now = time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)

func daysAgo(d int) time.Time { return now.Add(-time.Duration(d) * 24 * time.Hour) }

func tree() memFS {
	envs, bin := "/user/a/.orca-yarn/envs", "/user/a/.orca-yarn/bin"
	return memFS{
		"/user/a/.orca-yarn": {info{name: "envs", dir: true}, info{name: "bin", dir: true}, info{name: "pub", dir: true, public: true}},
		// a directory others may search: its files (0644 by HDFS's default) are PUBLIC to YARN
		"/user/a/.orca-yarn/pub": {info{name: "public.tar.gz", size: 500, mtime: daysAgo(90), atim: daysAgo(90)}},
		envs: {
			info{name: "old.tar.gz", size: 900, mtime: daysAgo(90), atim: daysAgo(60)},
			info{name: "localized-lately.tar.gz", size: 800, mtime: daysAgo(90), atim: daysAgo(2)},
			info{name: "live-app.tar.gz", size: 700, mtime: daysAgo(90), atim: daysAgo(90)},
			info{name: "no-atime.tar.gz", size: 600, mtime: daysAgo(40)},
			info{name: ".tmp-k-1.tar.gz", size: 50, mtime: daysAgo(3)},
			info{name: ".tmp-k-2.tar.gz", size: 50, mtime: now.Add(-time.Minute)}, // an upload right now
			info{name: ".lock-k", mtime: daysAgo(2)},
		},
		bin: {
			info{name: "h1", dir: true, mtime: daysAgo(100)},
			info{name: "h2", dir: true, mtime: daysAgo(100)},
			info{name: "stray", dir: true, mtime: daysAgo(100)},
			info{name: ".tmp-h3-x", dir: true, mtime: daysAgo(5)},
		},
		bin + "/h1":        {info{name: "orca-yarn", size: 20, mtime: daysAgo(100), atim: daysAgo(100)}},
		bin + "/h2":        {info{name: "orca-yarn", size: 20, mtime: daysAgo(100), atim: daysAgo(1)}},
		bin + "/stray":     {info{name: "a", mtime: daysAgo(100)}, info{name: "b", mtime: daysAgo(100)}},
		bin + "/.tmp-h3-x": {info{name: "orca-yarn", size: 7, mtime: daysAgo(5)}},
	}
}

func areas() []Area {
	return []Area{{"/user/a/.orca-yarn/envs", FlatFiles}, {"/user/a/.orca-yarn/bin", HashDirs},
		{"/user/a/.orca-yarn/cache", HashDirs}, {"/user/a/.orca-yarn/pub", FlatFiles}}
}

func TestFindSelectsUnusedEntriesAndDeadUploads(t *testing.T) {
	o := Options{Now: now, UnusedFor: 30 * 24 * time.Hour, TempAge: 24 * time.Hour,
		InUse: map[string]bool{"/user/a/.orca-yarn/envs/live-app.tar.gz": true}}
	items, err := Find(context.Background(), tree(), areas(), o)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range items {
		got = append(got, strings.TrimPrefix(it.Path, "/user/a/.orca-yarn/"))
	}
	// oldest last use first; the cache area does not exist
	want := []string{"bin/h1", "envs/old.tar.gz", "envs/no-atime.tar.gz", "bin/.tmp-h3-x", "envs/.tmp-k-1.tar.gz", "envs/.lock-k"}
	if !slices.Equal(got, want) {
		t.Fatalf("garbage %q\nwant    %q", got, want)
	}
	if items[1].Bytes != 900 || !strings.Contains(items[1].Why, "unused for 60 days") {
		t.Errorf("old env: %+v", items[1])
	}
	if items[3].Bytes != 7 || !strings.Contains(items[3].Why, "never finished") {
		t.Errorf("dead upload directory: %+v", items[3])
	}
}

func TestFindWithZeroAgeKeepsOnlyWhatLiveApplicationsName(t *testing.T) {
	o := Options{Now: now, InUse: map[string]bool{"/user/a/.orca-yarn/bin/h2/orca-yarn": true}}
	items, err := Find(context.Background(), tree(), areas(), o)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if strings.HasSuffix(it.Path, "/h2") || strings.HasSuffix(it.Path, "/stray") {
			t.Errorf("selected %s", it.Path)
		}
	}
	if len(items) != 9 { // every envs entry but the public one (TempAge 0 takes even the running upload), bin/h1 and bin/.tmp-h3-x
		t.Errorf("%d items: %+v", len(items), items)
	}
	o.IncludePublic = true
	if items, _ := Find(context.Background(), tree(), areas(), o); len(items) != 10 {
		t.Errorf("with IncludePublic: %d items, want the public archive too: %+v", len(items), items)
	}
}

func TestRemoveDeletesTheItems(t *testing.T) {
	m := tree()
	o := Options{Now: now, UnusedFor: 30 * 24 * time.Hour, TempAge: 24 * time.Hour}
	items, err := Find(context.Background(), m, areas(), o)
	if err != nil {
		t.Fatal(err)
	}
	done, err := Remove(context.Background(), m, items)
	if err != nil || len(done) != len(items) {
		t.Fatalf("removed %d of %d: %v", len(done), len(items), err)
	}
	again, err := Find(context.Background(), m, areas(), o)
	if err != nil || len(again) != 0 {
		t.Fatalf("after removing, still garbage: %+v %v", again, err)
	}
}

func TestParseAge(t *testing.T) {
	for in, want := range map[string]time.Duration{"30d": 720 * time.Hour, "0d": 0, "36h": 36 * time.Hour, "90m": 90 * time.Minute, "0": 0} {
		if got, err := ParseAge(in); err != nil || got != want {
			t.Errorf("ParseAge(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "d", "-1d", "1.5d", "soon", "-3h"} {
		if _, err := ParseAge(bad); err == nil {
			t.Errorf("ParseAge(%q) accepted", bad)
		}
	}
}
