package logagg

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const testApp = "application_1700000000000_0001"

// appTree writes files into a temporary directory at their HDFS paths and returns it as an FS.
func appTree(t *testing.T, files map[string][]byte) FS {
	t.Helper()
	root := t.TempDir()
	for p, data := range files {
		local := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(local), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(local, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return DirFS(root)
}

func nodeFileBytes(t *testing.T, container, stdout string) []byte {
	return buildTFile(t, tfileSpec{codec: "gz", blocks: [][]rec{aggRecords("u", nil,
		kv(utf(container), containerValue(logFile{"stderr", ""}, logFile{"stdout", stdout})))}})
}

type walked struct {
	logs []string // node container file: data
	sum  Summary
	err  error
}

func walkApp(t *testing.T, fsys FS) walked {
	t.Helper()
	var w walked
	w.sum, w.err = Layout{}.WalkApp(context.Background(), fsys, "u", testApp, func(cl ContainerLog) error {
		b, err := io.ReadAll(cl.Data)
		w.logs = append(w.logs, cl.Node+" "+cl.Container+" "+cl.File+": "+string(b))
		return err
	})
	return w
}

func skippedNames(s Summary) string {
	var names []string
	for _, sk := range s.Skipped {
		names = append(names, filepath.Base(sk.Name))
	}
	return strings.Join(names, ",")
}

func TestWalkApp(t *testing.T) {
	bucket := "/tmp/logs/u/bucket-logs-tfile/0001/" + testApp + "/"
	fsys := appTree(t, map[string][]byte{
		bucket + "nm2.example.com_8041":     nodeFileBytes(t, "container_1700000000000_0001_01_000002", "two\n"),
		bucket + "nm1.example.com_8041":     nodeFileBytes(t, "container_1700000000000_0001_01_000001", "one\n"),
		bucket + "nm3.example.com_8041.tmp": []byte("half-written"),
		bucket + "nm4.example.com_8041":     []byte("not a TFile at all, but long enough to look at"),
	})
	w := walkApp(t, fsys)
	want := []string{
		"nm1.example.com:8041 container_1700000000000_0001_01_000001 stderr: ",
		"nm1.example.com:8041 container_1700000000000_0001_01_000001 stdout: one\n",
		"nm2.example.com:8041 container_1700000000000_0001_01_000002 stderr: ",
		"nm2.example.com:8041 container_1700000000000_0001_01_000002 stdout: two\n",
	}
	if strings.Join(w.logs, "|") != strings.Join(want, "|") {
		t.Fatalf("logs %q, want %q", w.logs, want)
	}
	// The good node files are read; the corrupt one is reported, after them.
	if !errors.Is(w.err, ErrCorrupt) || !strings.Contains(w.err.Error(), "nm4.example.com_8041") {
		t.Fatalf("error %v, want ErrCorrupt naming nm4", w.err)
	}
	if got := skippedNames(w.sum); got != "nm3.example.com_8041.tmp,nm4.example.com_8041" {
		t.Fatalf("skipped %s", got)
	}
	if !strings.Contains(w.sum.Skipped[0].Reason, "still being written") {
		t.Fatalf("the .tmp file is skipped for %q", w.sum.Skipped[0].Reason)
	}
	if len(w.sum.Nodes) != 2 || w.sum.Nodes[0].Owner != "u" || len(w.sum.Dirs) != 1 || w.sum.Dirs[0] != strings.TrimSuffix(bucket, "/") {
		t.Fatalf("summary %+v", w.sum)
	}
}

func TestWalkAppNotAggregated(t *testing.T) {
	bucket := "/tmp/logs/u/bucket-logs-tfile/0001/" + testApp + "/"
	for name, files := range map[string]map[string][]byte{
		"no directory":       {"/tmp/logs/u/bucket-logs-tfile/0002/application_1700000000000_0002/n_1": nodeFileBytes(t, "c", "x")},
		"only .tmp files":    {bucket + "n_1.tmp": []byte("x"), bucket + "n_2.tmp": []byte("y")},
		"an empty directory": {bucket + "sub/.keep": nil},
	} {
		w := walkApp(t, appTree(t, files))
		if !errors.Is(w.err, ErrNotAggregated) || len(w.logs) != 0 {
			t.Errorf("%s: %v with %d logs, want ErrNotAggregated", name, w.err, len(w.logs))
		}
	}
}

// Hadoop 3.1-3.2 (and 3.3's "older" path) kept no buckets.
func TestWalkAppOlderLayout(t *testing.T) {
	w := walkApp(t, appTree(t, map[string][]byte{
		"/tmp/logs/u/logs-tfile/" + testApp + "/n_1": nodeFileBytes(t, "c1", "old\n"),
	}))
	if w.err != nil || len(w.logs) != 2 || w.logs[1] != "n:1 c1 stdout: old\n" {
		t.Fatalf("logs %q, %v", w.logs, w.err)
	}
}

func TestWalkAppIFile(t *testing.T) {
	uuid := "0b6f7d62-3a28-4d43-9c86-2d2f1b5e7a10"
	dir := "/tmp/logs/u/bucket-logs-ifile/0001/" + testApp + "/"
	w := walkApp(t, appTree(t, map[string][]byte{
		dir + "nm1_8041":          []byte(uuid + "\ncompressed logs, then a Java-serialized index" + uuid),
		dir + "nm1_8041-checksum": {0, 0, 0, 0, 0, 0, 0, 42},
	}))
	if !errors.Is(w.err, ErrUnsupported) {
		t.Fatalf("IFile logs: %v, want ErrUnsupported", w.err)
	}
	if !strings.Contains(w.sum.Skipped[0].Reason, "IFile") {
		t.Fatalf("skipped %+v: the reason should name IFile", w.sum.Skipped)
	}
}

func TestWalkCallbackError(t *testing.T) {
	bucket := "/tmp/logs/u/bucket-logs-tfile/0001/" + testApp + "/"
	fsys := appTree(t, map[string][]byte{
		bucket + "n_1": nodeFileBytes(t, "c1", "a"),
		bucket + "n_2": nodeFileBytes(t, "c2", "b"),
	})
	stop := errors.New("broken pipe")
	calls := 0
	_, err := Walk(context.Background(), fsys, strings.TrimSuffix(bucket, "/"), func(ContainerLog) error {
		calls++
		return stop
	})
	if err != stop || calls != 1 {
		t.Fatalf("Walk returned %v after %d calls, want the callback's error after 1", err, calls)
	}
	_, err = Layout{}.WalkApp(context.Background(), fsys, "u", testApp, func(ContainerLog) error { return stop })
	if err != stop {
		t.Fatalf("WalkApp returned %v, want the callback's error", err)
	}
}

func TestWalkCancelled(t *testing.T) {
	bucket := "/tmp/logs/u/bucket-logs-tfile/0001/" + testApp
	fsys := appTree(t, map[string][]byte{bucket + "/n_1": nodeFileBytes(t, "c1", "a")})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Walk(ctx, fsys, bucket, func(ContainerLog) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled walk: %v", err)
	}
}
