package condapack

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/sirupsen/logrus"
)

// Kind is how an env is laid out, which decides what "managed" means and what gets packed.
type Kind string

const (
	// KindConda: a conda env (conda-meta/ present); conda-meta records say which files belong
	// to which package.
	KindConda Kind = "conda"
	// KindVenv: a venv (pyvenv.cfg); its base interpreter lives outside it and is packed with it.
	KindVenv Kind = "venv"
	// KindPrefix: a plain Python prefix with pip-installed packages (pyenv, python-build-standalone,
	// a `make install` prefix).
	KindPrefix Kind = "prefix"
)

// Env is a Python env on disk, found and classified, not yet read.
type Env struct {
	// Prefix is the env's absolute path as given (symlinks not resolved).
	Prefix string
	Kind   Kind
	// Python is the X.Y version ("3.11"); empty for a conda env without a python package.
	Python string
	// Base is, for a venv, the prefix of its base interpreter (pyvenv.cfg home's parent). The
	// archive is the base's interpreter and standard library with the venv's packages in place of
	// the base's site-packages: a self-contained prefix, no pyvenv.cfg.
	Base string
	// Interpreter is the archive-relative path of the python executable ("bin/python3.11").
	Interpreter string
}

// Find resolves what --env names: "auto" (or "") is the active conda env (CONDA_PREFIX), else the
// active venv (VIRTUAL_ENV); "none" returns nil and no error; anything else is a path.
func Find(spec string, getenv func(string) string, log *logrus.Entry) (*Env, error) {
	switch spec {
	case "none":
		return nil, nil
	case "", "auto":
		conda, venv := getenv("CONDA_PREFIX"), getenv("VIRTUAL_ENV")
		switch {
		case conda != "":
			if venv != "" && log != nil {
				log.WithFields(logrus.Fields{"conda": conda, "venv": venv}).
					Warn("both a conda env and a venv are active; packing the conda env (pass --env to choose)")
			}
			return Open(conda)
		case venv != "":
			return Open(venv)
		}
		return nil, errorf(ErrNoEnv, "--env auto: no active Python env (CONDA_PREFIX and VIRTUAL_ENV are unset); "+
			"activate one (conda activate ENV, or source VENV/bin/activate), or pass --env PATH, or --env none to ship no env")
	}
	return Open(spec)
}

// Open classifies the env at prefix.
func Open(prefix string) (*Env, error) {
	abs, err := filepath.Abs(prefix)
	if err != nil {
		return nil, errorf(ErrNoEnv, "env %s: %v", prefix, err)
	}
	st, err := os.Stat(abs)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, errorf(ErrNoEnv, "env %s does not exist; pass the prefix of a conda env or venv", abs)
	case err != nil:
		return nil, errorf(ErrNoEnv, "env %s: %v", abs, err)
	case !st.IsDir():
		return nil, errorf(ErrNotEnv, "env %s is not a directory; pass the prefix of a conda env or venv", abs)
	}
	e := &Env{Prefix: abs}
	switch {
	case isDir(filepath.Join(abs, "conda-meta")):
		e.Kind = KindConda
		if e.Python, err = condaPython(abs); err != nil {
			return nil, err
		}
	case isFile(filepath.Join(abs, "pyvenv.cfg")):
		e.Kind = KindVenv
		if err := e.openVenv(); err != nil {
			return nil, err
		}
	default:
		if legacy, _ := filepath.Glob(filepath.Join(abs, "lib", "python*", "orig-prefix.txt")); len(legacy) > 0 {
			return nil, errorf(ErrNotEnv, "env %s is a legacy virtualenv (%s): its standard library stays in "+
				"the base interpreter; recreate it with python -m venv", abs, legacy[0])
		}
		e.Kind = KindPrefix
		if e.Python, err = libPython(abs); err != nil {
			return nil, err
		}
	}
	e.Interpreter = interpreter(abs, e.Python)
	if e.Interpreter == "" && e.Kind != KindConda {
		return nil, errorf(ErrNotEnv, "env %s has no bin/python%s", abs, e.Python)
	}
	return e, nil
}

// pythonRecord matches conda-meta file names of the python package; the record's name is checked too.
var pythonRecord = regexp.MustCompile(`^python-[0-9][^-]*-[^-]+\.json$`)

