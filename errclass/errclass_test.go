package errclass

import (
	"errors"
	"io/fs"
	"testing"
)

func TestWrapKeepsClassAndCause(t *testing.T) {
	class := errors.New("cluster error")
	err := Wrap(class, &fs.PathError{Op: "open", Path: "/x", Err: fs.ErrPermission})
	if !errors.Is(err, class) || !errors.Is(err, fs.ErrPermission) {
		t.Fatalf("%v lost its class or its cause", err)
	}
	if err.Error() != "open /x: permission denied" {
		t.Fatalf("message %q changed", err)
	}
	if Wrap(class, nil) != nil {
		t.Fatal("Wrap(nil) must stay nil")
	}
	if e := Errorf(class, "--num-nodes %d: want at least 1", 0); !errors.Is(e, class) || e.Error() != "--num-nodes 0: want at least 1" {
		t.Fatalf("Errorf = %v", e)
	}
}
