package submitter

import (
	"regexp"
	"slices"
	"strings"

	"github.com/orca-yarn/orca-yarn/appspec"
	"github.com/orca-yarn/orca-yarn/launcher/raynode"
	"github.com/orca-yarn/orca-yarn/launcher/sparknode"
)

// DefaultSparkMemory is the co-located executor's heap when --spark-memory is not given: Orca's
// default executor memory.
const DefaultSparkMemory = "2g"

// rayRoomMiB is what a default Ray share holds beyond Ray's bare minimum: room for tasks' data
// and a useful object store.
const rayRoomMiB = 512

var envVarName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Runs says whether the gang's containers run engine (Ray-mode applications only).
func (o Options) Runs(engine string) bool {
	if o.Command != "" {
		return false
	}
	if len(o.Engines) == 0 {
		return engine == appspec.EngineRay
	}
	return slices.Contains(o.Engines, engine)
}

func (o Options) validateEngines() error {
	for _, e := range o.Engines {
		if e != appspec.EngineRay && e != appspec.EngineSpark {
			return badInputf("--engines %q: want ray, spark or ray,spark", strings.Join(o.Engines, ","))
		}
	}
	switch {
	case len(o.Engines) > 0 && o.Command != "":
		return badInputf("--engines with --command: engines run beside a Python driver; drop one of them")
	case o.SparkMemory != "" && !o.Runs(appspec.EngineSpark):
		return badInputf("--spark-memory without the Spark engine: add --engines ray,spark (or spark)")
	case o.RayMemory != "" && !(o.Runs(appspec.EngineSpark) && o.Runs(appspec.EngineRay)):
		return badInputf("--ray-memory sizes Ray beside Spark: it needs --engines ray,spark (else --memory is Ray's)")
	case o.Env == "none" && o.Runs(appspec.EngineSpark):
		return badInputf("--engines spark with --env none: the Spark engine runs the pyspark of the shipped env; ship an env with pyspark")
	case o.ObjectStoreMemory != "" && !o.Runs(appspec.EngineRay) && o.Command == "":
		return badInputf("--object-store-memory without the Ray engine: add ray to --engines")
	}
	for _, kv := range o.EnvVars {
		k, _, ok := strings.Cut(kv, "=")
		if !ok || !envVarName.MatchString(k) {
			return badInputf("--env-var %q: want NAME=VALUE with a shell variable name", kv)
		}
	}
	return nil
}

// sparkMemory resolves the co-located Spark executor's heap, and the container memory when
// --memory was not given: the head's Spark share (executor, overhead, Master and Worker) plus
// Ray's share (--ray-memory, or Ray's minimum for the head with some room). Every container of
// the gang is the head's size, since any of them can become the head after a restart.
func sparkMemory(o Options, storeMiB int64) (execMiB, containerMiB int64, err error) {
	spark := o.SparkMemory
	if spark == "" {
		spark = DefaultSparkMemory
	}
	execMiB, _ = ParseMiB(spark) // Validate checked it
	if o.Memory != "" {
		containerMiB, _ = ParseMiB(o.Memory)
		return execMiB, containerMiB, nil
	}
	containerMiB = sparknode.ReserveMiB(execMiB, true)
	if o.Script != "" && o.DeployMode == appspec.DeployCluster {
		containerMiB += raynode.DriverReserve >> 20
	}
	if !o.Runs(appspec.EngineRay) {
		return execMiB, containerMiB, nil
	}
	if o.RayMemory != "" {
		ray, _ := ParseMiB(o.RayMemory)
		return execMiB, containerMiB + ray, nil
	}
	overhead := (raynode.HeadOverhead + int64(max(o.Cores, 1))*raynode.PerCPUOverhead) >> 20
	store := max(storeMiB, raynode.MinObjectStore>>20)
	return execMiB, containerMiB + overhead + store + raynode.MinHeap>>20 + rayRoomMiB, nil
}

// envVars turns --env-var into a map for the spec.
func envVars(kvs []string) map[string]string {
	out := map[string]string{}
	for _, kv := range kvs {
		k, v, _ := strings.Cut(kv, "=")
		out[k] = v
	}
	return out
}
