package hdfsconn

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/orca-yarn/orca-yarn/hadoop/conf"
	"github.com/orca-yarn/orca-yarn/hadoop/ipc"
	"github.com/orca-yarn/orca-yarn/hadoop/security"
)

// clientProtocol is the NameNode's client protocol name.
const clientProtocol = "org.apache.hadoop.hdfs.protocol.ClientProtocol"

// probe makes the call Connect's first one was (getServerDefaults: an empty request) as the
// same user through hadoop/ipc, which reports the server's own exception, and returns its
// failure, or nil when it works (then colinmarc failed for a reason of its own). The
// NameNodes are tried in order, a standby passing to the next.
func probe(ctx context.Context, cfg *conf.Config, ns conf.NameService, opts Options, token *security.Token, timeout time.Duration) error {
	co := ipc.ClientOptions{Protocol: clientProtocol, MaxConnectAttempts: 1, ConnectTimeout: timeout}
	switch {
	case token != nil:
		qops, err := rpcQOPs(cfg)
		if err != nil {
			return err
		}
		co.QOP = qops
		co.Auth = ipc.TokenAuth(ipc.Token{Identifier: token.Identifier, Password: token.Password.Reveal(),
			Kind: token.Kind, Service: token.Service})
	case opts.Login != nil:
		principal, err := cfg.NameNodePrincipal()
		if err != nil {
			return err
		}
		qops, err := rpcQOPs(cfg)
		if err != nil {
			return err
		}
		co.Auth, co.ServerPrincipal, co.QOP = ipc.KerberosAuth(opts.Login.GSSAPI()), principal, qops
		co.User = ipc.UserInfo{Effective: opts.Login.Principal()}
		if opts.ProxyUser != "" {
			co.User = ipc.UserInfo{Effective: opts.ProxyUser, Real: opts.Login.Principal()}
		}
	default:
		co.Auth = ipc.SimpleAuth()
		co.User = ipc.UserInfo{Effective: opts.User}
		if opts.ProxyUser != "" {
			co.User = ipc.UserInfo{Effective: opts.ProxyUser, Real: opts.User}
		}
	}
	var errs []error
	for _, nn := range ns.NameNodes {
		co.Addr = nn.Addr
		c, err := ipc.NewClient(co)
		if err != nil {
			return err
		}
		err = c.Call(ctx, "getServerDefaults", &emptypb.Empty{}, &emptypb.Empty{})
		_ = c.Close()
		if err == nil {
			return nil
		}
		if !errors.Is(err, ipc.ErrStandby) {
			return err
		}
		errs = append(errs, err)
	}
	return fmt.Errorf("every NameNode is a standby: %w", errors.Join(errs...))
}

// rpcQOPs is hadoop.rpc.protection, strongest first.
func rpcQOPs(cfg *conf.Config) ([]ipc.QOP, error) {
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
