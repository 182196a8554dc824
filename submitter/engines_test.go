package submitter

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/orca-yarn/orca-yarn/appspec"
	"github.com/orca-yarn/orca-yarn/launcher/sparknode"
	"github.com/orca-yarn/orca-yarn/yarn"
)

// Without --memory, a gang's container is Spark's share of the head (executor, overhead, Master
// and Worker) plus Ray's: --ray-memory, or Ray's minimum with room; the driver's reserve in
// cluster deploy mode.
func TestResolveSizesTheGangFromSparkAndRayShares(t *testing.T) {
	o := rayOptions(t)
	o.Engines, o.SparkMemory, o.Cores, o.RayMemory = []string{"ray", "spark"}, "10g", 2, "3g"
	p, err := Resolve(o, "alice")
	if err != nil {
		t.Fatal(err)
	}
	spark := sparknode.ReserveMiB(10240, true)
	// The head's driver: the Python process (512) and Spark's driver JVM, 1g heap + 384m overhead.
	if want := spark + 3072 + 512 + 1024 + 384; p.Container.MemoryMB != want {
		t.Errorf("container %d MiB, want %d (Spark %d + Ray 3072 + drivers 1920)", p.Container.MemoryMB, want, spark)
	}
	if p.SparkDriverMiB != 1024 {
		t.Errorf("Spark driver %d MiB, want the 1g default", p.SparkDriverMiB)
	}
	if !slices.Equal(p.Engines, []string{"ray", "spark"}) || p.SparkExecutorMiB != 10240 {
		t.Errorf("engines %v, executor %d MiB", p.Engines, p.SparkExecutorMiB)
	}
	spec := specFor(p, mustID(t), "/staging", nil)
	if !spec.Ray.Runs(appspec.EngineSpark) || !spec.Ray.Runs(appspec.EngineRay) || spec.Ray.Spark.ExecutorMiB != 10240 {
		t.Errorf("spec: %+v", spec.Ray)
	}

	o.Engines, o.RayMemory, o.DeployMode, o.Detach, o.Script = []string{"spark"}, "", "client", true, ""
	p, err = Resolve(o, "alice")
	if err != nil || p.Container.MemoryMB != spark {
		t.Fatalf("a Spark-only gang: %d MiB, want %d (%v)", p.Container.MemoryMB, spark, err)
	}
}

func TestResolveRefusesEngineMistakes(t *testing.T) {
	cases := map[string]struct {
		edit func(*Options)
		want string
	}{
		"unknown engine":             {func(o *Options) { o.Engines = []string{"ray", "dask"} }, "want ray, spark"},
		"spark memory without spark": {func(o *Options) { o.SparkMemory = "2g" }, "--engines ray,spark"},
		"ray memory without both":    {func(o *Options) { o.Engines, o.RayMemory = []string{"spark"}, "2g" }, "--ray-memory"},
		"spark without an env":       {func(o *Options) { o.Engines, o.Env = []string{"spark"}, "none" }, "pyspark"},
		"engines with --command": {func(o *Options) {
			o.Script, o.Command, o.Engines = "", "hostname", []string{"spark"}
		}, "--command"},
		"bad env var":             {func(o *Options) { o.EnvVars = []string{"1X=y"} }, "--env-var"},
		"container too small":     {func(o *Options) { o.Engines, o.Memory = []string{"ray", "spark"}, "3g" }, "smaller --spark-memory"},
		"spark alone too small":   {func(o *Options) { o.Engines, o.Memory = []string{"spark"}, "2g" }, "needs"},
		"object store with spark": {func(o *Options) { o.Engines, o.ObjectStoreMemory = []string{"spark"}, "1g" }, "--object-store-memory"},
		"bad spark memory":        {func(o *Options) { o.Engines, o.SparkMemory = []string{"spark"}, "lots" }, "--spark-memory"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			o := rayOptions(t)
			c.edit(&o)
			_, err := Resolve(o, "alice")
			if !errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want a bad-input error naming %q", err, c.want)
			}
		})
	}
}

func TestEnvVarsReachEveryContainer(t *testing.T) {
	o := rayOptions(t)
	o.EnvVars = []string{"OMP_NUM_THREADS=4", "EMPTY="}
	p, err := Resolve(o, "alice")
	if err != nil {
		t.Fatal(err)
	}
	spec := specFor(p, mustID(t), "/staging", []string{"lib.zip"})
	if spec.Env["OMP_NUM_THREADS"] != "4" || spec.Env["PYTHONPATH"] != "lib.zip" {
		t.Fatalf("env %v", spec.Env)
	}
	if v, ok := spec.Env["EMPTY"]; !ok || v != "" {
		t.Fatalf("an empty value is a value: %v", spec.Env)
	}
}

func mustID(t *testing.T) yarn.ApplicationID {
	t.Helper()
	id, err := yarn.ParseApplicationID("application_1700000000000_0001")
	if err != nil {
		t.Fatal(err)
	}
	return id
}
