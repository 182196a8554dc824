package submitter

import (
	"context"
	"fmt"
	"strings"

	"github.com/orca-yarn/orca-yarn/appspec"
	"github.com/orca-yarn/orca-yarn/submitter/stage"
	"github.com/orca-yarn/orca-yarn/yarnpb/yarnpb"

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

// amLogin stages what the AM needs to log in by itself (--keytab given on a Kerberized cluster):
// the keytab and, when KRB5_CONFIG names one, the Kerberos configuration, as resources of the AM
// container only, never of the workers. It returns those resources, the AM's extra environment
// and the spec's Kerberos part; nothing without a keytab.
func (c *Cluster) amLogin(ctx context.Context, st *stage.AppStaging) (map[string]*yarnpb.LocalResourceProto, map[string]string, *appspec.KerberosSpec, error) {
	if c.login == nil || c.keytab == "" {
		return nil, nil, nil, nil
	}
	files := []string{c.keytab + "#" + appspec.KeytabLink}
	env := map[string]string{}
	if k := c.getenv("KRB5_CONFIG"); k != "" && !strings.Contains(k, ":") {
		files = append(files, k+"#"+appspec.KRB5ConfLink)
		env["KRB5_CONFIG"] = appspec.KRB5ConfLink
	}
	staged, err := st.Add(ctx, stage.Inputs{Files: files})
	if err != nil {
		return nil, nil, nil, err
	}
	spec := &appspec.KerberosSpec{Principal: c.principal, Keytab: appspec.KeytabLink, ProxyUser: c.proxy}
	return staged.Resources, env, spec, nil
}
