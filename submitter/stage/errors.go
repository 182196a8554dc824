package stage

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/orca-yarn/orca-yarn/errclass"

	"github.com/colinmarc/hdfs/v2"
)

// Outcome classes, shared with the submitter (exit 2 and exit 3).
var (
	// ErrBadInput: a --files/--archives/--py-files entry or a link name is wrong.
	ErrBadInput = errclass.BadInput
	// ErrCluster: HDFS refused or failed (permission denied, NameNode or DataNode trouble).
	ErrCluster = errclass.Cluster
)

// classify marks err with an outcome class (see errclass); nil stays nil.
func classify(class, err error) error { return errclass.Wrap(class, err) }

// badInputf builds a one-line user error: what is wrong, then how to fix it.
func badInputf(format string, args ...any) error {
	return errclass.Errorf(ErrBadInput, format, args...)
}

// hdfsErr wraps a failed HDFS operation on p. A cancelled context stays unclassified, so the
// caller can tell "we were asked to stop" from "HDFS failed". colinmarc/hdfs drops the
// NameNode's AccessControlException text (which names the inode), so we say what to check.
func hdfsErr(ctx context.Context, op, p string, err error) error {
	if err == nil {
		return nil
	}
	if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
		err = fmt.Errorf("%w (after: %w)", ctxErr, err)
	}
	e := &opError{op: op, path: p, err: err}
	switch {
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return e
	case errors.Is(err, fs.ErrPermission):
		e.hint = "your HDFS user needs access to it or its nearest existing parent: ask the owner " +
			"or an HDFS admin (a new user's home is made with: hdfs dfs -mkdir -p /user/<you> && " +
			"hdfs dfs -chown <you> /user/<you>)"
	}
	return classify(ErrCluster, e)
}

// opError prints "op hdfs:///path: cause[; hint]" without the path twice (colinmarc/hdfs
// returns *fs.PathError) and keeps the whole cause for errors.Is.
type opError struct {
	op, path, hint string
	err            error
}

func (e *opError) Error() string {
	cause := e.err
	if pe, ok := cause.(*fs.PathError); ok && pe.Path == e.path {
		cause = pe.Err
	}
	s := fmt.Sprintf("%s hdfs://%s: %v", e.op, e.path, cause)
	// colinmarc/hdfs prints only the Java class; the NameNode's message says what was wrong.
	var remote hdfs.Error
	if errors.As(e.err, &remote) {
		if msg, _, _ := strings.Cut(remote.Message(), "\n"); msg != "" {
			s += " (" + strings.TrimSpace(msg) + ")"
		}
	}
	if e.hint != "" {
		s += "; " + e.hint
	}
	return s
}

func (e *opError) Unwrap() error { return e.err }
