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
	"github.com/orca-yarn/orca-yarn/yarn"
	"github.com/sirupsen/logrus"
)

// Cluster is the edge's view of one YARN cluster: its configuration, who we are on it, and a
// client of its ResourceManager.
type Cluster struct {
	Conf *conf.Config
	User string
	RM   *yarn.ApplicationClient
	log  *logrus.Entry
	// getenv is the client's environment (the active conda env or venv is found through it).
	getenv func(string) string
}

// Connect loads HADOOP_CONF_DIR through getenv and prepares (lazily connecting) an RM client.
// Configuration problems are ErrBadInput; nothing is contacted yet.
func Connect(getenv func(string) string, log *logrus.Entry) (*Cluster, error) {
	dirs, err := conf.DirsFromEnv(getenv)
	if err != nil {
		return nil, classify(ErrBadInput, err)
	}
	cfg, err := conf.Load(dirs)
	if err != nil {
		return nil, classify(ErrBadInput, err)
	}
	if method, err := cfg.AuthMethod(); err != nil {
		return nil, classify(ErrBadInput, err)
	} else if method != conf.AuthSimple {
		return nil, classify(ErrBadInput, fmt.Errorf("hadoop.security.authentication=%s: Kerberos clusters are not supported by this build yet", method))
	}
	name, err := userName(getenv)
	if err != nil {
		return nil, classify(ErrBadInput, err)
	}
	eps, err := cfg.RMAddresses(conf.RMClient)
	if err != nil {
		return nil, classify(ErrBadInput, err)
	}
	addrs := make([]string, 0, len(eps))
	for _, e := range eps {
		addrs = append(addrs, e.Addr)
	}
	conn, err := yarn.DialRM(yarn.RMOptions{
		Endpoints: addrs, Protocol: yarn.ApplicationClientProtocol,
		User: ipc.UserInfo{Effective: name}, Auth: ipc.SimpleAuth(), Logger: log,
	})
	if err != nil {
		return nil, classify(ErrBadInput, err)
	}
	return &Cluster{Conf: cfg, User: name, RM: yarn.NewApplicationClient(conn), log: log, getenv: getenv}, nil
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

// Close releases the RM connection.
func (c *Cluster) Close() error { return c.RM.Close() }

// rmErr classifies an RM call failure: an unknown application is the caller's mistake, anything
// else is the cluster's.
func rmErr(op string, err error) error {
	if errors.Is(err, ipc.ErrNotFound) {
		return classify(ErrBadInput, fmt.Errorf("%s: %w", op, err))
	}
	return classify(ErrCluster, fmt.Errorf("%s: %w", op, err))
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

func stageOptions(c *Cluster) hdfsconn.Options { return hdfsconn.Options{User: c.User} }
