package appmaster

import (
	"context"
	"encoding/base64"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/orca-yarn/orca-yarn/amapi"
	"github.com/orca-yarn/orca-yarn/appmaster/core"
	"github.com/orca-yarn/orca-yarn/appspec"
	"github.com/orca-yarn/orca-yarn/barrier"
	"github.com/orca-yarn/orca-yarn/hadoop/conf"
	"github.com/orca-yarn/orca-yarn/hadoop/ipc"
	"github.com/orca-yarn/orca-yarn/loghub"
	"github.com/orca-yarn/orca-yarn/yarn"
	"github.com/sirupsen/logrus"
)

// EnvSpecResource carries spec.json's own LocalResource (base64 of the proto); the submitter sets
// it on the AM container, and the AM hands the resource on to every container it launches.
const EnvSpecResource = "ORCA_YARN_SPEC_RESOURCE"

// Options configure Run.
type Options struct {
	// Getenv reads the AM container's environment (os.Getenv outside tests).
	Getenv func(string) string
	// WorkDir holds the localized spec.json (the container's working directory).
	WorkDir string
	Log     *logrus.Entry
}

// am is the running ApplicationMaster: the loop goroutine owns core and amrm; HTTP handlers and
// launch goroutines talk to it through events.
type am struct {
	log      *logrus.Entry
	spec     *appspec.Spec
	id       *Identity
	cfg      *conf.Config
	qop      []ipc.QOP
	creds    containerCreds // handed to every container; newer ones with a keytab (tokens.go)
	address  string         // host:port of our API, advertised to containers and the client
	core     *core.Core
	amrm     *yarn.AMRMClient
	hub      *loghub.Hub
	events   chan core.Event
	interval time.Duration
	launches sync.WaitGroup

	mu       sync.Mutex
	gang     *barrier.Gang
	snapshot core.Snapshot
	started  time.Time
	ready    *amapi.ReadyInfo // the Ray head's report, if any
	timeline map[string]time.Time
	// noteSeq numbers the AM's own lines in the hub (tellUser); loop goroutine only.
	noteSeq uint64

	// failed is the latest container that exited non-zero, for the failure report's last lines.
	failed yarn.ContainerID
}

// newAM reads the container environment, the spec and the cluster configuration.
func newAM(opts Options) (*am, error) {
	id, err := IdentityFromEnv(opts.Getenv)
	if err != nil {
		return nil, err
	}
	spec, err := appspec.Load(filepath.Join(opts.WorkDir, appspec.FileName))
	if err != nil {
		return nil, err
	}
	specRes, err := base64.StdEncoding.DecodeString(opts.Getenv(EnvSpecResource))
	if err != nil || len(specRes) == 0 {
		return nil, fmt.Errorf("appmaster: %s is missing or not base64", EnvSpecResource)
	}
	spec.Resources[appspec.FileName] = specRes
	dirs, err := conf.DirsFromEnv(opts.Getenv)
	if err != nil {
		return nil, fmt.Errorf("appmaster: the NodeManager's Hadoop configuration: %w", err)
	}
	cfg, err := conf.Load(dirs)
	if err != nil {
		return nil, err
	}
	protection, err := cfg.RPCProtection()
	if err != nil {
		return nil, err
	}
	qop := make([]ipc.QOP, 0, len(protection))
	for _, p := range protection {
		qop = append(qop, ipc.QOP(p))
	}
	tokens, err := id.ContainerCredentials()
	if err != nil {
		return nil, fmt.Errorf("appmaster: container credentials: %w", err)
	}
	return &am{
		log: opts.Log, spec: spec, id: id, cfg: cfg, qop: qop,
		creds:  containerCreds{version: 1, creds: id.Credentials, hdts: tokens, changed: make(chan struct{})},
		events: make(chan core.Event, 4096), interval: time.Second,
	}, nil
}

// spoolDir picks where the output hub keeps its spool: the first NodeManager local dir of the
// application, else the working directory.
func (a *am) spoolDir(workDir string) string {
	if first, _, _ := strings.Cut(a.id.LocalDirs, ","); first != "" {
		dir := filepath.Join(first, "orca-yarn-am-"+strconv.Itoa(int(a.id.Attempt.Attempt)))
		if os.MkdirAll(dir, 0o700) == nil {
			return dir
		}
	}
	return workDir
}

// listen opens the API port on every interface and returns the address containers and the
// client use: the NodeManager's host name, as YARN reports it.
func (a *am) listen() (net.Listener, error) {
	ln, err := net.Listen("tcp", ":0")
	if err != nil {
		return nil, fmt.Errorf("appmaster: listen: %w", err)
	}
	a.address = net.JoinHostPort(a.id.Host, strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
	return ln, nil
}

func (a *am) port() int32 {
	_, p, _ := net.SplitHostPort(a.address)
	n, _ := strconv.Atoi(p)
	return int32(n)
}

func (a *am) trackingURL() string { return "http://" + a.address + "/" }

// post hands an event to the loop; it gives up when ctx ends (the AM is going away).
func (a *am) post(ctx context.Context, e core.Event) {
	select {
	case a.events <- e:
	case <-ctx.Done():
	}
}

func (a *am) currentGang() *barrier.Gang {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.gang
}
