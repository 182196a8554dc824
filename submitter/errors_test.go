package submitter

import (
	"errors"
	"io/fs"
	"testing"
)

func TestClassifiedKeepsBothChains(t *testing.T) {
	err := classify(ErrCluster, &fs.PathError{Op: "open", Path: "/x", Err: fs.ErrPermission})
	if !errors.Is(err, ErrCluster) || !errors.Is(err, fs.ErrPermission) {
		t.Fatalf("%v lost its class or its cause", err)
	}
	if errors.Is(err, ErrBadInput) {
		t.Fatal("a cluster error must not look like bad input")
	}
	if classify(ErrCluster, nil) != nil {
		t.Fatal("classify(nil) must stay nil")
	}
	if got := badInputf("--num-nodes %d: want at least 1", 0).Error(); got != "--num-nodes 0: want at least 1" {
		t.Fatalf("message %q", got)
	}
}
