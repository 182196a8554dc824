package main

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strconv"

	"github.com/sirupsen/logrus"
	"github.com/urfave/cli/v2"

	"github.com/orca-yarn/orca-yarn/amapi"
	"github.com/orca-yarn/orca-yarn/appspec"
	"github.com/orca-yarn/orca-yarn/launcher"
	"github.com/orca-yarn/orca-yarn/launcher/raynode"
	"github.com/orca-yarn/orca-yarn/launcher/rayrole"
	"github.com/orca-yarn/orca-yarn/launcher/sparknode"
)

// envRayDir passes the container's private Ray directory from the launcher to the ray-node role.
const envRayDir = "ORCA_YARN_RAY_DIR"

// rayPrep is what the launcher of a Ray container sets up before joining the gang: the node's
// port plan (published to the others), its private directory and the token file in it.
type rayPrep struct {
	attrs map[string]string
	env   []string
	dir   string
}

// prepareRayNode plans this node's ports on this host for each engine of the gang, publishes them
// with the NodeManager host's address, and writes the application's Ray token into a private
// directory (where Spark's files go too).
func prepareRayNode(ctx context.Context, ic *inContainer) (*rayPrep, error) {
	ip, err := raynode.ResolveNodeIP(ctx, os.Getenv("NM_HOST"))
	if err != nil {
		return nil, err
	}
	seed := ic.spec.AppID + "/" + strconv.Itoa(ic.rank)
	attrs := map[string]string{}
	if ic.spec.Ray.Runs(appspec.EngineRay) {
		ports, err := raynode.PlanPorts(raynode.PortOptions{Head: ic.rank == 0, Seed: seed})
		if err != nil {
			return nil, err
		}
		maps.Copy(attrs, raynode.Attrs(ip, ports))
	}
	if ic.spec.Ray.Runs(appspec.EngineSpark) {
		ports, err := sparknode.PlanPorts(ic.rank == 0, seed)
		if err != nil {
			return nil, err
		}
		maps.Copy(attrs, sparknode.Attrs(ip, ports))
	}
	dir, err := raynode.MakeTempDir(os.TempDir(), ic.container)
	if err != nil {
		return nil, err
	}
	if err := raynode.WriteTokenFile(filepath.Join(dir, "auth-token"), []byte(appspec.RayToken(ic.secret))); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return &rayPrep{attrs: attrs, env: []string{envRayDir + "=" + dir}, dir: dir}, nil
}

// cleanup removes the node's directory once the launcher stopped the tree that used it.
func (p *rayPrep) cleanup(log *logrus.Entry) {
	if err := os.RemoveAll(p.dir); err != nil {
		log.WithError(err).Warn("Ray's directory not removed")
	}
}

func rayNodeCommand() *cli.Command {
	return &cli.Command{
		Name:   "ray-node",
		Usage:  "run this container's Ray node, and on the head the driver (inside a container)",
		Hidden: true,
		Action: func(c *cli.Context) error {
			ctx, stop := launcher.SignalContext(c.Context)
			defer stop()
			code, err := runRayNode(ctx, logger(c))
			if err != nil {
				logger(c).WithError(err).Error("ray node failed")
			}
			if code != 0 {
				return withExitCode(code, fmt.Errorf("ray node: exit %d", code))
			}
			return nil
		},
	}
}

func runRayNode(ctx context.Context, log *logrus.Entry) (int, error) {
	ic, err := loadContainer(log)
	if err != nil {
		return 1, err
	}
	plan, err := launcher.ReadPlan(os.Getenv(launcher.EnvPlanFile))
	if err != nil {
		return 1, err
	}
	if ic.rank >= len(plan.Members) || plan.Members[ic.rank].Rank != ic.rank {
		return 1, fmt.Errorf("rank %d is not in the plan of generation %d", ic.rank, plan.Generation)
	}
	dir := os.Getenv(envRayDir)
	spec, ray := ic.spec, ""
	if spec.PyEnv != nil {
		ray = spec.PyEnv.Link + "/bin/ray"
	}
	attrs := plan.Members[ic.rank].Attrs
	o := rayrole.Options{
		Plan: plan, Rank: ic.rank, ContainerID: ic.container, NoRay: !spec.Ray.Runs(appspec.EngineRay),
		CPUs: int(spec.Container.VCores), GPUs: int(spec.Container.GPUs), ContainerMiB: spec.Container.MemoryMB,
		ObjectStoreMiB: spec.Ray.ObjectStoreMiB, Dashboard: spec.Ray.Dashboard, Ray: ray, Python: spec.PythonPath(),
		TempDir: filepath.Join(dir, "r"), TokenFile: filepath.Join(dir, "auth-token"), Dir: ic.wd, Environ: os.Environ(),
		Stdout: os.Stdout, Stderr: os.Stderr, Log: log,
		Ready: func(ctx context.Context, r rayrole.Ready) error {
			return ic.api.ReportReady(ctx, amapi.ReadyInfo{GCSAddress: r.GCSAddress, ClientAddress: r.ClientAddress,
				DashboardURL: r.DashboardURL, SparkMaster: r.SparkMaster, SparkUI: r.SparkUI, SparkPython: r.SparkPython, Nodes: r.Nodes, Generation: r.Generation})
		},
	}
	if !o.NoRay {
		if o.NodeIP, o.Ports, err = raynode.ParseAttrs(attrs); err != nil {
			return 1, err
		}
	}
	if spec.Ray.Runs(appspec.EngineSpark) {
		if o.Spark, err = sparkOptions(ic, attrs, filepath.Join(dir, "s")); err != nil {
			return 1, err
		}
	}
	if ic.rank == 0 && spec.Ray.Script != "" {
		o.Script, o.Args = spec.Ray.Script, spec.Ray.Args
	}
	if err := os.MkdirAll(o.TempDir, 0o700); err != nil {
		return 1, err
	}
	return rayrole.Run(ctx, o)
}

// sparkOptions describe this container's Spark node: the env's pyspark, the container's vcores,
// the spec's executor memory, and the application's Spark secret.
func sparkOptions(ic *inContainer, attrs map[string]string, dir string) (*rayrole.SparkOptions, error) {
	spec := ic.spec
	if spec.PyEnv == nil {
		return nil, fmt.Errorf("%w: the Spark engine needs a shipped env with pyspark", sparknode.ErrNoSpark)
	}
	home, err := sparknode.FindHome(spec.PyEnv.Link)
	if err != nil {
		return nil, err
	}
	if err := sparknode.CheckJava(os.Getenv); err != nil {
		return nil, err
	}
	ip, ports, err := sparknode.ParseAttrs(attrs, ic.rank == 0)
	if err != nil {
		return nil, err
	}
	node := sparknode.Node{Head: ic.rank == 0, Home: home, NodeIP: ip, Ports: ports, Cores: int(spec.Container.VCores),
		ExecutorMiB: spec.Ray.Spark.ExecutorMiB, Dir: dir, Python: spec.PythonPath(), LocalDirs: os.Getenv("LOCAL_DIRS")}
	return &rayrole.SparkOptions{Node: node, Secret: appspec.SparkSecret(ic.secret), DriverMiB: spec.Ray.Spark.DriverMiB}, nil
}
