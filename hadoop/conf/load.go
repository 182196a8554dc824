package conf

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strings"
)

// Dirs says where the client configuration lives and what ${env.*} and ${user.name} expand to.
type Dirs struct {
	// Hadoop is $HADOOP_CONF_DIR: core-site.xml, hdfs-site.xml (and yarn-site.xml unless Yarn
	// has one).
	Hadoop string
	// Yarn is $YARN_CONF_DIR. When set, yarn-site.xml and resource-types.xml are taken from
	// here first. Hadoop 3's bin/yarn goes further and replaces HADOOP_CONF_DIR by
	// YARN_CONF_DIR altogether (hadoop_deprecate_envvar in yarn-config.sh); looking each file
	// up in both directories gives the same result when YARN_CONF_DIR holds a full conf,
	// and the expected one when it holds only yarn-site.xml.
	Yarn string
	// Getenv answers ${env.NAME}; nil means an empty environment.
	Getenv func(string) string
	// UserName answers ${user.name}, which Java takes from its user.name system property
	// (the OS account, not HADOOP_USER_NAME).
	UserName string
}

// DirsFromEnv reads HADOOP_CONF_DIR and YARN_CONF_DIR through getenv (pass os.Getenv), keeps
// getenv for ${env.*} expansion and takes ${user.name} from the OS account. It fails with
// ErrNotConfigured, and a message that says what to export, when neither variable is set.
func DirsFromEnv(getenv func(string) string) (Dirs, error) {
	d := Dirs{Hadoop: getenv("HADOOP_CONF_DIR"), Yarn: getenv("YARN_CONF_DIR"), Getenv: getenv}
	if u, err := user.Current(); err == nil {
		d.UserName = u.Username
	} else {
		d.UserName = getenv("USER")
	}
	if d.Hadoop == "" && d.Yarn == "" {
		hint := ""
		if home := getenv("HADOOP_HOME"); home != "" {
			hint = fmt.Sprintf("; with HADOOP_HOME=%s it is usually %s", home,
				filepath.Join(home, "etc", "hadoop"))
		}
		return d, errNoConfDir(hint)
	}
	return d, nil
}

// errNoConfDir is the error for "no configuration directory given", with what to export.
func errNoConfDir(hint string) error {
	return fmt.Errorf("%w: HADOOP_CONF_DIR is not set: export HADOOP_CONF_DIR=/etc/hadoop/conf "+
		"(the directory holding core-site.xml and yarn-site.xml)%s", ErrNotConfigured, hint)
}

// resource is one step of the load order.
type resource struct {
	file     string       // site file name looked up in dirs, or "" for a built-in default
	builtin  *defaultFile // built-in defaults of this step
	yarnSide bool         // look in Dirs.Yarn before Dirs.Hadoop
}

// loadOrder is the order in which Java's Configuration/HdfsConfiguration/YarnConfiguration
// add their default resources; later steps override earlier ones unless a key is final.
func loadOrder() []resource {
	core, hdfs, yarn := coreDefaults(), hdfsDefaults(), yarnDefaults()
	return []resource{
		{builtin: &core}, {file: "core-site.xml"},
		{builtin: &hdfs}, {file: "hdfs-site.xml"},
		{builtin: &yarn}, {file: "yarn-site.xml", yarnSide: true},
		{file: "resource-types.xml", yarnSide: true},
	}
}

// maxIncludeDepth bounds xi:include nesting; Java has no bound and overflows its stack on a
// cycle.
const maxIncludeDepth = 16

// Load reads the client configuration from dirs: core-site.xml, hdfs-site.xml, yarn-site.xml
// and resource-types.xml (each optional, but at least one of the *-site.xml must exist),
// layered over the built-in defaults in Hadoop's order, with final honoured and every value
// ${...}-expanded. Problems with the directories wrap ErrNotConfigured; malformed XML (named
// by file and line) and expansion cycles wrap ErrInvalid.
func Load(dirs Dirs) (*Config, error) {
	searchH, searchY, err := searchPaths(dirs)
	if err != nil {
		return nil, err
	}
	l := &loader{raw: map[string]entry{}, final: map[string]bool{}}
	found := 0
	for _, r := range loadOrder() {
		if r.builtin != nil {
			for _, kv := range r.builtin.props {
				l.set(property{name: kv[0], value: kv[1], hasValue: true}, "built-in "+r.builtin.name)
			}
			continue
		}
		search := searchH
		if r.yarnSide {
			search = searchY
		}
		path, ok := firstExisting(search, r.file)
		if !ok {
			continue
		}
		if r.file != "resource-types.xml" {
			found++
		}
		props, err := l.readFile(path, 0)
		if err != nil {
			return nil, err
		}
		for _, p := range props {
			l.set(p, p.file)
		}
	}
	if found == 0 {
		return nil, fmt.Errorf("%w: no core-site.xml, hdfs-site.xml or yarn-site.xml in %s: "+
			"point HADOOP_CONF_DIR at the cluster's client configuration (often /etc/hadoop/conf)",
			ErrNotConfigured, strings.Join(searchH, " or "))
	}
	return l.expandAll(dirs)
}

