package tokens

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"

	"github.com/sirupsen/logrus"

	"github.com/orca-yarn/orca-yarn/hadoop/conf"
	"github.com/orca-yarn/orca-yarn/hadoop/ipc"
	"github.com/orca-yarn/orca-yarn/hadoop/security"
	"github.com/orca-yarn/orca-yarn/hadoop/security/kerberos"
	"github.com/orca-yarn/orca-yarn/yarn"
)

// Options say whose tokens to fetch from which cluster.
type Options struct {
	// Conf is the cluster's client configuration. Required.
	Conf *conf.Config
	// Login is the Kerberos login the tokens are fetched with (a ticket
	// cache on the edge node, a keytab in the AM). Required when Conf says
	// hadoop.security.authentication=kerberos; unused otherwise.
	Login *kerberos.Client
	// Renewer overrides the renewer; empty means the RM principal (see the
	// package doc). Only a renewer whose short name is the RM's lets YARN
	// renew the tokens.
	Renewer string
	// ProxyUser, when set, is the user the tokens are for: Login's
	// principal impersonates it (hadoop.proxyuser.<login>.* must allow it).
	ProxyUser string
	// Log receives one line per token fetched (never a password); nil
	// discards.
	Log *logrus.Entry
}

// Fetch gets an HDFS delegation token for every nameservice and an RM
// delegation token, and returns them as credentials (alias = service) with
// their description. ctx bounds every exchange. Errors are classified with
// Classify.
func Fetch(ctx context.Context, o Options) (*security.Credentials, Info, error) {
	creds, err := fetch(ctx, o, net.DefaultResolver)
	if err != nil {
		return nil, Info{}, Classify(err)
	}
	info := Describe(creds)
	info.Log(o.logger(), "tokens: fetched")
	return creds, info, nil
}

func (o Options) logger() *logrus.Entry {
	if o.Log != nil {
		return o.Log
	}
	l := logrus.New()
	l.SetOutput(io.Discard)
	return logrus.NewEntry(l)
}

// session is what every connection of one Fetch shares.
type session struct {
	user    ipc.UserInfo
	auth    ipc.Auth
	qop     []ipc.QOP
	renewer string
	useIP   bool
	r       resolver
	log     *logrus.Entry
}

func fetch(ctx context.Context, o Options, r resolver) (*security.Credentials, error) {
	if o.Conf == nil {
		return nil, errors.New("tokens: no cluster configuration")
	}
	method, err := o.Conf.AuthMethod()
	if err != nil {
		return nil, err
	}
	if method != conf.AuthKerberos {
		return security.NewCredentials(), nil
	}
	if o.Login == nil {
		return nil, fmt.Errorf("tokens: %w: log in first (kinit, or --principal and --keytab)", ErrNoLogin)
	}
	s := &session{auth: ipc.KerberosAuth(o.Login.GSSAPI()), r: r, log: o.logger()}
	s.user = ipc.UserInfo{Effective: o.Login.Principal()}
	if o.ProxyUser != "" {
		s.user = ipc.UserInfo{Effective: o.ProxyUser, Real: o.Login.Principal()}
	}
	if s.qop, err = rpcQOP(o.Conf); err != nil {
		return nil, err
	}
	if s.useIP, err = o.Conf.Bool("hadoop.security.token.service.use_ip", true); err != nil {
		return nil, err
	}
	rms, err := o.Conf.RMAddresses(conf.RMClient)
	if err != nil {
		return nil, err
	}
	rmAddrs := make([]string, 0, len(rms))
	for _, e := range rms {
		rmAddrs = append(rmAddrs, e.Addr)
	}
	rmPrincipal, err := o.Conf.RMPrincipal()
	if err != nil {
		return nil, err
	}
	s.renewer = o.Renewer
	if s.renewer == "" {
		// YarnClientUtils.getRmPrincipal: _HOST is the first rm-id's host.
		if s.renewer, err = kerberos.ExpandHost(rmPrincipal, rmAddrs[0]); err != nil {
			return nil, err
		}
	}
	creds := security.NewCredentials()
	nss, err := nameServices(o.Conf)
	if err != nil {
		return nil, err
	}
	nnPrincipal, err := o.Conf.NameNodePrincipal()
	if err != nil {
		return nil, err
	}
	for _, ns := range nss {
		t, err := s.hdfsToken(ctx, ns, nnPrincipal)
		if err != nil {
			return nil, err
		}
		creds.Add(t.Service, t)
	}
	t, err := s.rmToken(ctx, rmAddrs, rmPrincipal)
	if err != nil {
		return nil, err
	}
	creds.Add(t.Service, t)
	return creds, nil
}

