package logagg

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

type gotLog struct {
	node, container, file string
	size                  int64
	data                  string
}

func readAll(t *testing.T, data []byte, name string) (NodeFile, []gotLog, error) {
	t.Helper()
	var logs []gotLog
	nf, err := ReadNodeFile(context.Background(), bytes.NewReader(data), int64(len(data)), name, func(cl ContainerLog) error {
		b, err := io.ReadAll(cl.Data)
		logs = append(logs, gotLog{cl.Node, cl.Container, cl.File, cl.Size, string(b)})
		return err
	})
	return nf, logs, err
}

// splitEvery cuts b into chunks of n bytes, as ChunkEncoder does, so that chunk boundaries
// fall inside file names, lengths and data alike.
func splitEvery(b []byte, n int) [][]byte {
	var out [][]byte
	for len(b) > n {
		out = append(out, b[:n])
		b = b[n:]
	}
	return append(out, b)
}

func TestReadNodeFile(t *testing.T) {
	c1 := containerValue(logFile{"stderr", "warning: x\n"}, logFile{"stdout", "hello\nworld\n"})
	c2 := containerValue(logFile{"prelaunch.err", ""}, logFile{"stdout", strings.Repeat("line\n", 100_000)})
	recs := aggRecords("alice", []string{"VIEW_APP", "alice,bob admins", "MODIFY_APP", "alice"},
		kv(utf("container_1700000000000_0007_01_000001"), c1),
		rec{key: utf("container_1700000000000_0007_01_000002"), chunks: splitEvery(c2, 7)},
	)
	want := []gotLog{
		{"nm-7.example.com:45454", "container_1700000000000_0007_01_000001", "stderr", 11, "warning: x\n"},
		{"nm-7.example.com:45454", "container_1700000000000_0007_01_000001", "stdout", 12, "hello\nworld\n"},
		{"nm-7.example.com:45454", "container_1700000000000_0007_01_000002", "prelaunch.err", 0, ""},
		{"nm-7.example.com:45454", "container_1700000000000_0007_01_000002", "stdout", 500_000, strings.Repeat("line\n", 100_000)},
	}
	for _, codec := range []string{"none", "gz"} {
		t.Run(codec, func(t *testing.T) {
			data := buildTFile(t, tfileSpec{codec: codec, blocks: [][]rec{recs[:4], recs[4:]}})
			nf, logs, err := readAll(t, data, "nm-7.example.com_45454")
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(logs) != fmt.Sprint(want) {
				t.Fatalf("logs:\n%.300v\nwant:\n%.300v", logs, want)
			}
			wantNF := NodeFile{Name: "nm-7.example.com_45454", Node: "nm-7.example.com:45454", Owner: "alice",
				ACLs: map[string]string{"VIEW_APP": "alice,bob admins", "MODIFY_APP": "alice"}, Version: 1, Containers: 2}
			if fmt.Sprint(nf) != fmt.Sprint(wantNF) {
				t.Fatalf("node file %+v, want %+v", nf, wantNF)
			}
		})
	}
}

// The callback may stop early or read part of a file; what it leaves is skipped.
func TestReadNodeFileCallback(t *testing.T) {
	data := buildTFile(t, tfileSpec{codec: "gz", blocks: [][]rec{aggRecords("u", nil,
		kv(utf("container_1_0001_01_000001"), containerValue(logFile{"a", "aaaa"}, logFile{"b", "bbbb"})),
		kv(utf("container_1_0001_01_000002"), containerValue(logFile{"c", "cccc"})),
	)}})
	var files []string
	_, err := ReadNodeFile(context.Background(), bytes.NewReader(data), int64(len(data)), "n_1", func(cl ContainerLog) error {
		files = append(files, cl.File)
		_, err := cl.Data.Read(make([]byte, 1))
		return err
	})
	if err != nil || strings.Join(files, "") != "abc" {
		t.Fatalf("files %v, %v; want a b c", files, err)
	}

	stop := errors.New("enough")
	files = nil
	_, err = ReadNodeFile(context.Background(), bytes.NewReader(data), int64(len(data)), "n_1", func(cl ContainerLog) error {
		files = append(files, cl.File)
		return stop
	})
	if err != stop || len(files) != 1 {
		t.Fatalf("after the callback failed: files %v, error %v; want [a], the callback's own error", files, err)
	}
}

func TestReadNodeFileCancelled(t *testing.T) {
	data := buildTFile(t, tfileSpec{blocks: [][]rec{aggRecords("u", nil, kv(utf("c"), containerValue(logFile{"a", "x"})))}})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := ReadNodeFile(ctx, bytes.NewReader(data), int64(len(data)), "n_1", func(ContainerLog) error { return nil })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled read: %v, want context.Canceled", err)
	}
}

func TestReadNodeFileCorrupt(t *testing.T) {
	cases := []struct {
		name string
		rec  rec
	}{
		{"length not a number", kv(utf("container_1"), append(append(utf("stdout"), utf("12a")...), "x"...))},
		{"negative length", kv(utf("container_1"), append(utf("stdout"), utf("-1")...))},
		{"data shorter than its length", kv(utf("container_1"), append(append(utf("stdout"), utf("10")...), "short"...))},
		{"name without a length", kv(utf("container_1"), utf("stdout"))},
		{"half a name length", kv(utf("container_1"), []byte{0})},
		{"key not a writeUTF string", kv([]byte("container_1"), nil)},
		{"VERSION too short", kv(utf("VERSION"), []byte{0, 1})},
		{"APPLICATION_OWNER empty", kv(utf("APPLICATION_OWNER"), nil)},
		{"APPLICATION_ACL without its acl", kv(utf("APPLICATION_ACL"), utf("VIEW_APP"))},
	}
	for _, c := range cases {
		data := buildTFile(t, tfileSpec{codec: "none", blocks: [][]rec{{c.rec}}})
		_, _, err := readAll(t, data, "n_1")
		t.Logf("%s: %v", c.name, err)
		if !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: %v, want ErrCorrupt", c.name, err)
		}
	}
}

func TestNodeFromFileName(t *testing.T) {
	for _, c := range []struct{ file, node string }{
		{"nm1.orca.test_8041", "nm1.orca.test:8041"},
		{"nm1.orca.test_8041_1700000000000", "nm1.orca.test:8041"}, // rolling aggregation
		{"host_with_underscores_45454", "host_with_underscores:45454"},
		{"10.0.0.7_0", "10.0.0.7:0"},
		{"weird", "weird"},
		{"host_", "host_"},
	} {
		if got := nodeFromFileName(c.file); got != c.node {
			t.Errorf("nodeFromFileName(%q) = %q, want %q", c.file, got, c.node)
		}
	}
}