// searchPaths validates the directories and returns the lookup order for core/hdfs files and
// for yarn files.
func searchPaths(dirs Dirs) (hadoopFirst, yarnFirst []string, err error) {
	if dirs.Hadoop == "" && dirs.Yarn == "" {
		return nil, nil, errNoConfDir("")
	}
	for _, d := range []struct{ name, dir string }{{"HADOOP_CONF_DIR", dirs.Hadoop}, {"YARN_CONF_DIR", dirs.Yarn}} {
		if d.dir == "" {
			continue
		}
		st, err := os.Stat(d.dir)
		if err != nil || !st.IsDir() {
			why := "not a directory"
			if errors.Is(err, fs.ErrNotExist) {
				why = "no such directory"
			} else if err != nil {
				why = err.Error()
			}
			return nil, nil, fmt.Errorf("%w: %s=%s: %s: export %s=<the directory holding "+
				"core-site.xml and yarn-site.xml>", ErrNotConfigured, d.name, d.dir, why, d.name)
		}
	}
	h, y := nonEmpty(dirs.Hadoop, dirs.Yarn), nonEmpty(dirs.Yarn, dirs.Hadoop)
	return h, y, nil
}

func nonEmpty(dirs ...string) []string {
	var out []string
	for _, d := range dirs {
		if d != "" && (len(out) == 0 || out[0] != d) {
			out = append(out, d)
		}
	}
	return out
}

func firstExisting(dirs []string, name string) (string, bool) {
	for _, d := range dirs {
		p := filepath.Join(d, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, true
		}
	}
	return "", false
}

// loader accumulates properties in load order.
type loader struct {
	raw   map[string]entry
	final map[string]bool
	files []string
}

// set applies one property as Configuration.loadProperty does: a final key keeps its value
// (Hadoop logs "an attempt to override final parameter" and ignores it), a property without
// value sets nothing, and final takes effect even then.
func (l *loader) set(p property, source string) {
	name := deprecatedKey(p.name)
	if p.hasValue && !l.final[name] {
		l.raw[name] = entry{value: p.value, source: source}
	}
	if p.final {
		l.final[name] = true
	}
}

func (l *loader) readFile(path string, depth int) ([]property, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: reading %s: %w", ErrInvalid, path, err)
	}
	l.files = append(l.files, path)
	return parseResource(data, path, func(from, href string) ([]property, bool, error) {
		return l.include(from, href, depth+1)
	})
}

// include follows an xi:include href as Hadoop does for files: an absolute path, a file: URL,
// or a path relative to the including file's directory. Other URLs (http:, classpath
// resources) cannot be followed without a JVM and are an error.
func (l *loader) include(from, href string, depth int) ([]property, bool, error) {
	if depth > maxIncludeDepth {
		return nil, false, fmt.Errorf("%w: xi:include nested deeper than %d (do files include each other?)",
			ErrInvalid, maxIncludeDepth)
	}
	target := href
	if rest, ok := strings.CutPrefix(href, "file:"); ok {
		target = strings.TrimPrefix(rest, "//")
	} else if strings.Contains(href, "://") {
		return nil, false, fmt.Errorf("%w: xi:include %q: only files can be included", ErrInvalid, href)
	}
	if !filepath.IsAbs(target) {
		target = filepath.Join(filepath.Dir(from), target)
	}
	if st, err := os.Stat(target); err != nil || st.IsDir() {
		return nil, false, nil
	}
	props, err := l.readFile(target, depth)
	return props, err == nil, err
}

// expandAll expands every value once, so errors (cycles) surface here and Get cannot fail.
// Keys are visited in sorted order to report the same key on every run.
func (l *loader) expandAll(dirs Dirs) (*Config, error) {
	x := &expander{raw: l.raw, getenv: dirs.Getenv, userName: dirs.UserName}
	vals := make(map[string]entry, len(l.raw))
	for _, k := range slices.Sorted(maps.Keys(l.raw)) {
		e := l.raw[k]
		v, err := x.expand(k, e.value)
		if err != nil {
			return nil, err
		}
		vals[k] = entry{value: v, source: e.source}
	}
	return &Config{vals: vals, files: l.files}, nil
}
