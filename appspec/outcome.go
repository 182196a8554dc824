package appspec

import (
	"fmt"
	"regexp"
	"strconv"
)

// The AM reports its outcome to the RM as a final status plus diagnostics. So that the client can
// give the same exit code whether it watched the whole run or attaches later, the diagnostics start
// with a marker holding the exit code of design.md §3: "orca-yarn exit 4: <sentence>".

var outcomeRe = regexp.MustCompile(`^orca-yarn exit (\d+): `)

// FormatOutcome builds the diagnostics the AM sends with finishApplicationMaster.
func FormatOutcome(exitCode int, msg string) string {
	return fmt.Sprintf("orca-yarn exit %d: %s", exitCode, msg)
}

// ParseOutcome reads a marker written by FormatOutcome; ok is false for diagnostics that carry
// none (the RM's own, e.g. when the AM was killed or never started).
func ParseOutcome(diagnostics string) (exitCode int, msg string, ok bool) {
	m := outcomeRe.FindStringSubmatch(diagnostics)
	if m == nil {
		return 0, diagnostics, false
	}
	code, err := strconv.Atoi(m[1])
	if err != nil || code > 255 {
		return 0, diagnostics, false
	}
	return code, diagnostics[len(m[0]):], true
}
