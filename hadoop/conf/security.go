package conf

import (
	"fmt"
	"slices"
	"strings"
)

// AuthMethod is hadoop.security.authentication: how this client proves who it is.
type AuthMethod string

const (
	// AuthSimple: the user name is sent in the connection context and believed.
	AuthSimple AuthMethod = "simple"
	// AuthKerberos: SASL GSSAPI with a Kerberos ticket; delegation tokens inside containers.
	AuthKerberos AuthMethod = "kerberos"
)

// AuthMethod returns hadoop.security.authentication (default simple), any case, as Java's
// SecurityUtil.getAuthenticationMethod does. Java also knows token, certificate and
// kerberos_ssl, which are not client login methods; those and typos are ErrInvalid.
func (c *Config) AuthMethod() (AuthMethod, error) {
	raw := c.GetDefault("hadoop.security.authentication", "simple")
	switch m := AuthMethod(strings.ToLower(strings.TrimSpace(raw))); m {
	case AuthSimple, AuthKerberos:
		return m, nil
	}
	return "", c.invalid("hadoop.security.authentication", raw, "want simple or kerberos")
}

// QOP is a SASL quality of protection, as offered and negotiated on a Hadoop RPC connection.
type QOP string

const (
	QOPAuth     QOP = "auth"      // authentication only
	QOPAuthInt  QOP = "auth-int"  // plus integrity (a MAC on every message)
	QOPAuthConf QOP = "auth-conf" // plus confidentiality (encryption)
)

// RPCProtection returns hadoop.rpc.protection as SASL QOPs, in the order written: the value is
// a comma list of authentication, integrity and privacy (any case; default authentication),
// mapped by SaslRpcServer.QualityOfProtection to auth, auth-int and auth-conf. Duplicates are
// dropped; unknown words are ErrInvalid. The SASL layer offers this list to the server.
func (c *Config) RPCProtection() ([]QOP, error) {
	raw := c.GetDefault("hadoop.rpc.protection", "authentication")
	words := c.Strings("hadoop.rpc.protection")
	if len(words) == 0 {
		words = []string{"authentication"}
	}
	var out []QOP
	for _, w := range words {
		var q QOP
		switch strings.ToLower(w) {
		case "authentication":
			q = QOPAuth
		case "integrity":
			q = QOPAuthInt
		case "privacy":
			q = QOPAuthConf
		default:
			return nil, c.invalid("hadoop.rpc.protection", raw,
				"unknown protection %q (want a comma list of authentication, integrity, privacy)", w)
		}
		if !slices.Contains(out, q) {
			out = append(out, q)
		}
	}
	return out, nil
}

// RMPrincipal returns yarn.resourcemanager.principal (e.g. "rm/_HOST@EXAMPLE.COM") with _HOST
// left as written: which host replaces it depends on the RM being dialled, so the caller
// expands it with ExpandPrincipal. It is also the renewer for HDFS delegation tokens. Unset
// is ErrNotConfigured (it has no default; only Kerberos clusters need it).
func (c *Config) RMPrincipal() (string, error) {
	return c.principal("yarn.resourcemanager.principal", "yarn-site.xml",
		"the ResourceManager's Kerberos principal, e.g. rm/_HOST@EXAMPLE.COM")
}

// NameNodePrincipal returns dfs.namenode.kerberos.principal (e.g. "nn/_HOST@EXAMPLE.COM") with
// _HOST left as written, like RMPrincipal.
func (c *Config) NameNodePrincipal() (string, error) {
	return c.principal("dfs.namenode.kerberos.principal", "hdfs-site.xml",
		"the NameNode's Kerberos principal, e.g. nn/_HOST@EXAMPLE.COM")
}

func (c *Config) principal(key, file, why string) (string, error) {
	v, _ := c.Get(key)
	if v = strings.TrimSpace(v); v == "" {
		return "", missing(key, file, why)
	}
	return v, nil
}

// ExpandPrincipal replaces _HOST in a service principal by host, lower-cased, as Hadoop's
// SecurityUtil.getServerPrincipal does: only a principal of exactly the form
// service/_HOST@REALM is changed; anything else is returned as is. host should be the
// canonical name of the server being dialled (Kerberos tickets are per host name). Java falls
// back to the local host name for an empty host or 0.0.0.0; here that is ErrNotConfigured,
// because it almost always means the server's address is not configured.
func ExpandPrincipal(principal, host string) (string, error) {
	parts := splitPrincipal(principal)
	if len(parts) != 3 || parts[1] != "_HOST" {
		return principal, nil
	}
	h := strings.TrimSpace(host)
	if h == "" || h == "0.0.0.0" {
		return "", fmt.Errorf("%w: cannot replace _HOST in %q: the server's host name is %q; "+
			"configure its real address", ErrNotConfigured, principal, host)
	}
	return parts[0] + "/" + strings.ToLower(h) + "@" + parts[2], nil
}

// splitPrincipal is Java's principal.split("[/@]"): split at every '/' and '@', then drop
// trailing empty strings (Java's String.split does).
func splitPrincipal(p string) []string {
	var parts []string
	start := 0
	for i := 0; i < len(p); i++ {
		if p[i] == '/' || p[i] == '@' {
			parts = append(parts, p[start:i])
			start = i + 1
		}
	}
	parts = append(parts, p[start:])
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return parts
}
