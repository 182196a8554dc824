// Package hdfsconn connects to a cluster's HDFS (colinmarc/hdfs) the way Hadoop's own client
// would from the cluster configuration: every NameNode of an HA nameservice, DataNodes by host
// name when dfs.client.use.datanode.hostname says so, bounded dials. Both the submitter (staging)
// and the AM (clean-up of the staging directory) use it.
package hdfsconn

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/colinmarc/hdfs/v2"
	"github.com/orca-yarn/orca-yarn/hadoop/conf"
)

// ErrConfig marks a connection refused before any network I/O because of the configuration (the
// user's to fix).
var ErrConfig = errors.New("hdfs configuration")

// Options says who we are to HDFS. It is the seam for Kerberos: a credentialed
// gokrb5 client and the NameNode principal (conf.Config.NameNodePrincipal) will join User.
type Options struct {
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
func Connect(ctx context.Context, cfg *conf.Config, opts Options) (*hdfs.Client, error) {
	if opts.User == "" {
		return nil, fmt.Errorf("%w: no HDFS user: set HADOOP_USER_NAME", ErrConfig)
	}
	if auth, err := cfg.AuthMethod(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	} else if auth != conf.AuthSimple {
		return nil, fmt.Errorf("%w: HDFS with hadoop.security.authentication=%s is not supported yet; "+
			"use a cluster with simple authentication", ErrConfig, auth)
	}
	ns, err := cfg.NameNodes()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	useHostname, err := cfg.Bool("dfs.client.use.datanode.hostname", false)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
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
			return nil, (fmt.Errorf("connect to HDFS %s (%s) as %q: %w",
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

// CloseReplicated closes an HDFS file, retrying while the NameNode has not yet heard from the
// DataNodes about the last block, with backoff as Java's DFSClient.completeFile does.
func CloseReplicated(ctx context.Context, w *hdfs.FileWriter) error {
	backoff := 50 * time.Millisecond
	for attempt := 0; ; attempt++ {
		err := w.Close()
		if !errors.Is(err, hdfs.ErrReplicating) || attempt == 8 {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
		backoff *= 2
	}
}
