package submitter

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Options is a submit request as the user gave it (flags of design.md §3), before resolution.
type Options struct {
	Name     string
	Queue    string
	Tags     []string
	Priority int32

	NumNodes int
	// MinNodes > 0 starts elastically with at least this many instead of the all-or-nothing gang.
	MinNodes     int
	Cores        int
	Memory       string // "8g", "512m", "1024" (MiB)
	GPUs         int
	NodeLabel    string
	AMMemory     string
	MaxAttempts  int
	MaxRestarts  int
	AllocTimeout time.Duration

	// Command runs in every container after the barrier (the --command mode); Script is the Ray
	// mode's driver program with its Args.
	Command string
	Script  string
	Args    []string
	// DeployMode of a Ray application: cluster (the driver runs in the head container) or client
	// (on this machine; without SCRIPT the application is a Ray cluster to connect to).
	DeployMode        string
	ObjectStoreMemory string // Ray's object store per node; empty: raynode's share
	Dashboard         bool
	// Engines each container of a Ray-mode gang runs: "ray", "spark" or both; empty: ray.
	Engines []string
	// SparkMemory is the co-located Spark executor's heap per container; RayMemory is Ray's
	// share of each container when Spark is there too (empty: Ray's minimum with some room).
	SparkMemory string
	RayMemory   string
	// SparkDriverMemory is the heap of a Spark driver that runs in the head container (a SCRIPT
	// in cluster deploy mode with Spark in the gang): the head keeps room for it.
	SparkDriverMemory string
	// EnvVars (KEY=VALUE) are set in every container, for the program and both engines.
	EnvVars []string

	Env       string // auto, none or a path; empty: auto for Ray applications, none for --command
	PublicEnv bool   // share the env archive across users' applications (PUBLIC visibility)
	Files     []string
	Archives  []string
	PyFiles   []string
	Detach    bool
	DryRun    bool
	Output    string // text or json
	IfTagged  string // fail, attach or new
	ProxyUser string
}

// Container memory when --memory is not given: a Ray node needs room for Ray's own processes
// (about 1.5 GiB for a head with one CPU, see raynode.SplitMemory) before its tasks get any.
const (
	DefaultMemory    = "1g"
	DefaultRayMemory = "4g"
)

// Defaults are the values a flag has when not given (Memory: DefaultMemory or DefaultRayMemory,
// by the kind of application).
func Defaults() Options {
	return Options{
		Queue: "default", NumNodes: 1, Cores: 1, AMMemory: "256m", MaxAttempts: 2,
		MaxRestarts: 0, AllocTimeout: 2 * time.Minute, Output: "text", IfTagged: "new", DeployMode: "cluster",
	}
}

var sizeRe = regexp.MustCompile(`^(\d+)\s*([kKmMgGtT]?)(i?[bB])?$`)

// ParseMiB reads a memory size the way Spark and Orca users write it ("8g", "512m"): whole numbers,
// binary units k/m/g/t, and a bare number means MiB (YARN's unit).
func ParseMiB(s string) (int64, error) {
	m := sizeRe.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, fmt.Errorf("%q is not a size: write e.g. 512m, 8g or 1024 (MiB)", s)
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a size: %w", s, err)
	}
	switch strings.ToLower(m[2]) {
	case "k":
		n = (n + 1023) / 1024
	case "g":
		n *= 1024
	case "t":
		n *= 1024 * 1024
	}
	return n, nil
}

func (o Options) defaultMemory() string {
	if o.Command == "" {
		return DefaultRayMemory
	}
	return DefaultMemory
}

// Validate checks what can be checked without the cluster; every error is ErrBadInput with the
// flag named and the fix.
func (o Options) Validate() error {
	switch {
	case o.Command == "" && o.Script == "" && (o.DeployMode != "client" || !o.Detach):
		return badInputf("nothing to run: give SCRIPT.py or --command 'CMD' (or --deploy-mode client --detach for a Ray cluster to connect to)")
	case o.DeployMode != "cluster" && o.DeployMode != "client":
		return badInputf("--deploy-mode %q: want cluster or client", o.DeployMode)
	case o.Command != "" && o.Script != "":
		return badInputf("both SCRIPT.py (%s) and --command given: use one", o.Script)
	case o.NumNodes < 1:
		return badInputf("--num-nodes %d: want at least 1", o.NumNodes)
	case o.MinNodes < 0 || o.MinNodes > o.NumNodes:
		return badInputf("--min-nodes %d: want 0 (all-or-nothing) up to --num-nodes %d", o.MinNodes, o.NumNodes)
	case o.Cores < 1:
		return badInputf("--cores %d: want at least 1", o.Cores)
	case o.GPUs < 0:
		return badInputf("--gpus %d: want 0 or more", o.GPUs)
	case o.MaxAttempts < 1:
		return badInputf("--max-attempts %d: want at least 1", o.MaxAttempts)
	case o.MaxRestarts < 0:
		return badInputf("--max-restarts %d: want 0 or more", o.MaxRestarts)
	case o.AllocTimeout <= 0:
		return badInputf("--allocation-timeout %s: want a positive duration such as 2m", o.AllocTimeout)
	case o.Output != "text" && o.Output != "json":
		return badInputf("--output %q: want text or json", o.Output)
	case o.IfTagged != "new" && o.IfTagged != "attach" && o.IfTagged != "fail":
		return badInputf("--if-tagged %q: want new, attach or fail", o.IfTagged)
	case o.IfTagged != "new" && len(o.Tags) == 0:
		return badInputf("--if-tagged %s needs a --tag to look for", o.IfTagged)
	}
	if err := o.validateEngines(); err != nil {
		return err
	}
	for _, flag := range []struct{ name, value string }{{"--object-store-memory", o.ObjectStoreMemory},
		{"--spark-memory", o.SparkMemory}, {"--ray-memory", o.RayMemory}, {"--spark-driver-memory", o.SparkDriverMemory}} {
		if flag.value == "" {
			continue
		}
		if _, err := ParseMiB(flag.value); err != nil {
			return badInputf("%s: %v", flag.name, err)
		}
	}
	if o.Memory == "" {
		o.Memory = o.defaultMemory()
		if o.Runs("spark") {
			o.Memory = "" // sized from --spark-memory and Ray's share at resolution
		}
	}
	for _, flag := range []struct{ name, value string }{{"--memory", o.Memory}, {"--am-memory", o.AMMemory}} {
		if flag.value == "" {
			continue
		}
		mib, err := ParseMiB(flag.value)
		if err != nil {
			return badInputf("%s: %v", flag.name, err)
		}
		if mib < 64 {
			return badInputf("%s %s: below 64 MiB no container can run; ask for more", flag.name, flag.value)
		}
	}
	for _, tag := range o.Tags {
		if tag == "" || len(tag) > 100 || strings.ContainsAny(tag, ", \t\n") {
			return badInputf("--tag %q: tags are 1-100 characters without commas or spaces (YARN's rule)", tag)
		}
	}
	return nil
}
