package main

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/orca-yarn/orca-yarn/submitter"
	"github.com/orca-yarn/orca-yarn/submitter/envcache"
)

// rayDetached returns once a detached Ray application is ready: its addresses, the file with its
// Ray token, and the env archive it runs on, so a driver elsewhere (the Python API) can connect
// and start Spark executors on the same env.
func rayDetached(ctx context.Context, c *cli.Context, cl *submitter.Cluster, sub *submitter.Submission, output string) error {
	ready, err := cl.WaitRayReady(ctx, sub.ID, sub.Secret, submitter.FollowOptions{Progress: progressPrinter(c)})
	if err != nil {
		return err
	}
	tokenFile, err := submitter.WriteRayToken(sub.ID, sub.Secret)
	if err != nil {
		return fmt.Errorf("%w: %w", submitter.ErrCluster, err)
	}
	res := submitter.ResultOf(ready.Report)
	res.RayAddress, res.RayClientAddress, res.RayTokenFile = ready.Info.GCSAddress, ready.Info.ClientAddress, tokenFile
	if sub.Env != nil {
		if nn, err := cl.Conf.NameNodes(); err == nil {
			res.EnvPath = envcache.URI(sub.Env.Resource, nn)
		}
		res.EnvPython = submitter.EnvAlias + "/" + sub.Env.Spec.Python
	}
	if output == "json" {
		return res.PrintJSON(c.App.Writer)
	}
	fmt.Fprintf(c.App.Writer, "%s: Ray ready with %d nodes\n  RAY_ADDRESS=%s\n  Ray client: %s\n  token file: %s\n  stop it with: orca-yarn kill %s\n",
		sub.ID, ready.Info.Nodes, ready.Info.GCSAddress, ready.Info.ClientAddress, tokenFile, sub.ID)
	return nil
}
