package conf

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Sentinels for errors.Is. Both mean the user has to fix something on their side (their
// environment or their *-site.xml), which the CLI reports with exit code 2.
var (
	// ErrNotConfigured: something needed is absent: HADOOP_CONF_DIR unset or not a directory,
	// no *-site.xml in it, or a key the caller needs (say, a Kerberos principal) unset.
	ErrNotConfigured = errors.New("missing Hadoop client configuration")
	// ErrInvalid: something is present but wrong: malformed XML, an expansion cycle, a value
	// that is not a number/boolean/address, an unknown authentication method or protection.
	ErrInvalid = errors.New("invalid Hadoop client configuration")
)

// entry is one key's value and where it came from.
type entry struct {
	value  string
	source string // a file path, or "built-in <name>-default.xml"
}

// Config is a loaded, expanded Hadoop client configuration. It is read-only after Load and
// safe for concurrent use.
type Config struct {
	vals  map[string]entry
	files []string
}

// Get returns the value of key after ${...} expansion, untrimmed as Hadoop's
// Configuration.get returns it. ok is false when no file and no built-in default sets it.
// The deprecated name fs.default.name reads fs.defaultFS, as in Hadoop.
func (c *Config) Get(key string) (value string, ok bool) {
	e, ok := c.vals[deprecatedKey(key)]
	return e.value, ok
}

// GetDefault returns Get(key), or def when the key is unset.
func (c *Config) GetDefault(key, def string) string {
	if v, ok := c.Get(key); ok {
		return v
	}
	return def
}

// Source says where key's value came from: the path of the *-site.xml (or included file), or
// "built-in core-default.xml" and the like. ok is false when the key is unset.
func (c *Config) Source(key string) (source string, ok bool) {
	e, ok := c.vals[deprecatedKey(key)]
	return e.source, ok
}

// Map returns a copy of every expanded value, built-in defaults included, for libraries that
// take a Hadoop conf as a map (colinmarc/hdfs's hadoopconf.HadoopConf is map[string]string).
func (c *Config) Map() map[string]string {
	m := make(map[string]string, len(c.vals))
	for k, e := range c.vals {
		m[k] = e.value
	}
	return m
}

// Files lists the files Load read, in load order (includes after the file including them).
func (c *Config) Files() []string { return append([]string(nil), c.files...) }

// Strings returns key as a trimmed, comma-separated list without empty items, like Hadoop's
// getTrimmedStringCollection. An unset key gives nil.
func (c *Config) Strings(key string) []string {
	v, _ := c.Get(key)
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Int returns key as a 32-bit integer as Hadoop's getInt reads it: trimmed, decimal or
// 0x-prefixed hex. def is returned when the key is unset (nowhere, not even in the built-in
// defaults). A value that is not an int is an ErrInvalid error naming key and file.
func (c *Config) Int(key string, def int) (int, error) {
	v, err := c.parseInt(key, 32)
	if errors.Is(err, errUnset) {
		return def, nil
	}
	return int(v), err
}

// Int64 is Int for Hadoop's getLong (64-bit).
func (c *Config) Int64(key string, def int64) (int64, error) {
	v, err := c.parseInt(key, 64)
	if errors.Is(err, errUnset) {
		return def, nil
	}
	return v, err
}

// errUnset is internal: the key has no value.
var errUnset = errors.New("unset")

func (c *Config) parseInt(key string, bits int) (int64, error) {
	raw, ok := c.Get(key)
	if !ok {
		return 0, errUnset
	}
	s, base := strings.TrimSpace(raw), 10
	if neg, ok := strings.CutPrefix(s, "-"); ok && hasHexPrefix(neg) {
		s, base = "-"+neg[2:], 16
	} else if hasHexPrefix(s) {
		s, base = s[2:], 16
	}
	v, err := strconv.ParseInt(s, base, bits)
	if err != nil {
		return 0, c.invalid(key, raw, "not a %d-bit integer", bits)
	}
	return v, nil
}

func hasHexPrefix(s string) bool {
	return strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X")
}

// Bool returns key as Hadoop's getBoolean reads it: trimmed, "true" or "false" in any case;
// unset or empty gives def. Hadoop logs a warning and uses the default for anything else;
// we return an ErrInvalid error instead, so a typo does not silently change behaviour.
func (c *Config) Bool(key string, def bool) (bool, error) {
	raw, ok := c.Get(key)
	s := strings.TrimSpace(raw)
	switch {
	case !ok || s == "":
		return def, nil
	case strings.EqualFold(s, "true"):
		return true, nil
	case strings.EqualFold(s, "false"):
		return false, nil
	}
	return false, c.invalid(key, raw, "not a boolean (want true or false)")
}

// Duration returns key as Hadoop's getTimeDuration reads it: an integer with an optional
// suffix ns, us, ms, s, m, h or d (any case); a bare number is in unit. def is returned when
// the key is unset. Keys Hadoop reads with getInt (most ipc.* timeouts are plain
// milliseconds) are also accepted here, with the suffix as a harmless extra.
func (c *Config) Duration(key string, def, unit time.Duration) (time.Duration, error) {
	raw, ok := c.Get(key)
	if !ok {
		return def, nil
	}
	s := strings.ToLower(strings.TrimSpace(raw))
	// Suffixes in Hadoop's match order: "ms" must win over "s", and "ns"/"us" too.
	for _, u := range []struct {
		suffix string
		d      time.Duration
	}{{"ns", time.Nanosecond}, {"us", time.Microsecond}, {"ms", time.Millisecond},
		{"s", time.Second}, {"m", time.Minute}, {"h", time.Hour}, {"d", 24 * time.Hour}} {
		if n, ok := strings.CutSuffix(s, u.suffix); ok {
			s, unit = n, u.d
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, c.invalid(key, raw, "not a duration (want an integer with an optional unit "+
			"ns, us, ms, s, m, h or d)")
	}
	if unit > 0 && (n > math.MaxInt64/int64(unit) || n < math.MinInt64/int64(unit)) {
		return 0, c.invalid(key, raw, "duration out of range")
	}
	return time.Duration(n) * unit, nil
}

// invalid builds the ErrInvalid error for a bad value of key.
func (c *Config) invalid(key, raw, format string, args ...any) error {
	src, _ := c.Source(key)
	return fmt.Errorf("%w: %s=%q (from %s): %s", ErrInvalid, key, raw, src,
		fmt.Sprintf(format, args...))
}

// missing builds the ErrNotConfigured error for a key the caller needs.
func missing(key, file, why string) error {
	return fmt.Errorf("%w: %s is not set: add it to %s (%s)", ErrNotConfigured, key, file, why)
}
