// Package errclass marks an error with a class (a sentinel such as "bad input" or "cluster
// error") while keeping the error's own chain, so callers can ask both errors.Is(err, class) and
// errors.Is(err, fs.ErrPermission). The CLI turns classes into exit codes.
package errclass

import (
	"errors"
	"fmt"
)

// The outcome classes of design.md §3; cmd/orca-yarn maps each to its exit code.
var (
	// BadInput: the request itself is wrong (flags, files, config): exit 2.
	BadInput = errors.New("bad input")
	// Cluster: the cluster, HDFS, authentication or the submission failed: exit 3.
	Cluster = errors.New("cluster error")
)

type classified struct {
	class error
	err   error
}

func (c *classified) Error() string   { return c.err.Error() }
func (c *classified) Unwrap() []error { return []error{c.err, c.class} }

// Wrap returns err marked with class; nil stays nil.
func Wrap(class, err error) error {
	if err == nil {
		return nil
	}
	return &classified{class: class, err: err}
}

// Errorf builds a classified error from a format, e.g. a one-line user error that says what is
// wrong and how to fix it.
func Errorf(class error, format string, args ...any) error {
	return Wrap(class, fmt.Errorf(format, args...))
}
