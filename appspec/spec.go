package appspec

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/orca-yarn/orca-yarn/yarn"
	"github.com/orca-yarn/orca-yarn/yarnpb/yarnpb"
	"google.golang.org/protobuf/proto"
)

// File names and aliases every container of an application shares.
const (
	// FileName is the spec's link name in every container's working directory.
	FileName = "spec.json"
	// BinaryName is the orca-yarn binary's link name: containers run ./orca-yarn.
	BinaryName = "orca-yarn"
	// SecretAlias names the per-application secret in the container credentials.
	SecretAlias = "orca-yarn.app-secret"
	// Env variables the AM gives each container besides design.md's ORCA_YARN_* set.
	EnvAMAddress = "ORCA_YARN_AM_ADDRESS" // host:port of the AM's API
	EnvRank      = "ORCA_YARN_RANK"
	EnvRole      = "ORCA_YARN_ROLE"
)

// Spec is one application's plan as the AM executes it.
type Spec struct {
	Version int    `json:"version"`
	AppID   string `json:"app_id"`
	User    string `json:"user"`
	Mode    string `json:"mode"` // ModeCommand or ModeRay
	Command string `json:"command,omitempty"`
	// Ray is the Ray application's plan (ModeRay only).
	Ray *RaySpec `json:"ray,omitempty"`
	// PyEnv is the packed Python env every container gets; nil with --env none.
	PyEnv *PyEnv `json:"py_env,omitempty"`
	// Kerberos is set when the submitter shipped a keytab (--keytab): the AM logs in with it
	// to fetch new delegation tokens before the current ones expire.
	Kerberos *KerberosSpec `json:"kerberos,omitempty"`

	NumNodes  int           `json:"num_nodes"`
	MinNodes  int           `json:"min_nodes,omitempty"`
	Container yarn.Resource `json:"container"`
	NodeLabel string        `json:"node_label,omitempty"`
	Priority  int32         `json:"priority"`

	AllocationTimeout time.Duration `json:"allocation_timeout"`
	MaxRestarts       int           `json:"max_restarts"`
	MaxAttempts       int           `json:"max_attempts"`
	// LeaseTimeout > 0: a blocking client renews a lease; without renewal for this long the AM
	// ends the application. 0 for --detach.
	LeaseTimeout time.Duration `json:"lease_timeout"`

	// StagingDir is the application's HDFS staging directory, removed by the AM's last attempt.
	StagingDir string `json:"staging_dir"`
	// Env is added to every container's environment (PYTHONPATH of --py-files, HADOOP_USER_NAME).
	Env map[string]string `json:"env,omitempty"`
	// Resources are the LocalResources of every container (binary, spec, files, archives), as
	// serialized LocalResourceProto so the AM hands them to NodeManagers unchanged.
	Resources map[string][]byte `json:"resources"`
}

// Application modes (design.md §3).
const (
	ModeCommand = "command" // --command: CMD in every container
	ModeRay     = "ray"     // SCRIPT.py: a Ray cluster, the driver on rank 0 or on the client
)

// Deploy modes of a Ray application's driver.
const (
	DeployCluster = "cluster" // the driver runs in the head container; its exit is the result
	DeployClient  = "client"  // the driver runs on the client (or there is none: a cluster to use)
)

// KerberosSpec is the AM's own login for long-running applications.
type KerberosSpec struct {
	Principal string `json:"principal"`
	// Keytab is the keytab's link name in the AM container (localized for the AM only).
	Keytab    string `json:"keytab"`
	ProxyUser string `json:"proxy_user,omitempty"`
}

// Link names of what only the AM container gets.
const (
	KeytabLink   = "orca-yarn.keytab"
	KRB5ConfLink = "orca-yarn.krb5.conf"
)

// PyEnv is a packed env (condapack) localized in every container.
type PyEnv struct {
	// Alias is the archive's link name in the working directory (YARN unpacks it there).
	Alias string `json:"alias"`
	// Link is the archive's fixed destination, which the launcher links to the localized env
	// before anything starts (condapack's destination contract).
	Link string `json:"link"`
	// Python is the interpreter relative to the env's root, e.g. bin/python3.11.
	Python string `json:"python"`
}

// PythonPath is the env's interpreter through the destination link, or "python3" from PATH
// without an env.
func (s *Spec) PythonPath() string {
	if s.PyEnv == nil {
		return "python3"
	}
	return s.PyEnv.Link + "/" + s.PyEnv.Python
}

// RaySpec is what the containers of a Ray application need beyond the command contract.
type RaySpec struct {
	DeployMode string `json:"deploy_mode"`
	// Script is the driver's link name in the head container's working directory, with Args
	// (cluster deploy mode; empty otherwise).
	Script string   `json:"script,omitempty"`
	Args   []string `json:"args,omitempty"`
	// ObjectStoreMiB sizes each node's object store; 0: Ray's share of the container (raynode).
	ObjectStoreMiB int64 `json:"object_store_mib,omitempty"`
	Dashboard      bool  `json:"dashboard,omitempty"`
	// Engines are what each container of the gang runs: EngineRay, EngineSpark or both. Empty
	// means Ray alone (specs written before Spark could join the gang).
	Engines []string `json:"engines,omitempty"`
	// Spark sizes the co-located Spark engine (EngineSpark only).
	Spark *SparkSpec `json:"spark,omitempty"`
}

