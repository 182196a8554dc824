package submitter

import (
	"errors"

	"github.com/orca-yarn/orca-yarn/errclass"
)

// Outcome classes. Every error the submitter returns matches exactly one of them (errors.Is).
var (
	// ErrBadInput: the request itself is wrong (flags, files, config): exit 2.
	ErrBadInput = errclass.BadInput
	// ErrCluster: the cluster, HDFS, authentication or the submission failed: exit 3.
	ErrCluster = errclass.Cluster
	// ErrResources: what was asked cannot be granted (above the maximum, allocation timeout): exit 4.
	ErrResources = errors.New("resources not obtainable")
	// ErrAppFailed: the application ran and failed (user code or containers beyond the restart
	// policy): exit 1.
	ErrAppFailed = errors.New("application failed")
	// ErrKilled: someone else killed the application (yarn kill, orca-yarn kill, the RM): exit 5.
	ErrKilled = errors.New("application killed")
	// ErrInterrupted: we received SIGINT and killed the application: exit 130.
	ErrInterrupted = errors.New("interrupted")
	// ErrInterruptedTerm: we received SIGTERM (Airflow's stop) and killed the application: exit 143.
	ErrInterruptedTerm = errors.New("terminated")
)

// classify marks err with an outcome class (see errclass); nil stays nil.
func classify(class, err error) error { return errclass.Wrap(class, err) }

// badInputf builds a one-line user error: what is wrong, then how to fix it.
func badInputf(format string, args ...any) error {
	return errclass.Errorf(ErrBadInput, format, args...)
}
