package submitter

import (
	"context"
	"errors"
	"fmt"
	iofs "io/fs"
	"net/url"
	"os"
	"path"
	"strings"

	"github.com/orca-yarn/orca-yarn/appspec"
	"github.com/orca-yarn/orca-yarn/condapack"
	"github.com/orca-yarn/orca-yarn/hadoop/conf"
	"github.com/orca-yarn/orca-yarn/submitter/stage"
	"github.com/orca-yarn/orca-yarn/yarnpb/yarnpb"
)

// isHDFSEnv: --env names an archive already on HDFS (an hdfs:// URI) instead of a local env.
func isHDFSEnv(spec string) bool { return strings.HasPrefix(spec, "hdfs:") }

// archiveOnHDFS uses an env archive that `orca-yarn pack --upload` (or a CI job running it) put
// on HDFS: nothing is packed or uploaded. Where the env must be linked and which interpreter it
// has are in its .orca-pack.json, which the launcher reads after YARN unpacked it, so Link and
// Python stay empty here (appspec.PyEnv). The client-mode driver runs the active env's python
// when there is one, else python3.
func (c *Cluster) archiveOnHDFS(ctx context.Context, fs stage.FS, uri string, public bool) (*PackedEnv, error) {
	nn, err := c.Conf.NameNodes()
	if err != nil {
		return nil, classify(ErrBadInput, err)
	}
	p, err := hdfsPath(uri, nn)
	if err != nil {
		return nil, classify(ErrBadInput, fmt.Errorf("--env %s: %w", uri, err))
	}
	st, err := fs.Stat(p)
	switch {
	case errors.Is(err, iofs.ErrNotExist), errors.Is(err, iofs.ErrPermission):
		return nil, classify(ErrBadInput, fmt.Errorf("--env %s: %w; give the hdfs:// path `orca-yarn pack --upload` printed", uri, err))
	case err != nil:
		return nil, classify(ErrCluster, fmt.Errorf("--env %s: stat on HDFS: %w", uri, err))
	}
	if owner := fileOwner(st); owner != "" && owner != c.User {
		// Its destination link is derived from the packer's user; where that user's containers
		// ran it on the same host, a sticky /tmp keeps us from replacing their link.
		c.log.WithField("owner", owner).Warn("the env archive was packed by another user: if that user also runs it on these hosts, pack your own with `orca-yarn pack --upload`")
	}
	if st.IsDir() || !isEnvArchiveName(p) {
		return nil, badInputf("--env %s: not an env archive (.tar.gz or .tgz); give the hdfs:// path `orca-yarn pack --upload` printed", uri)
	}
	stage.MarkUsed(fs, p, st)
	vis := yarnpb.LocalResourceVisibilityProto_PRIVATE
	if public {
		vis = yarnpb.LocalResourceVisibilityProto_PUBLIC
	}
	res := stage.Resource{Path: p, Size: st.Size(), ModTime: st.ModTime(), Type: yarnpb.LocalResourceTypeProto_ARCHIVE,
		Visibility: vis, Reused: true}
	local, _ := condapack.Find("auto", c.getenv, c.log) // the driver's python in client mode, if any
	return &PackedEnv{Resource: res, Local: local, Spec: appspec.PyEnv{Alias: EnvAlias}}, nil
}

func isEnvArchiveName(p string) bool {
	return strings.HasSuffix(p, ".tar.gz") || strings.HasSuffix(p, ".tgz")
}

// hdfsPath is the path of an hdfs:// URI on the cluster's default filesystem: containers
// localize it from there, so another filesystem's authority is refused rather than ignored.
func hdfsPath(uri string, nn conf.NameService) (string, error) {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "hdfs" || u.Path == "" || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("want hdfs:///path/env.tar.gz or hdfs://%s/path/env.tar.gz", authorityOf(nn))
	}
	if u.Host != "" && !sameFS(u.Host, nn) {
		return "", fmt.Errorf("%s is not this cluster's filesystem (%s); copy the archive there", u.Host, nn.URI)
	}
	return path.Clean(u.Path), nil
}

func sameFS(host string, nn conf.NameService) bool {
	h := normHost(host)
	if nn.Logical != "" && h == normHost(nn.Logical) {
		return true
	}
	for _, n := range nn.NameNodes {
		if h == normHost(n.Addr) {
			return true
		}
	}
	return h == normHost(strings.TrimSuffix(strings.TrimPrefix(nn.URI, "hdfs://"), "/"))
}

// normHost compares authorities as Hadoop does: host names without case, the NameNode's default
// RPC port implied.
func normHost(a string) string {
	return strings.TrimSuffix(strings.ToLower(a), ":8020")
}

func authorityOf(nn conf.NameService) string {
	if nn.Logical != "" {
		return nn.Logical
	}
	return strings.TrimSuffix(strings.TrimPrefix(nn.URI, "hdfs://"), "/")
}

// fileOwner is an HDFS file's owner, "" where the FileInfo does not say.
func fileOwner(fi os.FileInfo) string {
	if o, ok := fi.(interface{ Owner() string }); ok {
		return o.Owner()
	}
	return ""
}
