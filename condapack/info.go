package condapack

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// PackInfo is .orca-pack.json, the last member of every archive: what the env needs at run time.
type PackInfo struct {
	// Format of this file; readers refuse a newer one.
	Format int `json:"format"`
	// Dest is where the env must be reachable (see the package doc); empty if packed without one.
	Dest string `json:"dest,omitempty"`
	// Manifest is the Scan hash of the env that was packed.
	Manifest string `json:"manifest"`
	Kind     Kind   `json:"kind"`
	Python   string `json:"python,omitempty"`
	// Interpreter is the python executable's path inside the env ("bin/python3.11").
	Interpreter string `json:"interpreter,omitempty"`
	// Sources are the env's paths on the host it was packed on (for messages and checks: a
	// relocation test hides them).
	Sources []string `json:"sources"`
}

const infoFormat = 1

func (p *packer) info() PackInfo {
	return PackInfo{
		Format: infoFormat, Dest: p.o.Dest, Manifest: p.m.Hash, Kind: p.m.Env.Kind,
		Python: p.m.Env.Python, Interpreter: p.m.Env.Interpreter, Sources: p.m.olds,
	}
}

// ReadPackInfo reads .orca-pack.json of an unpacked env.
func ReadPackInfo(envDir string) (*PackInfo, error) {
	p := filepath.Join(envDir, infoFile)
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	var info PackInfo
	if err := json.Unmarshal(data, &info); err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	if info.Format != infoFormat {
		return nil, fmt.Errorf("%s: format %d, this build reads %d: use the orca-yarn that packed it", p, info.Format, infoFormat)
	}
	if info.Dest != "" && (!filepath.IsAbs(info.Dest) || filepath.Clean(info.Dest) != info.Dest) {
		return nil, fmt.Errorf("%s: dest %q is not a clean absolute path", p, info.Dest)
	}
	return &info, nil
}

// LinkDest makes an unpacked env reachable at its destination: it is the one step the launcher
// must take before starting anything from the env (the package doc has the contract). It returns
// the destination ("" when the env was packed without one, when there is nothing to do).
//
// The destination is a symlink to envDir (resolved). An existing link is kept when it leads to an
// env with the same manifest (another container of the same env on this host, possibly another
// localized copy: same content); anything else at that path that is a symlink is replaced
// atomically (a new link renamed over it). A directory or file there, or a link we may not
// replace (another user's, in a sticky /tmp), is an error naming the path.
func LinkDest(envDir string) (string, error) {
	info, err := ReadPackInfo(envDir)
	if err != nil {
		return "", err
	}
	if info.Dest == "" {
		return "", nil
	}
	target, err := filepath.EvalSymlinks(envDir)
	if err != nil {
		return "", fmt.Errorf("env %s: %w", envDir, err)
	}
	if fi, err := os.Lstat(info.Dest); err == nil {
		if fi.Mode()&fs.ModeSymlink == 0 {
			return "", fmt.Errorf("env destination %s exists and is not a symlink; remove it", info.Dest)
		}
		if other, err := ReadPackInfo(info.Dest); err == nil && other.Manifest == info.Manifest && other.Dest == info.Dest {
			return info.Dest, nil
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("env destination %s: %w", info.Dest, err)
	}
	if err := os.MkdirAll(filepath.Dir(info.Dest), 0o755); err != nil {
		return "", fmt.Errorf("env destination %s: %w", info.Dest, err)
	}
	tmp := fmt.Sprintf("%s.tmp-%d", info.Dest, os.Getpid())
	_ = os.Remove(tmp)
	if err := os.Symlink(target, tmp); err != nil {
		return "", fmt.Errorf("env destination %s: %w", info.Dest, err)
	}
	if err := os.Rename(tmp, info.Dest); err != nil {
		_ = os.Remove(tmp)
		hint := ""
		if errors.Is(err, fs.ErrPermission) {
			hint = " (another user's link: the env archive was packed by that user, who runs it on this host too; pack your own with `orca-yarn pack --upload`, or remove the link as root)"
		}
		return "", fmt.Errorf("env destination %s: %w%s", info.Dest, err, hint)
	}
	return info.Dest, nil
}
