package submitter

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/orca-yarn/orca-yarn/appspec"
	"github.com/orca-yarn/orca-yarn/launcher/raynode"
	"github.com/orca-yarn/orca-yarn/launcher/sparknode"
	"github.com/orca-yarn/orca-yarn/yarn"
)

// ApplicationType is what orca-yarn applications are listed as in the RM (yarn app -appTypes ORCA).
const ApplicationType = "ORCA"

// Plan is a submit request resolved into what will be asked of YARN. `--dry-run` prints it.
type Plan struct {
	Name       string   `json:"name"`
	User       string   `json:"user"`
	Queue      string   `json:"queue"`
	Tags       []string `json:"tags,omitempty"`
	Priority   int32    `json:"priority"`
	Mode       string   `json:"mode"` // appspec.ModeCommand or appspec.ModeRay
	Command    string   `json:"command,omitempty"`
	Script     string   `json:"script,omitempty"`
	Args       []string `json:"args,omitempty"`
	DeployMode string   `json:"deploy_mode,omitempty"`
	Env        string   `json:"env"` // none, auto or a path
	PublicEnv  bool     `json:"public_env,omitempty"`
	// ObjectStoreMiB: 0 leaves the size to the launcher's share of the container.
	ObjectStoreMiB int64 `json:"object_store_mib,omitempty"`
	Dashboard      bool  `json:"dashboard,omitempty"`
	// Engines each container runs (Ray mode); SparkExecutorMiB sizes the co-located Spark.
	Engines          []string          `json:"engines,omitempty"`
	SparkExecutorMiB int64             `json:"spark_executor_mib,omitempty"`
	SparkDriverMiB   int64             `json:"spark_driver_mib,omitempty"`
	EnvVars          map[string]string `json:"env_vars,omitempty"`
	NumNodes         int               `json:"num_nodes"`
	MinNodes         int               `json:"min_nodes,omitempty"`
	Container        yarn.Resource     `json:"container"`
	AM               yarn.Resource     `json:"am"`
	NodeLabel        string            `json:"node_label,omitempty"`
	MaxAttempts      int               `json:"max_attempts"`
	MaxRestarts      int               `json:"max_restarts"`
	// AllocTimeout bounds how long the gang may take to be allocated.
	AllocTimeout time.Duration `json:"allocation_timeout"`
	Detach       bool          `json:"detach"`
	Files        []string      `json:"files,omitempty"`
	Archives     []string      `json:"archives,omitempty"`
	PyFiles      []string      `json:"py_files,omitempty"`
}

// Resolve validates o and turns it into a Plan for user.
func Resolve(o Options, user string) (Plan, error) {
	if err := o.Validate(); err != nil {
		return Plan{}, err
	}
	mode, env, what := appspec.ModeCommand, o.Env, o.Command
	if o.Command == "" {
		mode, what = appspec.ModeRay, "Ray cluster"
		if o.Script != "" {
			what = "ray " + strings.Join(append([]string{filepath.Base(o.Script)}, o.Args...), " ")
			if st, err := os.Stat(o.Script); err != nil || !st.Mode().IsRegular() {
				return Plan{}, badInputf("SCRIPT %s: not a readable file; give the path of the Python program to run", o.Script)
			}
		}
	}
	switch {
	case env == "" && mode == appspec.ModeRay:
		env = "auto"
	case env == "":
		env = "none"
	}
	var store, sparkExec, mem int64
	if o.ObjectStoreMemory != "" {
		store, _ = ParseMiB(o.ObjectStoreMemory)
	}
	var engines []string
	if o.Runs(appspec.EngineSpark) {
		engines = []string{appspec.EngineSpark}
		if o.Runs(appspec.EngineRay) {
			engines = []string{appspec.EngineRay, appspec.EngineSpark}
		}
		sparkExec, mem, _ = sparkMemory(o, store)
		o.Memory = strconv.FormatInt(mem, 10) + "m"
	} else {
		if o.Memory == "" {
			o.Memory = o.defaultMemory()
		}
		mem, _ = ParseMiB(o.Memory) // Validate checked the sizes
	}
	amMem, _ := ParseMiB(o.AMMemory)
	if store >= mem {
		return Plan{}, badInputf("--object-store-memory %s: must fit inside --memory %s with room for Ray itself", o.ObjectStoreMemory, o.Memory)
	}
	if err := checkEngineMemory(o, mem, store, sparkExec); err != nil {
		return Plan{}, err
	}
	name := o.Name
	if name == "" {
		name = "orca-yarn: " + firstWords(what, 6)
	}
	deploy := ""
	if mode == appspec.ModeRay {
		deploy = o.DeployMode
	}
	return Plan{
		Name: name, User: user, Queue: o.Queue, Tags: o.Tags, Priority: o.Priority,
		Mode: mode, Command: o.Command, Script: o.Script, Args: o.Args, DeployMode: deploy,
		Env: env, PublicEnv: o.PublicEnv, ObjectStoreMiB: store, Dashboard: o.Dashboard,
		Engines: engines, SparkExecutorMiB: sparkExec, SparkDriverMiB: sparkDriverMiB(o), EnvVars: envVars(o.EnvVars),
		NumNodes: o.NumNodes, MinNodes: o.MinNodes,
		Container:   yarn.Resource{MemoryMB: mem, VCores: int32(o.Cores), GPUs: int64(o.GPUs)},
		AM:          yarn.Resource{MemoryMB: amMem, VCores: 1},
		NodeLabel:   o.NodeLabel,
		MaxAttempts: o.MaxAttempts, MaxRestarts: o.MaxRestarts, AllocTimeout: o.AllocTimeout,
		Detach: o.Detach, Files: o.Files, Archives: o.Archives, PyFiles: o.PyFiles,
	}, nil
}

