package submitter

import (
	"context"
	"errors"
	"fmt"
	"os/user"
	"sort"

	"github.com/orca-yarn/orca-yarn/hadoop/conf"
	"github.com/orca-yarn/orca-yarn/hadoop/hdfsconn"
	"github.com/orca-yarn/orca-yarn/hadoop/ipc"
	"github.com/orca-yarn/orca-yarn/hadoop/security"
	"github.com/orca-yarn/orca-yarn/hadoop/security/kerberos"
	"github.com/orca-yarn/orca-yarn/hadoop/tokens"
	"github.com/orca-yarn/orca-yarn/yarn"
	"github.com/sirupsen/logrus"
)

// Cluster is the edge's view of one YARN cluster: its configuration, who we are on it, and a
// client of its ResourceManager.
type Cluster struct {
	Conf *conf.Config
	// User is who applications run as: the proxy user, else the Kerberos principal's short
	// name, else the simple-auth user name.
	User string
	RM   *yarn.ApplicationClient
	log  *logrus.Entry
	// getenv is the client's environment (the active conda env or venv is found through it).
	getenv func(string) string
	// login is the Kerberos login on a secure cluster (nil otherwise, or inside a container,
	// which has tokens only); proxy is --proxy-user.
	login  *kerberos.Client
	proxy  string
	tokens *security.Credentials
	// keytab and principal are --keytab/--principal: shipped to the AM of a long-running
	// application so it can fetch new tokens.
	keytab, principal string
}

// Login says how to authenticate on a Kerberized cluster; simple-auth clusters ignore it except
// for ProxyUser.
type Login struct {
	// Principal and Keytab log in without a ticket cache (both or neither).
	Principal, Keytab string
	// ProxyUser submits on that user's behalf (hadoop.proxyuser.<us>.* must allow it).
	ProxyUser string
	// Tokens authenticate instead of Kerberos (inside a container: its credentials).
	Tokens *security.Credentials
}

// Connect loads HADOOP_CONF_DIR through getenv, logs in on a Kerberized cluster (ticket cache or
// keytab, or the given tokens), and prepares (lazily connecting) an RM client. Configuration
// problems are ErrBadInput; a failed login is ErrCluster with the fix in its message.
func Connect(ctx context.Context, getenv func(string) string, log *logrus.Entry, login Login) (*Cluster, error) {
	dirs, err := conf.DirsFromEnv(getenv)
	if err != nil {
		return nil, classify(ErrBadInput, err)
	}
	cfg, err := conf.Load(dirs)
	if err != nil {
		return nil, classify(ErrBadInput, err)
	}
	method, err := cfg.AuthMethod()
	if err != nil {
		return nil, classify(ErrBadInput, err)
	}
	if (login.Principal == "") != (login.Keytab == "") {
		return nil, badInputf("--principal and --keytab go together: give both, or neither to use the ticket cache (kinit)")
	}
	c := &Cluster{Conf: cfg, log: log, getenv: getenv, proxy: login.ProxyUser, keytab: login.Keytab, principal: login.Principal}
	if method != conf.AuthSimple {
		c.tokens = login.Tokens
	}
	opts := yarn.RMOptions{Protocol: yarn.ApplicationClientProtocol, Logger: log}
	if method == conf.AuthSimple {
		if c.User, err = userName(getenv); err != nil {
			return nil, classify(ErrBadInput, err)
		}
		opts.User, opts.Auth = ipc.UserInfo{Effective: c.User}, ipc.SimpleAuth()
		if login.ProxyUser != "" {
			opts.User = ipc.UserInfo{Effective: login.ProxyUser, Real: c.User}
			c.User = login.ProxyUser
		}
	} else if err := c.secureRM(ctx, login, &opts); err != nil {
		return nil, err
	}
	eps, err := cfg.RMAddresses(conf.RMClient)
	if err != nil {
		return nil, classify(ErrBadInput, err)
	}
	for _, e := range eps {
		opts.Endpoints = append(opts.Endpoints, e.Addr)
	}
	conn, err := yarn.DialRM(opts)
	if err != nil {
		return nil, classify(ErrBadInput, err)
	}
	c.RM = yarn.NewApplicationClient(conn)
	return c, nil
}

// userName is who we act as on an insecure cluster: HADOOP_USER_NAME, as every Hadoop client
// honours it, else the OS user.
func userName(getenv func(string) string) (string, error) {
	if u := getenv("HADOOP_USER_NAME"); u != "" {
		return u, nil
	}
	u, err := user.Current()
	if err != nil {
		return "", fmt.Errorf("who am I: %w; set HADOOP_USER_NAME", err)
	}
	return u.Username, nil
}

// Close releases the RM connection and the Kerberos login.
func (c *Cluster) Close() error {
	if c.login != nil {
		c.login.Close()
	}
	return c.RM.Close()
}

// rmErr classifies an RM call failure: an unknown application is the caller's mistake, anything
// else is the cluster's.
func rmErr(op string, err error) error {
	if errors.Is(err, ipc.ErrNotFound) {
		return classify(ErrBadInput, fmt.Errorf("%s: %w", op, err))
	}
	// A Kerberos or impersonation refusal says what to fix.
	return classify(ErrCluster, fmt.Errorf("%s: %w", op, tokens.Classify(err)))
}

// Selector names applications: one id, or every ORCA application carrying a tag.
type Selector struct {
	ID  string
	Tag string
}

// Resolve returns the reports the selector names, newest first. live keeps only applications
// that have not ended.
func (c *Cluster) Resolve(ctx context.Context, sel Selector, live bool) ([]*yarn.ApplicationReport, error) {
	switch {
	case sel.ID != "" && sel.Tag != "":
		return nil, badInputf("give an application id or --tag, not both")
	case sel.ID != "":
		id, err := yarn.ParseApplicationID(sel.ID)
		if err != nil {
			return nil, classify(ErrBadInput, err)
		}
		r, err := c.RM.Report(ctx, id)
		if err != nil {
			return nil, rmErr("application "+sel.ID, err)
		}
		return []*yarn.ApplicationReport{r}, nil
	case sel.Tag != "":
		f := yarn.ApplicationFilter{Types: []string{ApplicationType}, Tags: []string{sel.Tag}, Users: []string{c.User}}
		if live {
			f.States = []yarn.AppState{yarn.AppNew, yarn.AppNewSaving, yarn.AppSubmitted, yarn.AppAccepted, yarn.AppRunning}
		}
		apps, err := c.RM.Applications(ctx, f)
		if err != nil {
			return nil, rmErr("list applications tagged "+sel.Tag, err)
		}
		sort.Slice(apps, func(i, j int) bool { return apps[i].ID.ID > apps[j].ID.ID })
		return apps, nil
	}
	return nil, badInputf("which application? give its id (application_...) or --tag TAG")
}

// stageOptions connects to HDFS the way this Cluster authenticates.
func stageOptions(c *Cluster) hdfsconn.Options {
	if c.login == nil && c.tokens == nil {
		return hdfsconn.Options{User: c.User}
	}
	return hdfsconn.Options{User: c.User, Login: c.login, Tokens: c.tokens, ProxyUser: c.proxy}
}
