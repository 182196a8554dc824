package hdfsconn

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/colinmarc/hdfs/v2"

	"github.com/orca-yarn/orca-yarn/hadoop/conf"
	"github.com/orca-yarn/orca-yarn/hadoop/ipc/sasl"
	"github.com/orca-yarn/orca-yarn/hadoop/security"
	"github.com/orca-yarn/orca-yarn/hadoop/security/kerberos"
	"github.com/orca-yarn/orca-yarn/hadoop/tokens"
)

// ErrConfig marks a connection refused before any network I/O because of the configuration (the
// user's to fix).
var ErrConfig = errors.New("hdfs configuration")

// Options says who we are to HDFS.
type Options struct {
	// User is the HDFS user on a cluster with SIMPLE authentication (HADOOP_USER_NAME or the
	// OS user, as the caller decides); required there. With Kerberos the login is the user.
	User string
	// Login is the Kerberos login (kerberos.Login). On a cluster that says
	// hadoop.security.authentication=kerberos it, or Tokens, is required; unused otherwise.
	Login *kerberos.Client
	// Tokens, on a Kerberos cluster without Login, are credentials holding the HDFS delegation
	// token of fs.defaultFS (its service as tokens.Fetch sets it): the NameNode connection
	// authenticates with it, for an AM or a container that has tokens and no keytab. The
	// token's owner is the user.
	Tokens *security.Credentials
	// ProxyUser, when set, is the user to act as; the login (or User) impersonates it. Not
	// with Tokens: a token already names its user.
	ProxyUser string
	// DialTimeout bounds each TCP connect to a NameNode or DataNode, and each DataNode SASL
	// handshake; 0 means 20 s.
	DialTimeout time.Duration
}

// Connect connects to the HDFS of fs.defaultFS (see the package doc for authentication, data
// protection and proxy users) and makes the first NameNode call; ctx bounds both.
func Connect(ctx context.Context, cfg *conf.Config, opts Options) (*hdfs.Client, error) {
	p, err := newPlan(ctx, cfg, opts)
	if err != nil {
		return nil, err
	}
	fs, err := connect(ctx, p.copts, p.encrypt)
	if err == nil {
		return fs, nil
	}
	if (p.secure || opts.ProxyUser != "") && ctx.Err() == nil {
		// colinmarc reports refused logins and impersonations as "unexpected sequence number"
		// or a bare SASL error: ask the same question through hadoop/ipc, which keeps the
		// server's exception, for a classified error.
		if perr := probe(ctx, cfg, p.ns, opts, p.token, p.timeout); perr != nil {
			err = fmt.Errorf("%w (colinmarc/hdfs: %v)", perr, err)
		}
	}
	return nil, fmt.Errorf("connect to HDFS %s (%s) as %s: %w", p.ns.URI, strings.Join(p.copts.Addresses, ","), p.who(opts), tokens.Classify(err))
}

// plan is a connection worked out from the configuration and Options, before any I/O.
type plan struct {
	copts   hdfs.ClientOptions
	ns      conf.NameService
	secure  bool
	token   *security.Token // NameNode authentication by delegation token
	timeout time.Duration
	// encrypt is set from the server defaults once connected: the DataNodes then use
	// colinmarc's own encryption with the NameNode's data encryption key, not our SASL.
	encrypt *atomic.Bool
}

func newPlan(ctx context.Context, cfg *conf.Config, opts Options) (*plan, error) {
	auth, err := cfg.AuthMethod()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	p := &plan{secure: auth == conf.AuthKerberos, timeout: opts.DialTimeout, encrypt: new(atomic.Bool)}
	switch {
	case p.secure && opts.Login == nil && opts.Tokens == nil:
		return nil, fmt.Errorf("%w: HDFS uses Kerberos (hadoop.security.authentication=kerberos): %w", ErrConfig, tokens.ErrNoLogin)
	case p.secure && opts.Login == nil:
		if opts.ProxyUser != "" {
			return nil, fmt.Errorf("%w: a proxy user needs a Kerberos login, not tokens", ErrConfig)
		}
		t, err := hdfsToken(ctx, cfg, opts.Tokens)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrConfig, err)
		}
		p.token = &t
	case !p.secure && opts.User == "":
		return nil, fmt.Errorf("%w: no HDFS user: set HADOOP_USER_NAME", ErrConfig)
	}
	if p.ns, err = cfg.NameNodes(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	useHostname, err := cfg.Bool("dfs.client.use.datanode.hostname", false)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	if p.timeout == 0 {
		p.timeout = 20 * time.Second
	}
	dial := (&net.Dialer{Timeout: p.timeout, KeepAlive: 30 * time.Second}).DialContext
	p.copts = hdfs.ClientOptions{User: opts.User, UseDatanodeHostname: useHostname, NamenodeDialFunc: dial, DatanodeDialFunc: dial}
	for _, nn := range p.ns.NameNodes {
		p.copts.Addresses = append(p.copts.Addresses, nn.Addr)
	}
	if err := p.nameNodeAuth(cfg, opts, dial); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	if p.secure {
		if err := p.dataNodeAuth(cfg, dial); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrConfig, err)
		}
	}
	return p, nil
}

