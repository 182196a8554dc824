package tokens

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strings"

	"github.com/orca-yarn/orca-yarn/hadoop/conf"
)

// haServicePrefix is HAUtilClient's HA_DT_SERVICE_PREFIX plus the scheme:
// the service of an HA nameservice's token is "ha-hdfs:<nameservice>".
const haServicePrefix = "ha-hdfs:"

// defaultNameNodePort is HdfsClientConfigKeys.DFS_NAMENODE_RPC_PORT_DEFAULT.
const defaultNameNodePort = "8020"

// resolver is the part of *net.Resolver the service names need.
type resolver interface {
	LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error)
}

// nameService is one HDFS namespace to get a token from.
type nameService struct {
	name      string   // the nameservice id, or the NameNode's host:port without HA
	ha        bool     // a logical (HA) nameservice
	nameNodes []string // host:port of its NameNodes, in configuration order
}

// nameServices lists fs.defaultFS's namespace, then every nameservice of
// dfs.nameservices not seen yet, as the token fetch visits them.
func nameServices(cfg *conf.Config) ([]nameService, error) {
	def, err := cfg.NameNodes()
	if err != nil {
		return nil, err
	}
	first := nameService{name: def.Logical, ha: def.HA()}
	for _, nn := range def.NameNodes {
		first.nameNodes = append(first.nameNodes, nn.Addr)
	}
	if !first.ha {
		first.name = first.nameNodes[0]
	}
	out := []nameService{first}
	for _, id := range cfg.Strings("dfs.nameservices") {
		if slices.ContainsFunc(out, func(s nameService) bool { return s.ha && s.name == id }) {
			continue
		}
		ns, err := configuredNameService(cfg, id)
		if err != nil {
			return nil, err
		}
		if !slices.ContainsFunc(out, func(s nameService) bool { return !ns.ha && !s.ha && s.name == ns.name }) {
			out = append(out, ns)
		}
	}
	return out, nil
}

// configuredNameService resolves one id of dfs.nameservices the way
// DFSUtilClient.getAddressesForNameserviceId does: the NameNodes of
// dfs.ha.namenodes.<id> when listed, else dfs.namenode.rpc-address.<id>.
func configuredNameService(cfg *conf.Config, id string) (nameService, error) {
	if nnIDs := cfg.Strings("dfs.ha.namenodes." + id); len(nnIDs) > 0 {
		ns := nameService{name: id, ha: true}
		for _, nn := range nnIDs {
			key := "dfs.namenode.rpc-address." + id + "." + nn
			if v, ok := cfg.Get(key); ok && strings.TrimSpace(v) != "" {
				addr, err := withPort(key, v)
				if err != nil {
					return nameService{}, err
				}
				ns.nameNodes = append(ns.nameNodes, addr)
			}
		}
		if len(ns.nameNodes) == 0 {
			return nameService{}, fmt.Errorf("%w: nameservice %q lists NameNodes %s but none has a "+
				"dfs.namenode.rpc-address.%s.<id>", conf.ErrInvalid, id, strings.Join(nnIDs, ","), id)
		}
		return ns, nil
	}
	key := "dfs.namenode.rpc-address." + id
	v, ok := cfg.Get(key)
	if !ok || strings.TrimSpace(v) == "" {
		return nameService{}, fmt.Errorf("%w: dfs.nameservices lists %q but neither dfs.ha.namenodes.%s "+
			"nor %s is set", conf.ErrInvalid, id, id, key)
	}
	addr, err := withPort(key, v)
	if err != nil {
		return nameService{}, err
	}
	return nameService{name: addr, nameNodes: []string{addr}}, nil
}

// withPort parses a NameNode RPC address, adding the default port when it
// has none, as NetUtils.createSocketAddr does with a default port.
func withPort(key, v string) (string, error) {
	v = strings.TrimSpace(v)
	if _, _, err := net.SplitHostPort(v); err == nil {
		return v, nil
	}
	if strings.Contains(strings.Trim(v, "[]"), ":") && !strings.HasPrefix(v, "[") {
		return "", fmt.Errorf("%w: %s=%q is not host:port", conf.ErrInvalid, key, v)
	}
	return net.JoinHostPort(strings.Trim(v, "[]"), defaultNameNodePort), nil
}

// hdfsService is the service of ns's delegation token (DFSClient /
// HAUtilClient): "ha-hdfs:<id>" for HA, else buildTokenService of its
// NameNode.
func hdfsService(ctx context.Context, r resolver, ns nameService, useIP bool) (string, error) {
	if ns.ha {
		return haServicePrefix + ns.name, nil
	}
	return buildTokenService(ctx, r, ns.nameNodes[0], useIP)
}

// rmService is the service of an RM delegation token
// (ClientRMProxy.getTokenService): buildTokenService of each RM's client
// address, joined by "," (no spaces) when there are several (RM HA).
func rmService(ctx context.Context, r resolver, rms []string, useIP bool) (string, error) {
	parts := make([]string, 0, len(rms))
	for _, addr := range rms {
		s, err := buildTokenService(ctx, r, addr, useIP)
		if err != nil {
			return "", err
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ","), nil
}

// buildTokenService is SecurityUtil.buildTokenService (conf.BuildTokenService).
func buildTokenService(ctx context.Context, r resolver, hostPort string, useIP bool) (string, error) {
	return conf.BuildTokenService(ctx, r, hostPort, useIP)
}
