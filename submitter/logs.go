package submitter

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/orca-yarn/orca-yarn/amapi"
	"github.com/orca-yarn/orca-yarn/hadoop/logagg"
	"github.com/orca-yarn/orca-yarn/logline"
	"github.com/orca-yarn/orca-yarn/submitter/stage"
	"github.com/orca-yarn/orca-yarn/yarn"
)

// Logs prints an application's output. While it runs, the lines come from its AM (follow keeps
// streaming until it ends); once it ended, from YARN's aggregated logs on HDFS, which also holds
// the output of an application whose AM was killed. No yarn CLI, no JVM.
// With allFiles the aggregated logs include every file YARN kept (launch scripts, the AM's and
// launchers' own logs), not just the program's stdout and stderr.
func (c *Cluster) Logs(ctx context.Context, r *yarn.ApplicationReport, follow, allFiles bool, o FollowOptions) error {
	if !r.State.Terminal() && r.Host != "" && r.RPCPort > 0 {
		secret, err := c.ReadSecret(ctx, r.ID)
		if err != nil {
			return err
		}
		api := amClient(r, secret)
		if follow {
			// Until the RM says it ended: an AM that dies mid-stream must not leave us waiting.
			o.Lease = false
			_, err = c.stream(ctx, r.ID, r.CurrentAttempt, api, map[string]uint64{}, o)
			return err
		}
		err = api.FollowLines(ctx, 0, false, func(_ amapi.Cursor, l logline.Line) error { return printLine(o, l) })
		if err != nil && ctx.Err() == nil {
			return classify(ErrCluster, fmt.Errorf("logs of %s from its application master: %w", r.ID, err))
		}
		return ctx.Err()
	}
	if !r.State.Terminal() {
		return classify(ErrCluster, fmt.Errorf("%s is %s and has no application master yet: nothing to show; retry shortly", r.ID, r.State))
	}
	return c.aggregatedLogs(ctx, r.ID, allFiles, o)
}

func (c *Cluster) aggregatedLogs(ctx context.Context, id yarn.ApplicationID, allFiles bool, o FollowOptions) error {
	fs, err := stage.NewHDFS(ctx, c.Conf, stageOptions(c))
	if err != nil {
		return err
	}
	defer fs.Close()
	layout := logagg.LayoutFromConf(c.Conf.Get)
	_, err = layout.WalkApp(ctx, logagg.HDFS(fs), c.User, id.String(), func(l logagg.ContainerLog) error {
		if !allFiles && l.File != "stdout" && l.File != "stderr" {
			return nil
		}
		w := o.Stdout
		if l.File == "stderr" {
			w = o.Stderr
		}
		if _, err := fmt.Fprintf(w, "==> %s on %s: %s (%d bytes) <==\n", l.Container, l.Node, l.File, l.Size); err != nil {
			return err
		}
		_, err := io.Copy(w, l.Data)
		return err
	})
	switch {
	case errors.Is(err, logagg.ErrNotAggregated):
		return classify(ErrCluster, fmt.Errorf("the logs of %s are not on HDFS (yet): YARN aggregates them when the application ends; retry in a few seconds: %w", id, err))
	case errors.Is(err, logagg.ErrUnsupported):
		return classify(ErrCluster, fmt.Errorf("logs of %s: %w", id, err))
	case err != nil:
		return classify(ErrCluster, fmt.Errorf("logs of %s: %w", id, err))
	}
	return nil
}