type dialFunc = func(ctx context.Context, network, addr string) (net.Conn, error)

// nameNodeAuth sets how colinmarc authenticates to the NameNodes: Kerberos its own way, a
// token through dialToken, a proxy user through proxyConn.
func (p *plan) nameNodeAuth(cfg *conf.Config, opts Options, dial dialFunc) error {
	switch {
	case p.token != nil:
		qops, err := rpcQOPs(cfg)
		if err != nil {
			return err
		}
		p.copts.User = tokenOwner(*p.token)
		p.copts.NamenodeDialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
			return dialToken(ctx, dial, network, addr, *p.token, qops, p.timeout)
		}
		return nil
	case p.secure:
		principal, err := cfg.NameNodePrincipal()
		if err != nil {
			return err
		}
		p.copts.KerberosClient = opts.Login.KRB5()
		p.copts.KerberosServicePrincipleName = kerberos.HDFSServicePrincipal(principal)
	}
	if opts.ProxyUser != "" {
		p.copts.NamenodeDialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := dial(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return newProxyConn(c, opts.ProxyUser, opts.User), nil
		}
	}
	return nil
}

// dataNodeAuth puts our DataNode SASL under colinmarc when dfs.data.transfer.protection asks
// for it (colinmarc itself is told there is none: see datatransfer.go).
func (p *plan) dataNodeAuth(cfg *conf.Config, dial dialFunc) error {
	qops, err := dataTransferQOPs(cfg)
	if err != nil || qops == nil {
		return err
	}
	p.copts.DatanodeDialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil || p.encrypt.Load() || privilegedPort(c) {
			// Java's SaslDataTransferClient skips SASL for a DataNode on a privileged port (a
			// root-started secure DataNode).
			return c, err
		}
		return newSASLDataConn(c, qops, p.timeout), nil
	}
	return nil
}

// who names the user for errors.
func (p *plan) who(opts Options) string {
	who := opts.User
	switch {
	case p.token != nil:
		who = p.copts.User + " (HDFS delegation token " + p.token.Service + ")"
	case p.secure:
		who = opts.Login.Principal()
	}
	if opts.ProxyUser != "" {
		who = opts.ProxyUser + " (proxied by " + who + ")"
	}
	return who
}

// connect runs hdfs.NewClient and the first call aside (they take no context) and stops
// waiting when ctx ends; a client that connects after that is closed.
func connect(ctx context.Context, copts hdfs.ClientOptions, encrypt *atomic.Bool) (*hdfs.Client, error) {
	type result struct {
		c   *hdfs.Client
		err error
	}
	done := make(chan result, 1)
	go func() {
		c, err := hdfs.NewClient(copts)
		if err == nil {
			var d hdfs.ServerDefaults
			if d, err = c.ServerDefaults(); err != nil {
				_ = c.Close()
				c = nil
			} else {
				encrypt.Store(d.EncryptDataTransfer)
			}
		}
		done <- result{c, err}
	}()
	select {
	case r := <-done:
		return r.c, r.err
	case <-ctx.Done():
		go func() {
			if r := <-done; r.c != nil {
				_ = r.c.Close()
			}
		}()
		return nil, ctx.Err()
	}
}

// dataTransferQOPs is dfs.data.transfer.protection, strongest first (nil when unset): the
// DataNode offers its own list and we take the strongest we share, as colinmarc and Hadoop RPC
// clients do.
func dataTransferQOPs(cfg *conf.Config) ([]sasl.QOP, error) {
	v, ok := cfg.Get("dfs.data.transfer.protection")
	if !ok || strings.TrimSpace(v) == "" {
		return nil, nil
	}
	prot, err := sasl.ParseProtection(v)
	if err != nil {
		return nil, fmt.Errorf("dfs.data.transfer.protection: %w", err)
	}
	var out []sasl.QOP
	for _, q := range sasl.DefaultQOPs() {
		if slices.Contains(prot, q) {
			out = append(out, q)
		}
	}
	return out, nil
}

// hdfsToken picks the HDFS delegation token for fs.defaultFS from creds by its service, as
// Java's token selector does.
func hdfsToken(ctx context.Context, cfg *conf.Config, creds *security.Credentials) (security.Token, error) {
	service, err := cfg.HDFSTokenService(ctx, nil)
	if err != nil {
		return security.Token{}, err
	}
	var have []string
	for _, t := range creds.TokensOfKind(tokens.KindHDFS) {
		if t.Service == service {
			return t, nil
		}
		have = append(have, t.Service)
	}
	return security.Token{}, fmt.Errorf("no HDFS delegation token for service %s among the credentials (HDFS tokens for: [%s])",
		service, strings.Join(have, ", "))
}

// tokenOwner is the user a token acts as, for colinmarc's bookkeeping (the NameNode takes the
// user from the token itself).
func tokenOwner(t security.Token) string {
	if id, err := t.DelegationTokenIdentifier(); err == nil && id.Owner != "" {
		return id.Owner
	}
	return "token"
}

func privilegedPort(c net.Conn) bool {
	a, ok := c.RemoteAddr().(*net.TCPAddr)
	return ok && a.Port < 1024
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
