package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"

	"github.com/sirupsen/logrus"
	"github.com/urfave/cli/v2"

	"github.com/orca-yarn/orca-yarn/amapi"
	"github.com/orca-yarn/orca-yarn/launcher"
	"github.com/orca-yarn/orca-yarn/launcher/raynode"
	"github.com/orca-yarn/orca-yarn/submitter"
	"github.com/orca-yarn/orca-yarn/submitter/envcache"
)

// rayDetached returns once a detached Ray application is ready: its addresses, the file with its
// Ray token, and the env archive it runs on, so a driver elsewhere (the Python API) can connect
// and start Spark executors on the same env.
func rayDetached(ctx context.Context, c *cli.Context, cl *submitter.Cluster, sub *submitter.Submission, output string,
	interrupted func() os.Signal) error {
	ready, err := cl.WaitRayReady(ctx, sub.ID, sub.Secret, submitter.FollowOptions{Progress: progressPrinter(c)})
	if err != nil {
		return killIfInterrupted(ctx, cl, sub.ID, interrupted, err)
	}
	res := submitter.ResultOf(ready.Report)
	tokenFile := ""
	if ready.Info.GCSAddress != "" { // a Spark-only gang has no Ray token to keep
		if tokenFile, err = submitter.WriteRayToken(sub.ID, sub.Secret); err != nil {
			return fmt.Errorf("%w: %w", submitter.ErrCluster, err)
		}
		res.RayAddress, res.RayClientAddress, res.RayTokenFile = ready.Info.GCSAddress, ready.Info.ClientAddress, tokenFile
	}
	if ready.Info.SparkMaster != "" {
		if res.SparkSecretFile, err = submitter.WriteSparkSecret(sub.ID, sub.Secret); err != nil {
			return fmt.Errorf("%w: %w", submitter.ErrCluster, err)
		}
		res.SparkMaster, res.SparkUI = ready.Info.SparkMaster, ready.Info.SparkUI
		res.ContainerPython = ready.Info.SparkPython
	}
	if sub.Env != nil {
		if nn, err := cl.Conf.NameNodes(); err == nil {
			res.EnvPath = envcache.URI(sub.Env.Resource, nn)
		}
		res.EnvPython = sub.Env.PythonInArchive()
	}
	if output == "json" {
		return res.PrintJSON(c.App.Writer)
	}
	fmt.Fprintf(c.App.Writer, "%s: ready with %d nodes\n", sub.ID, ready.Info.Nodes)
	if res.RayAddress != "" {
		fmt.Fprintf(c.App.Writer, "  RAY_ADDRESS=%s\n  Ray client: %s\n  token file: %s\n", res.RayAddress, res.RayClientAddress, tokenFile)
	}
	if res.SparkMaster != "" {
		fmt.Fprintf(c.App.Writer, "  Spark master: %s (UI %s)\n  Spark secret file: %s\n", res.SparkMaster, res.SparkUI, res.SparkSecretFile)
	}
	fmt.Fprintf(c.App.Writer, "  stop it with: orca-yarn kill %s\n", sub.ID)
	return nil
}

// rayClientDriver runs SCRIPT on this machine against the application's Ray cluster (client
// deploy mode): the cluster's output streams meanwhile, the driver's exit ends the application
// (succeeded or failed) and is the exit code.
func rayClientDriver(ctx context.Context, c *cli.Context, cl *submitter.Cluster, sub *submitter.Submission,
	plan submitter.Plan, output string, interrupted func() os.Signal) error {
	followed := make(chan error, 1)
	go func() { followed <- follow(ctx, c, cl, sub.ID, sub.Secret, output, true, interrupted) }()
	code, derr := runLocalDriver(ctx, c, cl, sub, plan)
	if ctx.Err() == nil {
		outcome, why := amapi.OutcomeSucceeded, "the driver on the client exited 0"
		if code != 0 || derr != nil {
			outcome, why = amapi.OutcomeFailed, fmt.Sprintf("the driver on the client exited %d", code)
			if derr != nil {
				why = "the driver on the client failed: " + derr.Error()
			}
		}
		if err := submitter.EndApplication(ctx, cl, sub.ID, sub.Secret, why, outcome); err != nil {
			logger(c).WithError(err).Warn("could not end the application; killing it")
			_ = cl.RM.Kill(context.WithoutCancel(ctx), sub.ID, why)
		}
	}
	return <-followed
}

// runLocalDriver waits for the cluster, checks the token against its GCS (Ray Client itself
// would only time out after 30 s on a bad one), then runs the driver through Ray Client.
func runLocalDriver(ctx context.Context, c *cli.Context, cl *submitter.Cluster, sub *submitter.Submission, plan submitter.Plan) (int, error) {
	ready, err := cl.WaitRayReady(ctx, sub.ID, sub.Secret, submitter.FollowOptions{})
	if err != nil {
		return 1, err
	}
	if ready.Info.ClientAddress == "" {
		return 1, fmt.Errorf("%w: the Ray cluster has no Ray Client server, which --deploy-mode client needs: install ray[client] in the env (pip install 'ray[client]') or use --deploy-mode cluster", submitter.ErrBadInput)
	}
	tokenFile, err := submitter.WriteRayToken(sub.ID, sub.Secret)
	if err != nil {
		return 1, err
	}
	token, err := raynode.ReadTokenFile(tokenFile)
	if err != nil {
		return 1, err
	}
	gcs, err := raynode.NewGCSClient(ready.Info.GCSAddress, token)
	if err != nil {
		return 1, err
	}
	_, err = gcs.Nodes(ctx)
	gcs.Close()
	if err != nil {
		return 1, fmt.Errorf("the Ray cluster at %s: %w", ready.Info.GCSAddress, err)
	}
	python := sub.Env.LocalPython()
	d := exec.CommandContext(ctx, python, append([]string{plan.Script}, plan.Args...)...)
	d.Stdout, d.Stderr = c.App.Writer, c.App.ErrWriter
	env := launcher.MergeEnv(os.Environ(), []string{launcher.EnvRole + "=driver", launcher.EnvAppID + "=" + sub.ID.String()}, nil)
	d.Env = raynode.DriverEnv(env, ready.Info.ClientAddress, tokenFile)
	logger(c).WithFields(logrus.Fields{"python": python, "ray": ready.Info.ClientAddress}).Info("driver started on the client")
	err = d.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, nil
	case errors.As(err, &ee):
		return max(ee.ExitCode(), 1), nil
	}
	return 1, fmt.Errorf("start %s %s: %w", python, plan.Script, err)
}