func condaPython(prefix string) (string, error) {
	names, err := os.ReadDir(filepath.Join(prefix, "conda-meta"))
	if err != nil {
		return "", errorf(ErrNotEnv, "env %s: %v", prefix, err)
	}
	var versions []string
	for _, n := range names {
		if !pythonRecord.MatchString(n.Name()) {
			continue
		}
		p := filepath.Join(prefix, "conda-meta", n.Name())
		data, err := os.ReadFile(p)
		if err != nil {
			return "", errorf(ErrNotEnv, "read %s: %v", p, err)
		}
		r, err := ParseRecord(data)
		if err != nil {
			return "", errorf(ErrNotEnv, "%s: %v", p, err)
		}
		if r.Name == "python" {
			versions = append(versions, r.Version)
		}
	}
	switch len(versions) {
	case 0:
		return "", nil
	case 1:
		return majorMinor(versions[0]), nil
	}
	return "", errorf(ErrNotEnv, "env %s has %d python packages in conda-meta (%s); conda allows one: "+
		"repair the env (conda install python=X.Y)", prefix, len(versions), strings.Join(versions, ", "))
}

func majorMinor(v string) string {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return v
	}
	return parts[0] + "." + parts[1]
}

// libPython finds the single lib/pythonX.Y with a standard library (os.py) or site-packages.
func libPython(prefix string) (string, error) {
	dirs, _ := filepath.Glob(filepath.Join(prefix, "lib", "python[0-9]*.[0-9]*"))
	var found []string
	for _, d := range dirs {
		if isFile(filepath.Join(d, "os.py")) || isDir(filepath.Join(d, "site-packages")) {
			found = append(found, strings.TrimPrefix(filepath.Base(d), "python"))
		}
	}
	sort.Strings(found)
	switch len(found) {
	case 0:
		return "", errorf(ErrNotEnv, "%s is not a Python env: no conda-meta/, no pyvenv.cfg and no "+
			"lib/pythonX.Y; pass the prefix of a conda env or venv", prefix)
	case 1:
		return found[0], nil
	}
	return "", errorf(ErrNotEnv, "env %s has several Python versions (lib/python%s); pack one prefix per "+
		"interpreter", prefix, strings.Join(found, ", lib/python"))
}

func interpreter(prefix, version string) string {
	for _, name := range []string{"python" + version, "python3", "python"} {
		if isFile(filepath.Join(prefix, "bin", name)) {
			return "bin/" + name
		}
	}
	return ""
}

// openVenv reads pyvenv.cfg and checks that the base interpreter can be packed with the venv.
func (e *Env) openVenv() error {
	cfgPath := filepath.Join(e.Prefix, "pyvenv.cfg")
	cfg, err := readPyvenvCfg(cfgPath)
	if err != nil {
		return errorf(ErrNotEnv, "read %s: %v", cfgPath, err)
	}
	home := cfg["home"]
	if home == "" || !filepath.IsAbs(home) {
		return errorf(ErrNotEnv, "%s: no absolute home = line naming the base interpreter's directory", cfgPath)
	}
	if strings.EqualFold(cfg["include-system-site-packages"], "true") {
		return errorf(ErrRefused, "venv %s sees its base's site-packages (include-system-site-packages = true "+
			"in %s): the two package sets cannot be merged into one archive reliably; recreate the venv "+
			"without --system-site-packages and install what it needs into it", e.Prefix, cfgPath)
	}
	base := filepath.Clean(home)
	if filepath.Base(base) == "bin" {
		base = filepath.Dir(base)
	}
	if e.Python, err = libPython(e.Prefix); err != nil {
		return err
	}
	if !isFile(filepath.Join(base, "lib", "python"+e.Python, "os.py")) {
		return errorf(ErrNotEnv, "venv %s: its base interpreter's prefix %s has no lib/python%s/os.py "+
			"(was it removed or upgraded?); recreate the venv", e.Prefix, base, e.Python)
	}
	switch real, _ := filepath.EvalSymlinks(base); real {
	case "/", "/usr", "/usr/local":
		return errorf(ErrRefused, "venv %s is based on the system Python in %s, which is not a self-contained "+
			"prefix (it shares %s with everything else on this host, and its libraries come from the OS): "+
			"create the venv from a standalone Python (pyenv, uv python install, conda) instead",
			e.Prefix, real, real)
	}
	e.Base = base
	return nil
}

func readPyvenvCfg(p string) (map[string]string, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cfg := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if ok {
			cfg[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
		}
	}
	return cfg, sc.Err()
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// String is the one-line summary the CLI prints.
func (e *Env) String() string {
	s := fmt.Sprintf("%s (%s", e.Prefix, e.Kind)
	if e.Python != "" {
		s += ", python " + e.Python
	}
	if e.Base != "" {
		s += ", base interpreter " + e.Base
	}
	return s + ")"
}
