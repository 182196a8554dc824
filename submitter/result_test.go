package submitter

import (
	"errors"
	"testing"

	"github.com/orca-yarn/orca-yarn/appspec"
	"github.com/orca-yarn/orca-yarn/yarn"
)

func TestResultExitCodes(t *testing.T) {
	cases := []struct {
		state yarn.AppState
		final yarn.FinalStatus
		diag  string
		code  int
		class error
	}{
		{yarn.AppRunning, yarn.FinalUndefined, "", -1, nil},
		{yarn.AppFinished, yarn.FinalSucceeded, appspec.FormatOutcome(0, "3 of 3 ranks exited 0"), 0, nil},
		{yarn.AppFinished, yarn.FinalFailed, appspec.FormatOutcome(1, "rank 2 exit code 3"), 1, ErrAppFailed},
		{yarn.AppFinished, yarn.FinalFailed, appspec.FormatOutcome(4, "gang not allocated"), 4, ErrResources},
		{yarn.AppFinished, yarn.FinalKilled, appspec.FormatOutcome(5, "stopped by alice"), 5, ErrKilled},
		{yarn.AppKilled, yarn.FinalKilled, "Application killed by user.", 5, ErrKilled},
		{yarn.AppFailed, yarn.FinalFailed, "AM container exited with exitCode: -104", 1, ErrAppFailed},
	}
	for _, c := range cases {
		r := ResultOf(&yarn.ApplicationReport{State: c.state, FinalStatus: c.final, Diagnostics: c.diag})
		if r.ExitCode != c.code {
			t.Errorf("%s/%s %q: exit %d, want %d", c.state, c.final, c.diag, r.ExitCode, c.code)
		}
		if err := r.ExitClass(); (c.class == nil) != (err == nil) || (c.class != nil && !errors.Is(err, c.class)) {
			t.Errorf("%s/%s: class %v, want %v", c.state, c.final, err, c.class)
		}
	}
}
