package conf

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// NameService is the HDFS that fs.defaultFS names: an HA nameservice or a single NameNode.
type NameService struct {
	// URI is fs.defaultFS as Hadoop reads it ("hdfs://ns1", "hdfs://nn.example.com:8020").
	URI string
	// Logical is the HA nameservice id ("ns1") when fs.defaultFS names one, else "".
	Logical string
	// NameNodes are the RPC servers to try, in dfs.ha.namenodes.<ns> order. A standby
	// answers with org.apache.hadoop.ipc.StandbyException; the caller moves to the next.
	NameNodes []NameNode
}

// HA reports whether fs.defaultFS is a logical (HA) nameservice.
func (ns NameService) HA() bool { return ns.Logical != "" }

// NameNode is one NameNode RPC server.
type NameNode struct {
	// ID is the namenode id from dfs.ha.namenodes.<ns> ("nn1"), or "" without HA.
	ID string
	// Addr is host:port, ready for net.Dial.
	Addr string
	// Key is the configuration key Addr came from (dfs.namenode.rpc-address.ns1.nn1, or
	// fs.defaultFS without HA).
	Key string
}

// NameNodes resolves fs.defaultFS to NameNode addresses the way Java's DFSClient does
// (FileSystem.getDefaultUri, HAUtilClient.isLogicalUri, DFSUtilClient.getAddressesForNameserviceId):
//
//   - hdfs://host[:port]: one NameNode, port 8020 when absent.
//   - hdfs://ns1 where ns1 is listed in dfs.nameservices: HA. The NameNodes are
//     dfs.namenode.rpc-address.ns1.<id> for each id in dfs.ha.namenodes.ns1; ids without an
//     address are skipped, as Java does, and none at all is an error. A port other than 8020
//     in a logical URI is an error, as in Java.
//
// Java also needs dfs.client.failover.proxy.provider.ns1 to treat ns1 as HA; we have no proxy
// classes to pick, so we only need the nameservice listed. fs.defaultFS unset (file:///) is
// ErrNotConfigured; any other scheme (viewfs://, s3a://) is ErrInvalid: we stage on HDFS.
func (c *Config) NameNodes() (NameService, error) {
	u, err := c.defaultFS()
	if err != nil {
		return NameService{}, err
	}
	ns := NameService{URI: u.String()}
	host := u.Hostname()
	if !slices.Contains(c.Strings("dfs.nameservices"), host) {
		addr, err := c.hostPort("fs.defaultFS", u.Host, defaultNameNodePort)
		if err != nil {
			return NameService{}, err
		}
		ns.NameNodes = []NameNode{{Addr: addr, Key: "fs.defaultFS"}}
		return ns, nil
	}
	ns.Logical = host
	if p := u.Port(); p != "" && p != strconv.Itoa(defaultNameNodePort) {
		return NameService{}, c.invalid("fs.defaultFS", u.String(),
			"%q is an HA nameservice (dfs.nameservices): drop the port from the URI", host)
	}
	idsKey := "dfs.ha.namenodes." + host
	ids := c.Strings(idsKey)
	if len(ids) == 0 {
		return NameService{}, fmt.Errorf("%w: fs.defaultFS names nameservice %q but %s is not set: "+
			"list its NameNode ids (e.g. nn1,nn2) in hdfs-site.xml", ErrInvalid, host, idsKey)
	}
	for _, id := range ids {
		k := "dfs.namenode.rpc-address." + host + "." + id
		v, ok := c.Get(k)
		if !ok {
			continue
		}
		addr, err := c.hostPort(k, v, -1)
		if err != nil {
			return NameService{}, err
		}
		ns.NameNodes = append(ns.NameNodes, NameNode{ID: id, Addr: addr, Key: k})
	}
	if len(ns.NameNodes) == 0 {
		return NameService{}, fmt.Errorf("%w: nameservice %q has no NameNode address: set "+
			"dfs.namenode.rpc-address.%s.<id> for the ids in %s (%s)", ErrInvalid, host, host,
			idsKey, strings.Join(ids, ","))
	}
	return ns, nil
}

