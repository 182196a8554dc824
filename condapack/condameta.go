package condapack

import (
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// Record is the part of a conda-meta/<dist>.json PrefixRecord that packing uses. conda writes one
// per installed package; pip knows nothing of them.
type Record struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Build   string `json:"build"`
	// Files are the package's paths relative to the prefix, as installed (noarch python files
	// already mapped to lib/pythonX.Y/site-packages and bin/).
	Files     []string `json:"files"`
	PathsData *struct {
		Paths []PathData `json:"paths"`
	} `json:"paths_data"`
	// Link is null for packages installed without a package cache (pixi).
	Link *struct {
		Source string `json:"source"`
		Type   int    `json:"type"`
	} `json:"link"`
	URL string `json:"url"`
}

// PathData is one paths_data entry: how conda installed the file.
type PathData struct {
	Path     string `json:"_path"`
	PathType string `json:"path_type"`
	// PrefixPlaceholder is the build prefix conda replaced by the env's prefix at install time;
	// FileMode says how: "text" (any length) or "binary" (NUL-padded, same length).
	PrefixPlaceholder string `json:"prefix_placeholder"`
	FileMode          string `json:"file_mode"`
	// SizeInBytes and SHA256 describe the package's copy; for a placeholder file the installed
	// copy differs (sha256_in_prefix, when conda recorded it).
	SizeInBytes    *int64 `json:"size_in_bytes"`
	SHA256         string `json:"sha256"`
	SHA256InPrefix string `json:"sha256_in_prefix"`
}

// ParseRecord decodes and validates one conda-meta record. Paths must be relative and stay inside
// the prefix: a record is input we did not write, and a path like ../../etc/passwd would otherwise
// be read and archived.
func ParseRecord(data []byte) (*Record, error) {
	var r Record
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("conda-meta record: %w", err)
	}
	if r.Name == "" {
		return nil, fmt.Errorf("conda-meta record: no name")
	}
	for _, f := range r.Files {
		if err := checkRelPath(f); err != nil {
			return nil, fmt.Errorf("conda-meta record %s: files: %w", r.Name, err)
		}
	}
	if r.PathsData != nil {
		for _, p := range r.PathsData.Paths {
			if err := checkRelPath(p.Path); err != nil {
				return nil, fmt.Errorf("conda-meta record %s: paths_data: %w", r.Name, err)
			}
			switch p.FileMode {
			case "", "text", "binary":
			default:
				return nil, fmt.Errorf("conda-meta record %s: %s: unknown file_mode %q", r.Name, p.Path, p.FileMode)
			}
			if p.FileMode != "" && p.PrefixPlaceholder == "" {
				return nil, fmt.Errorf("conda-meta record %s: %s: file_mode without prefix_placeholder", r.Name, p.Path)
			}
			if p.SizeInBytes != nil && *p.SizeInBytes < 0 {
				return nil, fmt.Errorf("conda-meta record %s: %s: negative size_in_bytes", r.Name, p.Path)
			}
		}
	}
	return &r, nil
}

// checkRelPath accepts a clean, relative, slash-separated path that stays inside its root.
func checkRelPath(p string) error {
	switch {
	case p == "":
		return fmt.Errorf("empty path")
	case strings.ContainsRune(p, 0):
		return fmt.Errorf("path %q holds a NUL byte", p)
	case strings.HasPrefix(p, "/"):
		return fmt.Errorf("path %q is absolute", p)
	case path.Clean(p) != p:
		return fmt.Errorf("path %q is not clean", p)
	case p == ".." || strings.HasPrefix(p, "../"):
		return fmt.Errorf("path %q leaves the prefix", p)
	}
	return nil
}

// managedFile is what conda says about one installed path.
type managedFile struct {
	pkg  string // name=version=build, for messages
	data *PathData
}

// condaMeta is every record of an env, indexed by path.
type condaMeta struct {
	records []*Record
	files   map[string]managedFile
	// recordFiles are the conda-meta/*.json paths (relative), hashed into the manifest.
	recordFiles []string
}

func readCondaMeta(prefix string) (*condaMeta, error) {
	dir := filepath.Join(prefix, "conda-meta")
	names, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	m := &condaMeta{files: map[string]managedFile{}}
	for _, n := range names {
		data, err := os.ReadFile(n)
		if err != nil {
			return nil, errorf(ErrNotEnv, "read %s: %v", n, err)
		}
		r, err := ParseRecord(data)
		if err != nil {
			return nil, errorf(ErrNotEnv, "%s: %v; repair the env or remove the stray file", n, err)
		}
		m.records = append(m.records, r)
		m.recordFiles = append(m.recordFiles, "conda-meta/"+filepath.Base(n))
		pkg := r.Name + "=" + r.Version + "=" + r.Build
		byPath := map[string]*PathData{}
		if r.PathsData != nil {
			for i := range r.PathsData.Paths {
				byPath[r.PathsData.Paths[i].Path] = &r.PathsData.Paths[i]
			}
		}
		for _, f := range r.Files {
			// Two packages providing one path: the later record wins, as on extraction (#88).
			m.files[f] = managedFile{pkg: pkg, data: byPath[f]}
		}
	}
	return m, nil
}
