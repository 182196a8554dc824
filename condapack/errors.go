package condapack

import (
	"errors"
	"fmt"
	"strings"
)

// Error classes. Every error this package returns matches at most one of them (errors.Is); a
// cancelled context is returned as such. All of them are the caller's to fix (the CLI exits 2).
var (
	// ErrNoEnv: no env was named or found (--env auto with nothing active, a missing path).
	ErrNoEnv = errors.New("no python env")
	// ErrNotEnv: the path exists but is not a Python env this package can pack.
	ErrNotEnv = errors.New("not a packable python env")
	// ErrRefused: the env would not work after unpacking (an editable install, conda-managed
	// files missing or clobbered, in strict mode an unrelocatable file or RPATH); the message
	// names the file and the override flag where one is safe.
	ErrRefused = errors.New("env refused")
	// ErrChanged: the env changed while it was packed (a file's size or mtime moved after the
	// scan); nothing was published. Scanning again and repacking is the fix.
	ErrChanged = errors.New("env changed while packing")
	// ErrOutput: the archive could not be written (disk full, permission, a bad output path).
	ErrOutput = errors.New("write archive")
)

// classed keeps an error's own chain next to its class, like errclass does for the submitter
// (this package imports nothing of the project).
type classed struct {
	class error
	err   error
}

func (c *classed) Error() string   { return c.err.Error() }
func (c *classed) Unwrap() []error { return []error{c.err, c.class} }

func classify(class, err error) error {
	if err == nil {
		return nil
	}
	return &classed{class: class, err: err}
}

func errorf(class error, format string, args ...any) error {
	return classify(class, fmt.Errorf(format, args...))
}

// refusal collects the reasons an env is refused so one run names all of them, not one per run.
type refusal struct {
	lines []string
	more  int
}

// maxRefusalLines keeps a refusal readable when thousands of files are affected.
const maxRefusalLines = 20

func (r *refusal) add(format string, args ...any) {
	if len(r.lines) >= maxRefusalLines {
		r.more++
		return
	}
	r.lines = append(r.lines, fmt.Sprintf(format, args...))
}

func (r *refusal) err(what, fix string) error {
	if len(r.lines) == 0 {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s:", what)
	for _, l := range r.lines {
		b.WriteString("\n  ")
		b.WriteString(l)
	}
	if r.more > 0 {
		fmt.Fprintf(&b, "\n  ... and %d more", r.more)
	}
	if fix != "" {
		b.WriteString("\n")
		b.WriteString(fix)
	}
	return classify(ErrRefused, errors.New(b.String()))
}
