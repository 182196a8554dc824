package appspec

import "testing"

func TestOutcomeRoundTrip(t *testing.T) {
	d := FormatOutcome(4, "asked 3 × 12288 MiB; got 2 in 1m0s")
	code, msg, ok := ParseOutcome(d)
	if !ok || code != 4 || msg != "asked 3 × 12288 MiB; got 2 in 1m0s" {
		t.Fatalf("ParseOutcome(%q) = %d %q %v", d, code, msg, ok)
	}
	for _, foreign := range []string{"", "Application killed by user", "orca-yarn exit x: no", "orca-yarn exit 999: too big"} {
		if _, msg, ok := ParseOutcome(foreign); ok || msg != foreign {
			t.Errorf("ParseOutcome(%q) claimed a marker", foreign)
		}
	}
}

func FuzzParseOutcome(f *testing.F) {
	f.Add(FormatOutcome(1, "rank 2 failed"))
	f.Add("orca-yarn exit 00000000000000000000001: x")
	f.Fuzz(func(t *testing.T, s string) {
		code, _, ok := ParseOutcome(s)
		if ok && (code < 0 || code > 255) {
			t.Fatalf("exit code %d out of range from %q", code, s)
		}
	})
}
