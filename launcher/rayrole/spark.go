package rayrole

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/orca-yarn/orca-yarn/launcher"
	"github.com/orca-yarn/orca-yarn/launcher/sparknode"
)

// Environment a driver in the head container reads to attach to the gang's Spark.
const (
	EnvSparkMaster     = "ORCA_YARN_SPARK_MASTER"
	EnvSparkSecretFile = "ORCA_YARN_SPARK_SECRET_FILE"
	EnvSparkPython     = "ORCA_YARN_SPARK_PYTHON"
)

// SparkOptions are this container's part of the gang's Spark (see sparknode).
type SparkOptions struct {
	// Node is this container's Spark node; Run fills in MasterURL from the plan.
	Node sparknode.Node
	// Secret is spark.authenticate's secret (appspec.SparkSecret).
	Secret string
	// DriverMiB is the heap of the Spark driver this head container runs (0: none here).
	DriverMiB int64
}

// secretFile holds the secret alone, for the driver in this container (spark.authenticate.secret
// must reach its SparkConf; the properties file holds the daemons' other settings too).
func (s *SparkOptions) secretFile() string { return filepath.Join(s.Node.Dir, "auth-secret") }

// startSpark starts this container's Spark daemons (the Master first on the head, then the
// Worker) and returns a channel that receives when the first of them ends.
func (o *Options) startSpark(ctx context.Context) (<-chan error, error) {
	s := o.Spark
	master, err := sparknode.MasterURL(o.Plan)
	if err != nil {
		return nil, err
	}
	s.Node.MasterURL = master
	if err := s.Node.MakeDirs(); err != nil {
		return nil, err
	}
	if err := s.Node.WriteProperties(s.Secret); err != nil {
		return nil, err
	}
	if err := os.WriteFile(s.secretFile(), []byte(s.Secret), 0o600); err != nil {
		return nil, fmt.Errorf("rayrole: write the Spark secret: %w", err)
	}
	cmds, err := s.Node.Commands()
	if err != nil {
		return nil, err
	}
	done := make(chan error, len(cmds))
	for _, c := range cmds {
		p := exec.CommandContext(ctx, c.Argv[0], c.Argv[1:]...)
		p.Env, p.Stdout, p.Stderr = launcher.MergeEnv(o.Environ, c.Env, nil), o.Stdout, o.Stderr
		if err := p.Start(); err != nil {
			return nil, fmt.Errorf("rayrole: start Spark's %s: %w", c.Name, err)
		}
		name := c.Name
		go func() { done <- fmt.Errorf("Spark's %s: %w", name, waitErr(p.Wait())) }()
	}
	o.Log.WithField("master", master).Info("Spark daemons started")
	return done, nil
}

// waitErr keeps an exit status inspectable and gives a clean end an error of its own: a daemon
// never ends while the gang runs.
func waitErr(err error) error {
	if err == nil {
		return fmt.Errorf("exited with status 0")
	}
	return err
}

// waitSpark waits on the head until every member's Worker is alive, and fills in the Spark part
// of the Ready report. rctx carries the gang's readiness deadline.
func (o *Options) waitSpark(rctx context.Context, anyDone <-chan error, info *Ready) error {
	ui, err := sparknode.MasterUI(o.Plan)
	if err != nil {
		return err
	}
	start := time.Now()
	if err := sparknode.WaitWorkers(rctx, ui, len(o.Plan.Members), anyDone); err != nil {
		return err
	}
	o.Log.WithField("waited", time.Since(start).Round(time.Millisecond).String()).Info("every Spark worker is alive")
	info.SparkMaster, info.SparkUI, info.SparkPython = o.Spark.Node.MasterURL, ui, o.Python
	return nil
}

// sparkDriverEnv is what a driver in this container needs to attach to the gang's Spark.
func (o *Options) sparkDriverEnv() []string {
	if o.Spark == nil {
		return nil
	}
	return []string{EnvSparkMaster + "=" + o.Spark.Node.MasterURL, EnvSparkSecretFile + "=" + o.Spark.secretFile(),
		EnvSparkPython + "=" + o.Python}
}
