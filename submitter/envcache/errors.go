package envcache

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/colinmarc/hdfs/v2"
	"github.com/orca-yarn/orca-yarn/errclass"
)

// Outcome classes, shared with the submitter: the env is the user's to fix (exit 2), HDFS
// trouble is the cluster's (exit 3). A cancelled context is returned unclassified.
var (
	ErrBadInput = errclass.BadInput
	ErrCluster  = errclass.Cluster
)

// envErr classifies a condapack failure: every one of them (no env, refused, changed while
// packing, local disk full) is the user's to fix.
func envErr(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		return err
	}
	return errclass.Wrap(ErrBadInput, err)
}

// hdfsErr wraps a failed HDFS operation on p, saying what to do about a permission problem
// (colinmarc/hdfs drops the NameNode's AccessControlException text, which names the inode).
func hdfsErr(ctx context.Context, op, p string, err error) error {
	if err == nil {
		return nil
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("%s hdfs://%s: %w (after: %v)", op, p, ctxErr, err)
	}
	msg := fmt.Sprintf("%s hdfs://%s: %v", op, p, unwrapPath(err, p))
	var remote hdfs.Error
	if errors.As(err, &remote) {
		if line, _, _ := strings.Cut(remote.Message(), "\n"); line != "" {
			msg += " (" + strings.TrimSpace(line) + ")"
		}
	}
	if errors.Is(err, fs.ErrPermission) {
		msg += "; your HDFS user needs write access to hdfs://" + path.Dir(p) + " (or, if it does not exist, to its " +
			"nearest existing parent): ask the owner or an HDFS admin (a new user's home is made with: " +
			"hdfs dfs -mkdir -p /user/<you> && hdfs dfs -chown <you> /user/<you>)"
	}
	return errclass.Wrap(ErrCluster, &opError{msg: msg, err: err})
}

func unwrapPath(err error, p string) error {
	var pe *fs.PathError
	if errors.As(err, &pe) && pe.Path == p {
		return pe.Err
	}
	return err
}

type opError struct {
	msg string
	err error
}

func (e *opError) Error() string { return e.msg }
func (e *opError) Unwrap() error { return e.err }

func clusterErr(err error) error { return errclass.Wrap(ErrCluster, err) }
func badInput(err error) error   { return errclass.Wrap(ErrBadInput, err) }
