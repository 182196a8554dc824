// Package logline is the unit of container output that travels from a launcher through the AM to
// the client: one line of stdout or stderr, tagged with where it came from and numbered so a
// reader can tell that nothing was lost.
package logline

import (
	"fmt"
	"time"
)

// Source names the container a line came from.
type Source struct {
	Role      string `json:"role"` // head, worker, driver, command, am
	Rank      int    `json:"rank"`
	Container string `json:"container"`
}

// Prefix is how the client prints a line's origin: "[command 2]".
func (s Source) Prefix() string {
	if s.Rank < 0 {
		return "[" + s.Role + "]" // the application master: one of a kind
	}
	return fmt.Sprintf("[%s %d]", s.Role, s.Rank)
}

// Stream is stdout or stderr.
type Stream string

const (
	Stdout Stream = "stdout"
	Stderr Stream = "stderr"
)

// Line is one line of output without its trailing newline. Seq counts the lines of one Source
// from 1 without gaps (per container, across both streams), so losses are detectable end to end.
type Line struct {
	Source Source    `json:"source"`
	Stream Stream    `json:"stream"`
	Seq    uint64    `json:"seq"`
	Time   time.Time `json:"time"`
	Text   string    `json:"text"`
}

// MaxLineBytes bounds one line; longer output is split into several lines so a binary blob on
// stdout cannot exhaust memory anywhere on the path.
const MaxLineBytes = 64 << 10
