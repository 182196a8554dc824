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

// DefaultSparkDriverMemory is a Spark driver's heap in the head container when
// --spark-driver-memory is not given: Spark's own default.
const DefaultSparkDriverMemory = "1g"

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
	case o.RayMemory != "" && o.Memory != "":
		return badInputf("--ray-memory with --memory: give the shares (--spark-memory, --ray-memory) or the container's size, not both")
	case o.SparkDriverMemory != "" && !(o.Runs(appspec.EngineSpark) && o.Script != "" && o.DeployMode == appspec.DeployCluster):
		return badInputf("--spark-driver-memory sizes a Spark driver in the head container: it needs --engines ...spark, SCRIPT and --deploy-mode cluster")
	case o.Env == "none" && o.Runs(appspec.EngineSpark):
		return badInputf("--engines spark with --env none: the Spark engine runs the pyspark of the shipped env; ship an env with pyspark")
	case o.ObjectStoreMemory != "" && !o.Runs(appspec.EngineRay) && o.Command == "":
		return badInputf("--object-store-memory without the Ray engine: add ray to --engines")
	}
	for _, kv := range o.EnvVars {
		k, _, ok := strings.Cut(kv, "=")
		switch {
		case !ok || !envVarName.MatchString(k):
			return badInputf("--env-var %q: want NAME=VALUE with a shell variable name", kv)
		case k == "PYTHONPATH" || strings.HasPrefix(k, "ORCA_YARN_"):
			return badInputf("--env-var %s: orca-yarn sets it itself; use --py-files for Python libs", k)
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
	containerMiB = sparknode.ReserveMiB(execMiB, true) + headDriverMiB(o)
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

// sparkDriverMiB is the heap of a Spark driver in the head container, 0 without one.
func sparkDriverMiB(o Options) int64 {
	if !o.Runs(appspec.EngineSpark) || o.Script == "" || o.DeployMode != appspec.DeployCluster {
		return 0
	}
	heap := o.SparkDriverMemory
	if heap == "" {
		heap = DefaultSparkDriverMemory
	}
	mib, _ := ParseMiB(heap) // Validate checked it
	return mib
}

// headDriverMiB is what the head container keeps for a driver in cluster deploy mode: the
// Python process, and with Spark in the gang its driver JVM (heap and overhead).
func headDriverMiB(o Options) int64 {
	if o.Script == "" || o.DeployMode != appspec.DeployCluster {
		return 0
	}
	mib := int64(raynode.DriverReserve >> 20)
	if heap := sparkDriverMiB(o); heap > 0 {
		mib += heap + sparknode.DriverOverheadMiB(heap)
	}
	return mib
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
