package stage

import (
	"context"
	"errors"
	"io/fs"
	"strings"
	"testing"
)

func TestHDFSErrClassification(t *testing.T) {
	live := context.Background()
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	p := "/user/ann/.orca-yarn/bin"
	perm := &fs.PathError{Op: "mkdir", Path: p, Err: fs.ErrPermission}

	err := hdfsErr(live, "mkdir", p, perm)
	if !errors.Is(err, ErrCluster) || !errors.Is(err, fs.ErrPermission) || errors.Is(err, ErrBadInput) {
		t.Fatalf("permission denied: %v not classified as a cluster error", err)
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "mkdir hdfs:///user/ann/.orca-yarn/bin: permission denied; ") ||
		!strings.Contains(msg, "hdfs dfs -chown <you> /user/<you>") || strings.Count(msg, p) != 1 {
		t.Fatalf("message %q: want the path once, the cause and the fix", msg)
	}

	err = hdfsErr(cancelled, "write", p, errors.New("broken pipe"))
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrCluster) {
		t.Fatalf("cancelled: %v must be context.Canceled and unclassified", err)
	}
	err = hdfsErr(live, "rename", p, &fs.PathError{Op: "rename", Path: "/other", Err: errors.New("boom")})
	if !errors.Is(err, ErrCluster) || err.Error() != "rename hdfs:///user/ann/.orca-yarn/bin: rename /other: boom" {
		t.Fatalf("other failure: %v", err)
	}
	if hdfsErr(live, "x", p, nil) != nil {
		t.Fatal("nil must stay nil")
	}
}
