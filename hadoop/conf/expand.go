package conf

import (
	"fmt"
	"strings"
)

// maxSubst is Hadoop's Configuration.MAX_SUBST: how many ${...} replacements one value may
// need before Hadoop gives up with "Variable substitution depth too large".
const maxSubst = 20

// expander resolves ${...} in values as Hadoop 3's Configuration.substituteVars does
// (h341 Configuration.java, substituteVars and findSubVariable):
//
//   - ${env.NAME} is the environment variable NAME; ${env.NAME:-dflt} uses dflt when NAME is
//     unset or empty, ${env.NAME-dflt} when NAME is unset. (Our environment is a
//     func(string) string, so an empty variable counts as unset for the "-" form too.)
//   - any other ${name} is first a Java system property, then the configuration key name.
//     Of the system properties we have only user.name, the OS user running us.
//   - the left-most variable is replaced, then the result is scanned again, so values that
//     expand to ${...} are expanded in turn.
//   - an unknown variable stops expansion: the value keeps "${name}" literally.
//   - a value that contains its own reference (a=x${a}) is returned unexpanded.
//   - a value still holding a variable after maxSubst-1 replacements is an error (Hadoop's
//     loop makes maxSubst scans); a cycle through two or more keys (a=${b}, b=${a}) ends
//     there, and our error names the key being expanded.
type expander struct {
	raw      map[string]entry
	getenv   func(string) string
	userName string
}

func (x *expander) expand(key, expr string) (string, error) {
	eval := expr
	for range maxSubst {
		start, end := findSubVariable(eval)
		if start < 0 {
			return eval, nil
		}
		name := eval[start:end]
		val, ok := x.lookup(name)
		if !ok {
			return eval, nil
		}
		ref := eval[start-2 : end+1] // "${name}"
		if strings.Contains(val, ref) {
			return expr, nil
		}
		eval = eval[:start-2] + val + eval[end+1:]
	}
	return "", fmt.Errorf("%w: %s=%q (from %s): ${...} expansion did not finish within %d steps "+
		"(Hadoop's limit): do keys refer to each other in a cycle?", ErrInvalid, key, expr,
		x.raw[key].source, maxSubst)
}

// lookup is one step of substituteVars: environment or system property, then the raw conf.
func (x *expander) lookup(name string) (string, bool) {
	if v, ok := strings.CutPrefix(name, "env."); ok && v != "" {
		if val, ok := x.env(v); ok {
			return val, true
		}
	} else if name == "user.name" && x.userName != "" {
		return x.userName, true
	}
	e, ok := x.raw[deprecatedKey(name)]
	return e.value, ok
}

// env handles NAME, NAME:-default and NAME-default, in Java's scan order (first ':-' or '-').
func (x *expander) env(v string) (string, bool) {
	get := func(n string) string {
		if x.getenv == nil {
			return ""
		}
		return x.getenv(n)
	}
	for i := 0; i < len(v); i++ {
		if v[i] == ':' && i < len(v)-1 && v[i+1] == '-' {
			if val := get(v[:i]); val != "" {
				return val, true
			}
			return v[i+2:], true
		}
		if v[i] == '-' {
			if val := get(v[:i]); val != "" {
				return val, true
			}
			return v[i+1:], true
		}
	}
	val := get(v)
	return val, val != ""
}

// findSubVariable returns the bounds of the name in the left-most "${name}" of eval, where a
// name is non-empty and holds no '}', '$' or ' ' (Hadoop's hand-written version of the regex
// \$\{[^\}\$ ]+\}). It returns -1, -1 when there is none.
func findSubVariable(eval string) (int, int) {
	matchStart := 1
	for {
		lb := indexFrom(eval, '{', matchStart)
		// A match needs '$' before the brace and room for at least "{c}".
		if lb <= 0 || lb+2 >= len(eval) {
			return -1, -1
		}
		if eval[lb-1] != '$' {
			matchStart = lb + 1
			continue
		}
		subStart, n, restart := lb+1, 0, -1
		for i := subStart; i < len(eval) && restart < 0; i++ {
			switch c := eval[i]; {
			case c == '}' && n > 0:
				return subStart, subStart + n
			case c == '}' || c == ' ' || c == '$':
				restart = i + 1
			default:
				n++
			}
		}
		if restart < 0 {
			return -1, -1 // "${" ran to the end of the string
		}
		matchStart = restart
	}
}

// indexFrom is Java's String.indexOf(ch, from).
func indexFrom(s string, c byte, from int) int {
	if from >= len(s) {
		return -1
	}
	i := strings.IndexByte(s[from:], c)
	if i < 0 {
		return -1
	}
	return from + i
}
