package submitter

import (
	"context"
	"fmt"

	"github.com/orca-yarn/orca-yarn/hadoop/ipc"
	"github.com/orca-yarn/orca-yarn/hadoop/security"
	"github.com/orca-yarn/orca-yarn/hadoop/security/kerberos"
	"github.com/orca-yarn/orca-yarn/hadoop/tokens"
	"github.com/orca-yarn/orca-yarn/yarn"
)

// secureRM sets up the RM connection of a Kerberized cluster: GSSAPI with a login (ticket cache
// or keytab), or the RM delegation token inside a container. The QOP is the cluster's
// hadoop.rpc.protection.
func (c *Cluster) secureRM(ctx context.Context, login Login, opts *yarn.RMOptions) error {
	protection, err := c.Conf.RPCProtection()
	if err != nil {
		return classify(ErrBadInput, err)
	}
	for _, p := range protection {
		opts.QOP = append(opts.QOP, ipc.QOP(p))
	}
	if login.Tokens != nil {
		tok, ok := rmToken(login)
		if !ok {
			return classify(ErrCluster, fmt.Errorf("no RM delegation token in the container's credentials: resubmit with a Kerberos login"))
		}
		opts.Auth = ipc.TokenAuth(yarn.IPCToken(tok.Proto()))
		opts.User = ipc.UserInfo{Effective: c.getenv("HADOOP_USER_NAME")}
		c.User = opts.User.Effective
		return nil
	}
	if c.login, err = kerberos.Login(ctx, kerberos.Options{
		Principal: login.Principal, Keytab: login.Keytab, Getenv: c.getenv, Logger: c.log,
	}); err != nil {
		return classify(ErrCluster, fmt.Errorf("Kerberos login: %w", err))
	}
	if opts.ServerPrincipal, err = c.Conf.RMPrincipal(); err != nil {
		return classify(ErrBadInput, err)
	}
	opts.Auth = ipc.KerberosAuth(c.login.GSSAPI())
	opts.User = ipc.UserInfo{Effective: c.login.Principal()}
	c.User = c.login.UserName()
	if login.ProxyUser != "" {
		opts.User = ipc.UserInfo{Effective: login.ProxyUser, Real: c.login.Principal()}
		c.User = login.ProxyUser
	}
	return nil
}

// rmToken finds the RM delegation token among a container's credentials.
func rmToken(login Login) (tok security.Token, ok bool) {
	ts := login.Tokens.TokensOfKind("RM_DELEGATION_TOKEN")
	if len(ts) == 0 {
		return security.Token{}, false
	}
	return ts[0], true
}

// Tokens fetches the delegation tokens an application needs on a Kerberized cluster (HDFS per
// nameservice, the RM's), renewable by the RM; nil on a simple-auth cluster.
func (c *Cluster) Tokens(ctx context.Context) (*security.Credentials, error) {
	if c.login == nil {
		return nil, nil
	}
	creds, _, err := tokens.Fetch(ctx, tokens.Options{Conf: c.Conf, Login: c.login, ProxyUser: c.proxy, Log: c.log})
	if err != nil {
		return nil, classify(ErrCluster, fmt.Errorf("delegation tokens: %w", tokens.Classify(err)))
	}
	return creds, nil
}
