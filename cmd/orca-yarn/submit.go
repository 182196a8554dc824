package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"

	"github.com/orca-yarn/orca-yarn/appspec"
	"github.com/orca-yarn/orca-yarn/submitter"
	"github.com/urfave/cli/v2"
)

func submitFlags() []cli.Flag {
	d := submitter.Defaults()
	return []cli.Flag{
		&cli.StringFlag{Name: "command", Usage: "run `CMD` (bash) in every container after the rendezvous"},
		&cli.StringFlag{Name: "name", Usage: "application name (default: from the command)"},
		&cli.StringFlag{Name: "queue", Value: d.Queue, Usage: "scheduler queue"},
		&cli.StringSliceFlag{Name: "tag", Usage: "application tag (repeatable); find it again with --tag"},
		&cli.IntFlag{Name: "priority", Usage: "application priority"},
		&cli.IntFlag{Name: "num-nodes", Value: d.NumNodes, Usage: "containers, started all together"},
		&cli.IntFlag{Name: "min-nodes", Usage: "start elastically with at least this many (0: all or nothing)"},
		&cli.IntFlag{Name: "cores", Value: d.Cores, Usage: "vcores per container"},
		&cli.StringFlag{Name: "memory", Usage: "memory per container (512m, 8g; default " + submitter.DefaultMemory + ", " + submitter.DefaultRayMemory + " for Ray applications)"},
		&cli.IntFlag{Name: "gpus", Usage: "yarn.io/gpu per container"},
		&cli.StringFlag{Name: "object-store-memory", Usage: "Ray object store per node (Ray applications)"},
		&cli.StringFlag{Name: "node-label", Usage: "run only on nodes with this label"},
		&cli.StringFlag{Name: "deploy-mode", Value: "cluster", Usage: "cluster or client (Ray applications)"},
		&cli.StringFlag{Name: "env", Value: d.Env, Usage: "Python env to ship: auto, none, a PATH, or an hdfs:// archive from orca-yarn pack --upload (default: auto for Ray applications, none for --command)"},
		&cli.BoolFlag{Name: "public-env", Usage: "let every user's applications share the env's localized copy (PUBLIC)"},
		&cli.BoolFlag{Name: "dashboard", Usage: "start Ray's dashboard on the head (Ray applications)"},
		&cli.StringFlag{Name: "engines", Usage: "what every container runs beside the driver: ray, spark or ray,spark (Spark's standalone master and workers, inside the same containers) (default: ray)"},
		&cli.StringFlag{Name: "spark-memory", Usage: "the co-located Spark executor's heap per container (with --engines ...spark; default " + submitter.DefaultSparkMemory + ")"},
		&cli.StringFlag{Name: "ray-memory", Usage: "Ray's share of each container beside Spark (with --engines ray,spark; default: Ray's minimum plus 512m)"},
		&cli.StringFlag{Name: "spark-driver-memory", Usage: "heap of a Spark driver the head container runs (SCRIPT in cluster deploy mode with --engines ...spark; default " + submitter.DefaultSparkDriverMemory + ")"},
		&cli.StringSliceFlag{Name: "env-var", Usage: "NAME=VALUE set in every container (repeatable)"},
		&cli.StringSliceFlag{Name: "py-files", Usage: "extra Python libs (.py, .zip, .egg, dir/) on PYTHONPATH"},
		&cli.StringSliceFlag{Name: "files", Usage: "files to place in every container's working dir (path[#name])"},
		&cli.StringSliceFlag{Name: "archives", Usage: "archives to unpack in every container (x.tgz#alias)"},
		&cli.DurationFlag{Name: "allocation-timeout", Value: d.AllocTimeout, Usage: "give up if the gang is not allocated in time"},
		&cli.IntFlag{Name: "max-restarts", Value: d.MaxRestarts, Usage: "gang restarts after failures of the program"},
		&cli.IntFlag{Name: "max-attempts", Value: d.MaxAttempts, Usage: "application master attempts"},
		&cli.StringFlag{Name: "am-memory", Value: d.AMMemory, Usage: "memory of the application master"},
		&cli.BoolFlag{Name: "detach", Usage: "return once submitted (no client lease)"},
		&cli.StringFlag{Name: "output", Value: d.Output, Usage: "text or json (json: the last stdout line is the result)"},
		&cli.BoolFlag{Name: "dry-run", Usage: "print the resolved plan and submit nothing"},
		&cli.StringFlag{Name: "if-tagged", Value: d.IfTagged, Usage: "when a live application has the --tag: new, attach or fail"},
		&cli.StringFlag{Name: "principal", Usage: "Kerberos principal (with --keytab)"},
		&cli.StringFlag{Name: "keytab", Usage: "Kerberos keytab"},
		&cli.StringFlag{Name: "proxy-user", Usage: "submit on behalf of this user"},
	}
}

