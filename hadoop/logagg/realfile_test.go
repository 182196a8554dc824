package logagg_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/orca-yarn/orca-yarn/hadoop/logagg"
)

// What the fixture app's container (fixture_integration_test.go) writes, and so what the real
// node files in testdata/real must decode to.
const (
	fixtureStdoutPrintf = `orca-logagg stdout line 1\nstdout line 2: caf\xc3\xa9\n`
	fixtureStdout       = "orca-logagg stdout line 1\nstdout line 2: café\n"
	fixtureStderrLine   = "orca-logagg stderr line"
	fixtureBigLine      = "orca-logagg-big-line"
	fixtureBigSize      = "1500000"
	fixtureBigBytes     = 1500000
)

// fixtureStderr is the container's whole stderr: its line, then `yes` cut at fixtureBigSize.
func fixtureStderr() string {
	big := strings.Repeat(fixtureBigLine+"\n", fixtureBigBytes/len(fixtureBigLine+"\n")+1)[:fixtureBigBytes]
	return fixtureStderrLine + "\n" + big
}

// The node files in testdata/real were written by the real cluster (Hadoop 3.4.3, TFile, no
// compression) for one run of the fixture app: an AM container (our Go testam) and one worker
// container running fixtureCommand. See fixture_integration_test.go.
const (
	realApp    = "application_1795302001246_0002"
	realAM     = "container_1795302001246_0002_01_000001"
	realWorker = "container_1795302001246_0002_01_000002"
)

// realTree lays the fixtures out as they are on HDFS, under a temporary directory.
func realTree(t *testing.T) logagg.FS {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, "tmp/logs/root/bucket-logs-tfile/0002", realApp)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join("testdata", "real", realApp)
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		name := e.Name()
		if base, ok := strings.CutSuffix(name, ".gz"); ok {
			zr, err := gzip.NewReader(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			if data, err = io.ReadAll(zr); err != nil {
				t.Fatal(err)
			}
			name = base
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return logagg.DirFS(root)
}

func TestRealNodeFiles(t *testing.T) {
	logs := map[string]map[string]string{} // container → file → content
	nodes := map[string]string{}           // container → node
	sum, err := logagg.LayoutFromConf(func(string) (string, bool) { return "", false }).WalkApp(context.Background(), realTree(t), "root", realApp, func(cl logagg.ContainerLog) error {
		data, err := io.ReadAll(cl.Data)
		if err != nil {
			return err
		}
		if int64(len(data)) != cl.Size {
			t.Errorf("%s/%s: %d bytes, announced %d", cl.Container, cl.File, len(data), cl.Size)
		}
		if logs[cl.Container] == nil {
			logs[cl.Container] = map[string]string{}
		}
		logs[cl.Container][cl.File] = string(data)
		nodes[cl.Container] = cl.Node
		if want := strings.Replace(cl.NodeFile, "_", ":", 1); cl.Node != want {
			t.Errorf("node %q from file %q", cl.Node, cl.NodeFile)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := path.Join("/tmp/logs/root/bucket-logs-tfile/0002", realApp); len(sum.Dirs) != 1 || sum.Dirs[0] != want {
		t.Fatalf("read %v, want only %s", sum.Dirs, want)
	}
	if len(sum.Skipped) != 0 || len(sum.Nodes) != 2 {
		t.Fatalf("summary %+v: want 2 node files, none skipped", sum)
	}
	for _, nf := range sum.Nodes {
		if nf.Owner != "root" || nf.Version != 1 || len(nf.ACLs) != 0 || nf.Containers != 1 {
			t.Errorf("node file %+v: want owner root, version 1, no ACLs, 1 container", nf)
		}
	}
	if len(logs) != 2 || nodes[realAM] == nodes[realWorker] {
		t.Fatalf("containers %v on nodes %v: want the AM and the worker, on different nodes", keys(logs), nodes)
	}

	worker := logs[realWorker]
	if got, want := keys(worker), "directory.info launch_container.sh prelaunch.err prelaunch.out stderr stdout"; got != want {
		t.Fatalf("worker files %s, want %s", got, want)
	}
	if worker["stdout"] != fixtureStdout {
		t.Errorf("worker stdout %q, want %q", worker["stdout"], fixtureStdout)
	}
	// 1.5 MB, more than TFile's 1 MiB value chunk: its value is several chunks on disk.
	if worker["stderr"] != fixtureStderr() {
		t.Errorf("worker stderr (%d bytes) differs from the %d bytes the container wrote", len(worker["stderr"]), len(fixtureStderr()))
	}
	if want := "Setting up env variables\nSetting up job resources\nCopying debugging information\nLaunching container\n"; worker["prelaunch.out"] != want {
		t.Errorf("worker prelaunch.out %q", worker["prelaunch.out"])
	}
	if worker["prelaunch.err"] != "" {
		t.Errorf("worker prelaunch.err %q, want empty", worker["prelaunch.err"])
	}
	if want := "yes " + fixtureBigLine + " | head -c " + fixtureBigSize; !strings.Contains(worker["launch_container.sh"], want) {
		t.Errorf("worker launch_container.sh does not run %q", want)
	}

	am := logs[realAM]
	if am["stdout"] != "" {
		t.Errorf("AM stdout %q, want empty", am["stdout"])
	}
	for _, want := range []string{`msg=registered`, `msg=allocated container=` + realWorker, `msg=started`} {
		if !strings.Contains(am["stderr"], want) {
			t.Errorf("AM stderr lacks %q:\n%s", want, am["stderr"])
		}
	}
}

func keys[V any](m map[string]V) string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return strings.Join(ks, " ")
}
