package main

import (
	"errors"

	"github.com/orca-yarn/orca-yarn/submitter"
)

// codedError carries the exit code a command decided on, next to the error that caused it.
type codedError struct {
	code int
	err  error
}

func (e *codedError) Error() string { return e.err.Error() }
func (e *codedError) Unwrap() error { return e.err }

// withExitCode attaches the documented exit code to err.
func withExitCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &codedError{code: code, err: err}
}

// exitCodeFor maps an error returned by the CLI to an exit code. Command actions classify their own
// failures with withExitCode; anything unclassified comes from flag or argument parsing in the CLI
// framework itself, which is the caller's mistake (2).
func exitCodeFor(err error) int {
	var coded *codedError
	if errors.As(err, &coded) {
		return coded.code
	}
	for _, c := range []struct {
		class error
		code  int
	}{
		{submitter.ErrInterruptedTerm, exitSIGTERM},
		{submitter.ErrInterrupted, exitSIGINT},
		{submitter.ErrKilled, exitKilledByOther},
		{submitter.ErrResources, exitResources},
		{submitter.ErrCluster, exitCluster},
		{submitter.ErrAppFailed, exitAppFailed},
		{submitter.ErrBadInput, exitUsage},
	} {
		if errors.Is(err, c.class) {
			return c.code
		}
	}
	return exitUsage
}

// quietError keeps an error's exit code but prints nothing more: the details were printed already.
type quietError struct{ err error }

func (q quietError) Error() string { return "" }
func (q quietError) Unwrap() error { return q.err }

func exitOnly(err error) error { return quietError{err} }