// defaultFS parses fs.defaultFS like FileSystem.getDefaultUri and requires an hdfs:// URI.
func (c *Config) defaultFS() (*url.URL, error) {
	raw, _ := c.Get("fs.defaultFS")
	name := strings.TrimSpace(raw)
	// FileSystem.fixName: the Hadoop 1 forms "local" and a bare "host:port".
	if name == "local" {
		name = "file:///"
	} else if !strings.Contains(name, "/") {
		name = "hdfs://" + name
	}
	u, err := url.Parse(name)
	switch src, _ := c.Source("fs.defaultFS"); {
	case err != nil:
		return nil, c.invalid("fs.defaultFS", raw, "not a URI: %v", err)
	case strings.EqualFold(u.Scheme, "file") && strings.HasPrefix(src, "built-in"):
		return nil, missing("fs.defaultFS", "core-site.xml",
			"the HDFS to stage files on, e.g. hdfs://namenode.example.com:8020")
	case !strings.EqualFold(u.Scheme, "hdfs"):
		return nil, c.invalid("fs.defaultFS", raw, "orca-yarn needs an hdfs:// file system")
	case u.Hostname() == "":
		return nil, c.invalid("fs.defaultFS", raw, "no NameNode host or nameservice in the URI")
	}
	return u, nil
}

// HostResolver is the part of *net.Resolver that HDFSTokenService needs.
type HostResolver interface {
	LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error)
}

// HDFSTokenService returns the service name to put in the HDFS delegation token of
// fs.defaultFS. The NameNode leaves the service empty; YARN's localizer selects tokens by
// this string, so it must be what Java's DFSClient would write
// (NameNodeProxiesClient.createProxyWithClientProtocol):
//
//   - HA nameservice ns1: "ha-hdfs:ns1" (HAUtilClient.buildTokenServiceForLogicalUri).
//   - one NameNode, hadoop.security.token.service.use_ip=true (the default): "<ip>:<port>",
//     the host resolved with r, IPv4 preferred like the JVM, IPv6 in Java's long form.
//   - one NameNode, use_ip=false: "<host>:<port>" with the host lower-cased as written
//     (Java may further qualify it with the DNS search domain).
//
// r is used only in the second case; nil means net.DefaultResolver.
func (c *Config) HDFSTokenService(ctx context.Context, r HostResolver) (string, error) {
	ns, err := c.NameNodes()
	if err != nil {
		return "", err
	}
	if ns.HA() {
		return "ha-hdfs:" + ns.Logical, nil
	}
	useIP, err := c.Bool("hadoop.security.token.service.use_ip", true)
	if err != nil {
		return "", err
	}
	return BuildTokenService(ctx, r, ns.NameNodes[0].Addr, useIP)
}

// BuildTokenService is Hadoop's SecurityUtil.buildTokenService of host:port: with useIP
// (hadoop.security.token.service.use_ip, default true) the host's address, the first IPv4 one r
// gives (the JVM prefers IPv4), IPv6 in Java's long form; else the host lower-cased as written.
// r nil means net.DefaultResolver.
func BuildTokenService(ctx context.Context, r HostResolver, hostPort string, useIP bool) (string, error) {
	host, port, err := net.SplitHostPort(hostPort)
	if err != nil {
		return "", fmt.Errorf("token service of %q: %w", hostPort, err)
	}
	if !useIP {
		return strings.ToLower(host) + ":" + port, nil
	}
	ip := net.ParseIP(host)
	if ip == nil {
		if r == nil {
			r = net.DefaultResolver
		}
		addrs, err := r.LookupIPAddr(ctx, host)
		if err != nil {
			return "", fmt.Errorf("token service of %s: resolve %s: %w", hostPort, host, err)
		}
		ip = preferIPv4(addrs)
		if ip == nil {
			return "", fmt.Errorf("token service of %s: %s has no address", hostPort, host)
		}
	}
	return javaHostAddress(ip) + ":" + port, nil
}

func preferIPv4(addrs []net.IPAddr) net.IP {
	for _, a := range addrs {
		if v4 := a.IP.To4(); v4 != nil {
			return v4
		}
	}
	if len(addrs) > 0 {
		return addrs[0].IP
	}
	return nil
}

// javaHostAddress formats ip as Java's InetAddress.getHostAddress: dotted IPv4, or all eight
// IPv6 groups in hex without zero compression ("0:0:0:0:0:0:0:1").
func javaHostAddress(ip net.IP) string {
	if v4 := ip.To4(); v4 != nil {
		return v4.String()
	}
	groups := make([]string, 8)
	for i := range groups {
		groups[i] = strconv.FormatUint(uint64(ip[2*i])<<8|uint64(ip[2*i+1]), 16)
	}
	return strings.Join(groups, ":")
}