// The engines a gang can run in its containers.
const (
	EngineRay   = "ray"
	EngineSpark = "spark"
)

// Runs says whether the gang's containers run engine.
func (r *RaySpec) Runs(engine string) bool {
	if r == nil {
		return false
	}
	if len(r.Engines) == 0 {
		return engine == EngineRay
	}
	for _, e := range r.Engines {
		if e == engine {
			return true
		}
	}
	return false
}

// SparkSpec is the co-located Spark engine: the head runs Spark's standalone Master, every
// container a Worker offering the container's vcores and ExecutorMiB to one executor.
type SparkSpec struct {
	// ExecutorMiB is the executor's heap (the Worker's --memory); the container holds it plus
	// its overhead and the daemons (sparknode.ReserveMiB).
	ExecutorMiB int64 `json:"executor_mib"`
	// DriverMiB is the heap of the Spark driver the head container runs in cluster deploy
	// mode (0: none there); the head keeps it and its overhead.
	DriverMiB int64 `json:"driver_mib,omitempty"`
}

// CurrentVersion is written by this build; the AM refuses other versions (the binary that reads a
// spec is the one the submitter uploaded, so a mismatch means a corrupted staging directory).
const CurrentVersion = 1

// ErrInvalid marks a spec that cannot be executed.
var ErrInvalid = errors.New("invalid application spec")

// Validate checks the invariants the AM relies on.
func (s *Spec) Validate() error {
	switch {
	case s.Version != CurrentVersion:
		return fmt.Errorf("%w: version %d, this binary reads %d", ErrInvalid, s.Version, CurrentVersion)
	case s.Mode != ModeCommand && s.Mode != ModeRay:
		return fmt.Errorf("%w: mode %q", ErrInvalid, s.Mode)
	case s.Mode == ModeCommand && s.Command == "":
		return fmt.Errorf("%w: no command", ErrInvalid)
	case s.Mode == ModeRay && s.Ray == nil:
		return fmt.Errorf("%w: a Ray application without its Ray plan", ErrInvalid)
	case s.Mode == ModeRay && !s.Ray.Runs(EngineRay) && !s.Ray.Runs(EngineSpark):
		return fmt.Errorf("%w: engines %v: want ray, spark or both", ErrInvalid, s.Ray.Engines)
	case s.Ray.Runs(EngineSpark) && (s.Ray.Spark == nil || s.Ray.Spark.ExecutorMiB < 1):
		return fmt.Errorf("%w: a Spark engine without its executor memory", ErrInvalid)
	case s.NumNodes < 1 || s.MinNodes < 0 || s.MinNodes > s.NumNodes:
		return fmt.Errorf("%w: %d nodes, at least %d", ErrInvalid, s.NumNodes, s.MinNodes)
	case s.Container.MemoryMB < 1 || s.Container.VCores < 1:
		return fmt.Errorf("%w: container %s", ErrInvalid, s.Container)
	case s.AllocationTimeout <= 0:
		return fmt.Errorf("%w: allocation timeout %s", ErrInvalid, s.AllocationTimeout)
	case s.Resources[BinaryName] == nil:
		// spec.json's own resource cannot be in the file it describes: the AM adds it.
		return fmt.Errorf("%w: the %s resource is missing", ErrInvalid, BinaryName)
	}
	if _, err := yarn.ParseApplicationID(s.AppID); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	_, err := s.LocalResources()
	return err
}

// SetResource records a LocalResource under its link name.
func (s *Spec) SetResource(link string, r *yarnpb.LocalResourceProto) error {
	b, err := proto.Marshal(r)
	if err != nil {
		return fmt.Errorf("appspec: resource %s: %w", link, err)
	}
	if s.Resources == nil {
		s.Resources = map[string][]byte{}
	}
	s.Resources[link] = b
	return nil
}

// LocalResources decodes the resources into the launch-context form.
func (s *Spec) LocalResources() ([]*yarnpb.StringLocalResourceMapProto, error) {
	out := make([]*yarnpb.StringLocalResourceMapProto, 0, len(s.Resources))
	for link, b := range s.Resources {
		r := &yarnpb.LocalResourceProto{}
		if err := proto.Unmarshal(b, r); err != nil {
			return nil, fmt.Errorf("%w: resource %s: %w", ErrInvalid, link, err)
		}
		out = append(out, &yarnpb.StringLocalResourceMapProto{Key: proto.String(link), Value: r})
	}
	return out, nil
}

// Marshal encodes the spec as JSON.
func (s *Spec) Marshal() ([]byte, error) { return json.MarshalIndent(s, "", "  ") }

// Load reads and validates a spec file.
func Load(path string) (*Spec, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("appspec: %w", err)
	}
	s := &Spec{}
	if err := json.Unmarshal(b, s); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrInvalid, path, err)
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}
