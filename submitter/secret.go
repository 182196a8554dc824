package submitter

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"time"

	"github.com/orca-yarn/orca-yarn/hadoop/security"
	"github.com/orca-yarn/orca-yarn/submitter/stage"
	"github.com/orca-yarn/orca-yarn/yarn"
)

// ReadSecret fetches an application's secret from its staging directory, so that another process
// of the same user (an Airflow retry, `orca-yarn attach`, `logs -f`) can talk to its AM. It is gone
// once the application ended and its staging directory was removed.
func (c *Cluster) ReadSecret(ctx context.Context, id yarn.ApplicationID) (security.Secret, error) {
	fs, err := stage.NewHDFS(ctx, c.Conf, stageOptions(c))
	if err != nil {
		return nil, err
	}
	defer fs.Close()
	name := path.Join(stage.StagingDir(c.User, id), secretFile)
	r, err := fs.Open(name)
	if errors.Is(err, os.ErrNotExist) {
		return nil, classify(ErrBadInput, fmt.Errorf("%s has no staging directory any more (it ended, or it was submitted by another user): nothing to attach to", id))
	}
	if err != nil {
		return nil, classify(ErrCluster, fmt.Errorf("read %s: %w", name, err))
	}
	defer r.Close()
	b, err := io.ReadAll(io.LimitReader(r, 1024))
	if err != nil || len(b) < 16 {
		return nil, classify(ErrCluster, fmt.Errorf("read %s: %d bytes, %v", name, len(b), err))
	}
	return security.Secret(b), nil
}

// CleanupStaging removes an ended application's staging directory. The AM removes it when it
// finishes; this covers an AM that never ran or was killed. Removing a missing directory is fine.
func (c *Cluster) CleanupStaging(ctx context.Context, id yarn.ApplicationID) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	fs, err := stage.NewHDFS(ctx, c.Conf, stageOptions(c))
	if err != nil {
		return err
	}
	defer fs.Close()
	if err := fs.RemoveAll(stage.StagingDir(c.User, id)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return classify(ErrCluster, err)
	}
	return nil
}