// rpcQOP is hadoop.rpc.protection, strongest first: our client takes the
// strongest protection the server offers from the configured ones.
func rpcQOP(cfg *conf.Config) ([]ipc.QOP, error) {
	prot, err := cfg.RPCProtection()
	if err != nil {
		return nil, err
	}
	var out []ipc.QOP
	for _, q := range []ipc.QOP{ipc.QOPPrivacy, ipc.QOPIntegrity, ipc.QOPAuth} {
		if slices.Contains(prot, conf.QOP(q)) {
			out = append(out, q)
		}
	}
	return out, nil
}

// hdfsToken asks ns's NameNodes in order until one that is active issues
// the token, and sets its service.
func (s *session) hdfsToken(ctx context.Context, ns nameService, principal string) (security.Token, error) {
	service, err := hdfsService(ctx, s.r, ns, s.useIP)
	if err != nil {
		return security.Token{}, err
	}
	var errs []error
	for _, addr := range ns.nameNodes {
		t, err := s.hdfsTokenFrom(ctx, addr, principal)
		if err == nil {
			t.Service = service
			return t, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil || !nextNameNode(err) {
			break
		}
		s.log.WithError(err).WithField("namenode", addr).Debug("tokens: NameNode not usable, trying the next")
	}
	return security.Token{}, fmt.Errorf("tokens: HDFS delegation token for %s: %w", ns.name, errors.Join(errs...))
}

func (s *session) hdfsTokenFrom(ctx context.Context, addr, principal string) (security.Token, error) {
	nn, err := yarn.DialNameNode(yarn.NameNodeOptions{Addr: addr, User: s.user, Auth: s.auth, QOP: s.qop, ServerPrincipal: principal})
	if err != nil {
		return security.Token{}, err
	}
	defer nn.Close()
	p, ok, err := yarn.HDFSDelegationToken(ctx, nn, s.renewer)
	if err != nil {
		return security.Token{}, fmt.Errorf("NameNode %s: %w", addr, err)
	}
	if !ok {
		return security.Token{}, fmt.Errorf("NameNode %s issued no token: it runs without security, "+
			"unlike this client's configuration (hadoop.security.authentication)", addr)
	}
	return security.TokenFromProto(p), nil
}

// nextNameNode: a standby, or a NameNode that could not be reached, is no
// answer; the next NameNode of the nameservice may be the active one.
func nextNameNode(err error) bool {
	if errors.Is(err, ipc.ErrStandby) {
		return true
	}
	var remote *ipc.RemoteError
	return !errors.As(err, &remote) && errors.Is(err, ipc.ErrRetryable)
}

// rmToken gets an RM delegation token through the RM client port (failing
// over between RMs) and sets its service.
func (s *session) rmToken(ctx context.Context, rms []string, principal string) (security.Token, error) {
	service, err := rmService(ctx, s.r, rms, s.useIP)
	if err != nil {
		return security.Token{}, err
	}
	conn, err := yarn.DialRM(yarn.RMOptions{
		Endpoints: rms, Protocol: yarn.ApplicationClientProtocol, User: s.user, Auth: s.auth, QOP: s.qop,
		ServerPrincipal: principal, Logger: s.log,
	})
	if err != nil {
		return security.Token{}, err
	}
	rm := yarn.NewApplicationClient(conn)
	defer rm.Close()
	p, err := rm.DelegationToken(ctx, s.renewer)
	if err != nil {
		return security.Token{}, fmt.Errorf("tokens: RM delegation token: %w", err)
	}
	t := security.TokenFromProto(p)
	t.Service = service
	return t, nil
}
