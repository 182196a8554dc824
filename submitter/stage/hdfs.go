package stage

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path"
	"strings"
	"time"

	"github.com/colinmarc/hdfs/v2"
	"github.com/orca-yarn/orca-yarn/hadoop/conf"
	"github.com/orca-yarn/orca-yarn/yarn"
)

// FS is what staging needs from HDFS. *hdfs.Client satisfies it; the interface exists so the
// logic above it can be read and reasoned about apart from the wire client.
type FS interface {
	Stat(name string) (os.FileInfo, error)
	ReadDir(dirname string) ([]os.FileInfo, error)
	MkdirAll(dirname string, perm os.FileMode) error
	Create(name string) (*hdfs.FileWriter, error)
	Rename(oldpath, newpath string) error
	RemoveAll(name string) error
	Chmod(name string, perm os.FileMode) error
}

var _ FS = (*hdfs.Client)(nil)

// HDFSOptions says who we are to HDFS. It is the seam for Kerberos: a credentialed
// gokrb5 client and the NameNode principal (conf.Config.NameNodePrincipal) will join User.
type HDFSOptions struct {
	// User is the HDFS user on a cluster with SIMPLE authentication (HADOOP_USER_NAME or the
	// OS user, as the caller decides). Required.
	User string
	// DialTimeout bounds each TCP connect to a NameNode or DataNode; 0 means 20 s.
	DialTimeout time.Duration
}

// NewHDFS connects to the HDFS of fs.defaultFS as opts.User: every NameNode of an HA
// nameservice (the client fails over between them), and DataNodes by host name when
// dfs.client.use.datanode.hostname says so (multi-homed clusters and the local test cluster
// need it). The first NameNode call happens here; ctx bounds it.
func NewHDFS(ctx context.Context, cfg *conf.Config, opts HDFSOptions) (*hdfs.Client, error) {
	if opts.User == "" {
		return nil, badInputf("no HDFS user: set HADOOP_USER_NAME")
	}
	if auth, err := cfg.AuthMethod(); err != nil {
		return nil, classify(ErrBadInput, err)
	} else if auth != conf.AuthSimple {
		return nil, badInputf("HDFS with hadoop.security.authentication=%s is not supported yet; "+
			"use a cluster with simple authentication", auth)
	}
	ns, err := cfg.NameNodes()
	if err != nil {
		return nil, classify(ErrBadInput, err)
	}
	useHostname, err := cfg.Bool("dfs.client.use.datanode.hostname", false)
	if err != nil {
		return nil, classify(ErrBadInput, err)
	}
	addrs := make([]string, 0, len(ns.NameNodes))
	for _, nn := range ns.NameNodes {
		addrs = append(addrs, nn.Addr)
	}
	timeout := opts.DialTimeout
	if timeout == 0 {
		timeout = 20 * time.Second
	}
	dial := (&net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}).DialContext
	copts := hdfs.ClientOptions{
		Addresses: addrs, User: opts.User, UseDatanodeHostname: useHostname,
		NamenodeDialFunc: dial, DatanodeDialFunc: dial,
	}
	// hdfs.NewClient takes no context: run it aside and stop waiting when ctx ends.
	type result struct {
		c   *hdfs.Client
		err error
	}
	done := make(chan result, 1)
	go func() {
		c, err := hdfs.NewClient(copts)
		done <- result{c, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			return nil, classify(ErrCluster, fmt.Errorf("connect to HDFS %s (%s) as %q: %w",
				ns.URI, strings.Join(addrs, ","), opts.User, r.err))
		}
		return r.c, nil
	case <-ctx.Done():
		go func() {
			if r := <-done; r.c != nil {
				_ = r.c.Close()
			}
		}()
		return nil, fmt.Errorf("connect to HDFS %s: %w", ns.URI, ctx.Err())
	}
}

// HomeDir is Hadoop's home of user on HDFS (FileSystem.getHomeDirectory).
func HomeDir(user string) string { return path.Join("/user", user) }

// BinDir is where UploadContentAddressed keeps the orca-yarn binary of each build.
func BinDir(user string) string { return path.Join(HomeDir(user), ".orca-yarn", "bin") }

// StagingRoot holds one staging directory per application.
func StagingRoot(user string) string { return path.Join(HomeDir(user), ".orca-yarn", "staging") }

// StagingDir is the per-application staging directory.
func StagingDir(user string, app yarn.ApplicationID) string {
	return path.Join(StagingRoot(user), app.String())
}

// isNotExist matches HDFS's FileNotFoundException as colinmarc/hdfs reports it.
func isNotExist(err error) bool { return errors.Is(err, os.ErrNotExist) }
