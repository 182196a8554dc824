package kerberos

import (
	"fmt"
	"net"
	"strings"

	"github.com/jcmturner/gokrb5/v8/iana/nametype"
	"github.com/jcmturner/gokrb5/v8/types"

	"github.com/orca-yarn/orca-yarn/hadoop/conf"
)

// ExpandHost resolves the _HOST of a configured server principal (e.g.
// yarn.resourcemanager.principal = "rm/_HOST@EXAMPLE.COM") for the server at
// addr ("host:port" or a bare host): "rm/rm1.example.com@EXAMPLE.COM". The
// host is lower-cased, as Hadoop's SecurityUtil.getServerPrincipal does; a
// principal without _HOST comes back unchanged. An address with no usable
// host (empty, 0.0.0.0) is an error: the server's address is not configured.
func ExpandHost(principal, addr string) (string, error) {
	host := addr
	if h, _, err := net.SplitHostPort(addr); err == nil {
		host = h
	}
	p, err := conf.ExpandPrincipal(principal, host)
	if err != nil {
		return "", newError(ErrServerPrincipal, "expand "+principal, err.Error(), nil)
	}
	return p, nil
}

// HDFSServicePrincipal turns dfs.namenode.kerberos.principal into the form
// colinmarc/hdfs wants in ClientOptions.KerberosServicePrincipleName: the
// realm cut off, _HOST left for it to replace per NameNode ("nn/_HOST").
func HDFSServicePrincipal(nnPrincipal string) string {
	name, _, _ := strings.Cut(strings.TrimSpace(nnPrincipal), "@")
	return name
}

// splitPrincipal parses "name[/instance...][@REALM]" into a gokrb5
// principal name and realm ("" when absent). Empty components are refused:
// they are always a typo, and the KDC's answer to them is obscure.
func splitPrincipal(s string) (types.PrincipalName, string, error) {
	s = strings.TrimSpace(s)
	name, realm, hasRealm := strings.Cut(s, "@")
	if name == "" || (hasRealm && realm == "") || strings.Contains(realm, "@") {
		return types.PrincipalName{}, "", fmt.Errorf("principal %q is not of the form name[/instance]@REALM", s)
	}
	parts := strings.Split(name, "/")
	for _, p := range parts {
		if p == "" {
			return types.PrincipalName{}, "", fmt.Errorf("principal %q has an empty component", s)
		}
	}
	nt := int32(nametype.KRB_NT_PRINCIPAL)
	if len(parts) > 1 {
		nt = nametype.KRB_NT_SRV_INST
	}
	return types.PrincipalName{NameType: nt, NameString: parts}, realm, nil
}
