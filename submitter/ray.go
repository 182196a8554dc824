package submitter

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/orca-yarn/orca-yarn/amapi"
	"github.com/orca-yarn/orca-yarn/appspec"
	"github.com/orca-yarn/orca-yarn/hadoop/security"
	"github.com/orca-yarn/orca-yarn/yarn"
)

// RayReady is a Ray application whose every node is alive, as its head reported.
type RayReady struct {
	Info   amapi.ReadyInfo
	Report *yarn.ApplicationReport
}

// WaitRayReady polls the application's AM until its Ray head reports every node alive. It fails
// when the application ends first, with the application's own outcome as the error. The AM is
// asked every rayReadyPoll (the wait is what a user's notebook cell or Airflow task waits on); the
// RM, for the AM's address and whether the application ended, only every o.poll().
func (c *Cluster) WaitRayReady(ctx context.Context, id yarn.ApplicationID, secret security.Secret, o FollowOptions) (*RayReady, error) {
	var report *yarn.ApplicationReport
	var api *amapi.Client
	var asked time.Time
	for {
		if report == nil || time.Since(asked) >= o.poll() {
			r, err := c.waitForAM(ctx, id, o)
			if err != nil {
				return nil, err
			}
			if r.State.Terminal() {
				res := ResultOf(r)
				if err := res.ExitClass(); err != nil {
					return nil, err
				}
				return nil, classify(ErrAppFailed, fmt.Errorf("%s ended (%s) before Ray was ready: %s", id, r.State, res.Diagnostics))
			}
			if report == nil || r.Host != report.Host || r.RPCPort != report.RPCPort {
				api = amClient(r, secret) // a new AM attempt listens elsewhere
			}
			report, asked = r, time.Now()
		}
		st, err := api.Status(ctx)
		if err == nil && st.Ray != nil {
			return &RayReady{Info: *st.Ray, Report: report}, nil
		}
		if o.Progress != nil && err == nil {
			o.Progress(fmt.Sprintf("%s: Ray starting (%s, generation %d)", id, st.State, st.Generation))
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(rayReadyPoll):
		}
	}
}

// rayReadyPoll is how often WaitRayReady asks the AM: a status call is a few hundred bytes.
const rayReadyPoll = 100 * time.Millisecond

// WriteRayToken keeps the application's Ray auth token in a file only the user can read, for
// drivers on this machine (ray.init with the token from the file): it is never printed.
func WriteRayToken(id yarn.ApplicationID, secret security.Secret) (string, error) {
	return writeAppSecretFile(id, "ray-token", appspec.RayToken(secret))
}

// WriteSparkSecret writes the spark.authenticate secret of the application's co-located Spark
// beside its Ray token, under the same rules, and returns the file's path.
func WriteSparkSecret(id yarn.ApplicationID, secret security.Secret) (string, error) {
	return writeAppSecretFile(id, "spark-secret", appspec.SparkSecret(secret))
}

// writeAppSecretFile writes value to name in this user's 0700 directory of the application,
// atomically (a reader never sees half a secret).
func writeAppSecretFile(id yarn.ApplicationID, name, value string) (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("a place for the %s: %w", name, err)
	}
	dir := filepath.Join(base, "orca-yarn", "apps", id.String())
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("a place for the %s: %w", name, err)
	}
	p := filepath.Join(dir, name)
	tmp, err := os.CreateTemp(dir, "."+name+"-*")
	if err != nil {
		return "", fmt.Errorf("write the %s: %w", name, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(value); err != nil {
		tmp.Close()
		return "", fmt.Errorf("write the %s: %w", name, err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("write the %s: %w", name, err)
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		return "", fmt.Errorf("write the %s: %w", name, err)
	}
	return p, nil
}

// EndApplication asks the running AM to end the application with outcome (a driver on the
// client reports how it ended).
func EndApplication(ctx context.Context, c *Cluster, id yarn.ApplicationID, secret security.Secret, why string, outcome amapi.Outcome) error {
	r, err := c.RM.Report(ctx, id)
	if err != nil {
		return rmErr("end "+id.String(), err)
	}
	if r.State.Terminal() || r.Host == "" || r.RPCPort <= 0 {
		return nil
	}
	return amClient(r, secret).End(ctx, why, outcome)
}