// checkEngineMemory splits the container's memory the way every node will (the head's with the
// driver's reserve in cluster deploy mode, and Spark's share when Spark is in the gang), so that
// a container too small is refused here, with the fix, instead of failing in every container
// after allocation. /dev/shm is not known here; it can only make the object store smaller,
// never the split fail.
func checkEngineMemory(o Options, memMiB, storeMiB, sparkExecMiB int64) error {
	if o.Command != "" {
		return nil
	}
	for _, head := range []bool{true, false} {
		var reserved int64
		if head {
			reserved = headDriverMiB(o) << 20
		}
		if sparkExecMiB > 0 {
			reserved += sparknode.ReserveMiB(sparkExecMiB, head) << 20
		}
		if !head && o.NumNodes < 2 {
			continue // no worker nodes
		}
		if !o.Runs(appspec.EngineRay) {
			if memMiB<<20 < reserved {
				return badInputf("--memory %s: Spark's executor of %d MiB needs %d MiB with its overhead and daemons; give more --memory or a smaller --spark-memory",
					o.Memory, sparkExecMiB, reserved>>20)
			}
			continue
		}
		mo := raynode.MemoryOptions{Container: memMiB << 20, Head: head, CPUs: o.Cores, ObjectStore: storeMiB << 20, Reserved: reserved}
		if _, err := raynode.SplitMemory(mo); err != nil {
			fix := "give more --memory"
			if sparkExecMiB > 0 {
				fix += " (or leave it out: it is then sized from --spark-memory and --ray-memory), a smaller --spark-memory"
			}
			if storeMiB > 0 {
				fix += " or a smaller --object-store-memory"
			}
			return badInputf("--memory %s: %s; %s", o.Memory, strings.TrimPrefix(err.Error(), raynode.ErrMemoryTooSmall.Error()+": "), fix)
		}
	}
	return nil
}

func firstWords(s string, n int) string {
	f := strings.Fields(s)
	if len(f) > n {
		f = append(f[:n], "...")
	}
	return strings.Join(f, " ")
}

// Print writes the plan for --dry-run, as text or JSON.
func (p Plan) Print(w io.Writer, format string) error {
	if format == "json" {
		return json.NewEncoder(w).Encode(p)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	gang := fmt.Sprintf("%d containers, all or nothing within %s", p.NumNodes, p.AllocTimeout)
	if p.MinNodes > 0 {
		gang = fmt.Sprintf("%d containers, starting with at least %d after %s", p.NumNodes, p.MinNodes, p.AllocTimeout)
	}
	rows := [][2]string{
		{"name", p.Name}, {"user", p.User}, {"queue", p.Queue}, {"tags", strings.Join(p.Tags, ",")},
		{"run", p.Command}, {"ray driver", strings.TrimSpace(p.Script + " " + strings.Join(p.Args, " "))},
		{"deploy mode", p.DeployMode}, {"engines", strings.Join(p.Engines, ",")}, {"python env", p.Env}, {"gang", gang}, {"each container", p.Container.String()},
		{"application master", p.AM.String()}, {"node label", p.NodeLabel},
		{"restarts", fmt.Sprintf("%d container restarts, %d AM attempts", p.MaxRestarts, p.MaxAttempts)},
		{"files", strings.Join(p.Files, ",")}, {"archives", strings.Join(p.Archives, ",")},
		{"py-files", strings.Join(p.PyFiles, ",")},
	}
	for _, r := range rows {
		if r[1] != "" {
			fmt.Fprintf(tw, "%s:\t%s\n", r[0], r[1])
		}
	}
	return tw.Flush()
}
