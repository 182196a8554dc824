//go:build integration

package pyenv

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orca-yarn/orca-yarn/condapack"
	"github.com/orca-yarn/orca-yarn/submitter/envcache"
	"github.com/orca-yarn/orca-yarn/yarnpb/yarnpb"
)

// fixtures builds (or reuses) the fixtures and returns build.sh's exports.
func fixtures(t *testing.T) map[string]string {
	t.Helper()
	cmd := exec.Command("bash", "build.sh")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("build.sh: %v\n%s", err, stderr.String())
	}
	env := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if kv, ok := strings.CutPrefix(sc.Text(), "export "); ok {
			k, v, _ := strings.Cut(kv, "=")
			env[k] = v
		}
	}
	return env
}

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("the relocation check hides paths with mount namespaces: run as root")
	}
	for _, tool := range []string{"unshare", "gcc", "patchelf", "tar", "gzip"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (scripts/install-deps.sh)", tool)
		}
	}
}

// packAndUnpack packs env for the destination the submitter would give it and unpacks it as a
// NodeManager does, at a path like one: <dir>/nm-local/usercache/u/filecache/10/env.tar.gz/.
func packAndUnpack(t *testing.T, prefix, dir string) string {
	t.Helper()
	env, err := condapack.Open(prefix)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	m, err := condapack.Scan(ctx, env, condapack.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	archive := filepath.Join(dir, "env.tar.gz")
	st, err := m.PackFile(ctx, archive, condapack.PackOptions{
		Dest: envcache.Dest("relocation-test", m.Hash, yarnpb.LocalResourceVisibilityProto_PRIVATE),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("packed %s: %d files, %d MB → %d MB in %s, %d relocated, %d warnings",
		prefix, m.Files, m.Bytes>>20, st.BytesOut>>20, st.Total.Round(time.Millisecond), st.Relocated, len(st.Warnings))
	for _, w := range st.Warnings {
		t.Logf("warning: %s", w)
	}
	out := filepath.Join(dir, "nm-local", "usercache", "u", "filecache", "10", "env.tar.gz")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	// FSDownload.unpack, then changePermissions for a PRIVATE resource: files 0500, dirs 0700.
	untar := exec.Command("sh", "-c", `gzip -dc "$1" | (cd "$2" && tar -x) &&
		find "$2" -type d -exec chmod 0700 {} + && find "$2" -type f -exec chmod 0500 {} +`, "untar", archive, out)
	if b, err := untar.CombinedOutput(); err != nil {
		t.Fatalf("unpack: %v: %s", err, b)
	}
	_ = os.Remove(archive)
	return out
}

// verifyHidden runs verify.sh on envDir in a private mount namespace where every original path
// (the fixtures' root, the pyenv interpreters) is an empty read-only tmpfs, /tmp is a fresh tmpfs
// (the destination link lives there and goes with the namespace), and envDir is read-only.
func verifyHidden(t *testing.T, envDir, hide string, args ...string) {
	t.Helper()
	script := `set -e
mount --make-rprivate /
IFS=: ; for h in $HIDE; do mount -t tmpfs -o ro,size=1m none "$h"; done; unset IFS
mount -t tmpfs none /tmp
mount --bind "$ENVDIR" "$ENVDIR"; mount -o remount,bind,ro "$ENVDIR"
exec bash "$VERIFY" "$ENVDIR" "$@"`
	verify, _ := filepath.Abs("verify.sh")
	cmd := exec.Command("unshare", append([]string{"-m", "bash", "-c", script, "verify"}, args...)...)
	cmd.Env = append(os.Environ(), "HIDE="+hide, "ENVDIR="+envDir, "VERIFY="+verify)
	out, err := cmd.CombinedOutput()
	t.Logf("verify.sh %s:\n%s", envDir, out)
	if err != nil {
		t.Fatalf("relocation check failed: %v", err)
	}
}

func scratch(t *testing.T) string {
	t.Helper()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	// Not under /tmp (a fresh tmpfs in the namespace) nor under a hidden path.
	dir, err := filepath.Abs(filepath.Join("..", "..", ".cache", "pyenv-fixture", "verify-"+hex.EncodeToString(b)))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

// TestCondaEnvRelocated: the conda-style fixture (CPython with $ORIGIN RPATHs, conda packages,
// noarch console scripts, a binary with the prefix compiled in, ray/numpy/pyspark from PyPI) works
// from a NodeManager-like path with its original prefix and the pyenv it came from hidden.
func TestCondaEnvRelocated(t *testing.T) {
	requireRoot(t)
	fx := fixtures(t)
	envDir := packAndUnpack(t, fx["ORCA_FIXTURE_CONDA"], scratch(t))
	verifyHidden(t, envDir, fx["ORCA_FIXTURE_HIDE"],
		"--imports", "ray,numpy,pyspark,yaml,cryptography.hazmat.bindings._rust",
		"--script", "ray --version", "--script", "pip --version", "--script", "ipython --version",
		"--script", "aws --version", "--probe")
}

// TestVenvRelocated: a venv whose base interpreter (pyenv, absolute RUNPATH) lives outside it is
// packed with that interpreter and works with both the venv and the base hidden.
func TestVenvRelocated(t *testing.T) {
	requireRoot(t)
	fx := fixtures(t)
	envDir := packAndUnpack(t, fx["ORCA_FIXTURE_VENV"], scratch(t))
	verifyHidden(t, envDir, fx["ORCA_FIXTURE_HIDE"],
		"--imports", "numpy,msgpack", "--script", "numpy-config --version", "--script", "pip --version")
}