func optionsFrom(c *cli.Context) submitter.Options {
	o := submitter.Defaults()
	o.Command, o.Name, o.Queue, o.Tags = c.String("command"), c.String("name"), c.String("queue"), c.StringSlice("tag")
	o.Priority = int32(c.Int("priority"))
	o.NumNodes, o.MinNodes, o.Cores, o.GPUs = c.Int("num-nodes"), c.Int("min-nodes"), c.Int("cores"), c.Int("gpus")
	o.Memory, o.AMMemory, o.NodeLabel = c.String("memory"), c.String("am-memory"), c.String("node-label")
	o.MaxAttempts, o.MaxRestarts, o.AllocTimeout = c.Int("max-attempts"), c.Int("max-restarts"), c.Duration("allocation-timeout")
	o.Env, o.Files, o.Archives, o.PyFiles = c.String("env"), c.StringSlice("files"), c.StringSlice("archives"), c.StringSlice("py-files")
	o.PublicEnv, o.DeployMode, o.ObjectStoreMemory, o.Dashboard = c.Bool("public-env"), c.String("deploy-mode"), c.String("object-store-memory"), c.Bool("dashboard")
	o.SparkMemory, o.RayMemory, o.EnvVars = c.String("spark-memory"), c.String("ray-memory"), c.StringSlice("env-var")
	o.SparkDriverMemory = c.String("spark-driver-memory")
	if e := c.String("engines"); e != "" {
		o.Engines = strings.Split(e, ",")
	}
	o.Detach, o.DryRun, o.Output, o.IfTagged, o.ProxyUser = c.Bool("detach"), c.Bool("dry-run"), c.String("output"), c.String("if-tagged"), c.String("proxy-user")
	if c.Args().Len() > 0 {
		o.Script, o.Args = c.Args().First(), c.Args().Tail()
		if len(o.Args) > 0 && o.Args[0] == "--" { // SCRIPT.py -- ARGS: the separator is not an argument
			o.Args = o.Args[1:]
		}
	}
	return o
}

func submitCommand() *cli.Command {
	return &cli.Command{
		Name:      "submit",
		Usage:     "run a program on N containers of the cluster and stream its output",
		ArgsUsage: "[SCRIPT.py [-- ARGS...]] | --command 'CMD'",
		Flags:     submitFlags(),
		Action: func(c *cli.Context) error {
			o := optionsFrom(c)
			ctx, interrupted := interruptContext(c.Context)
			err := runSubmit(ctx, c, o, interrupted)
			var printed quietError
			if err != nil && o.Output == "json" && !errors.As(err, &printed) {
				// Airflow and scripts read the last stdout line even when nothing was submitted.
				_ = submitter.Result{State: "NOT_SUBMITTED", ExitCode: exitCodeFor(err), Diagnostics: err.Error()}.PrintJSON(c.App.Writer)
			}
			return err
		},
	}
}

// interruptContext is cancelled by SIGINT or SIGTERM; the returned function tells which came.
func interruptContext(parent context.Context) (context.Context, func() os.Signal) {
	ctx, cancel := context.WithCancel(parent)
	var got atomic.Value
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		s := <-ch
		got.Store(s)
		cancel()
	}()
	return ctx, func() os.Signal {
		s, _ := got.Load().(os.Signal)
		return s
	}
}

// interruptedError is the outcome when a signal ended our wait: the application was killed.
func interruptedError(sig os.Signal, what error) error {
	if sig == syscall.SIGTERM {
		return fmt.Errorf("%w: SIGTERM: %w", submitter.ErrInterruptedTerm, what)
	}
	return fmt.Errorf("%w: SIGINT: %w", submitter.ErrInterrupted, what)
}

func runSubmit(ctx context.Context, c *cli.Context, o submitter.Options, interrupted func() os.Signal) error {
	log := logger(c)
	// Bad input is refused before the cluster is reached: the user comes from the connection.
	plan, err := submitter.Resolve(o, "")
	if err != nil {
		return err
	}
	cl, err := connect(c)
	if err != nil {
		return err
	}
	defer cl.Close()
	plan.User = cl.User
	if o.IfTagged != "new" {
		if attached, err := attachTagged(ctx, c, cl, o, interrupted); attached || err != nil {
			return err
		}
	}
	id, err := submitter.Preflight(ctx, cl.RM, plan)
	if err != nil {
		return err
	}
	if o.DryRun { // the plan passed pre-flight; the reserved id is never submitted
		return plan.Print(c.App.Writer, o.Output)
	}
	binary, err := os.Executable()
	if err != nil {
		return fmt.Errorf("%w: find this binary to upload it: %w", submitter.ErrCluster, err)
	}
	sub, err := cl.Submit(ctx, plan, id, binary)
	if err != nil {
		if sig := interrupted(); sig != nil {
			return interruptedError(sig, err)
		}
		return err
	}
	log.WithField("app", id).Info("submitted")
	if o.Detach && plan.Mode == appspec.ModeRay {
		return rayDetached(ctx, c, cl, sub, o.Output, interrupted)
	}
	if plan.Mode == appspec.ModeRay && plan.DeployMode == appspec.DeployClient {
		return rayClientDriver(ctx, c, cl, sub, plan, o.Output, interrupted)
	}
	if o.Detach {
		return report(ctx, c, cl, id, o.Output, false)
	}
	return follow(ctx, c, cl, sub.ID, sub.Secret, o.Output, true, interrupted)
}
