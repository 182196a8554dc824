package cachegc

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"time"
)

// Remover is the part of an HDFS client that removes (*hdfs.Client has it).
type Remover interface {
	RemoveAll(name string) error
}

// Remove deletes the items and returns those it removed. A failure on one item does not stop
// the others; all failures come back joined. An item already gone counts as removed.
func Remove(ctx context.Context, r Remover, items []Item) ([]Item, error) {
	var done []Item
	var errs []error
	for _, it := range items {
		if err := ctx.Err(); err != nil {
			errs = append(errs, err)
			break
		}
		if err := r.RemoveAll(it.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("remove %s: %w", it.Path, err))
			continue
		}
		done = append(done, it)
	}
	return done, errors.Join(errs...)
}

// ParseAge reads an age as users write it: Go durations (36h, 90m) or whole days (30d).
func ParseAge(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 0 {
			return 0, fmt.Errorf("%q: want whole days such as 30d, or a duration such as 36h", s)
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q: want whole days such as 30d, or a duration such as 36h", s)
	}
	return d, nil
}
