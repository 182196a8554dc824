package rayrole

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"time"

	"github.com/orca-yarn/orca-yarn/launcher"
	"github.com/orca-yarn/orca-yarn/launcher/raynode"
)

// sessionWait bounds a worker's wait for the head's session; Ray's own retries in `ray start`
// take over after it.
const sessionWait = 2 * time.Minute

// clientServerWait bounds the wait for the Ray Client server after every node is alive; it
// starts in about a second.
const clientServerWait = 15 * time.Second

// waitListening returns once addr accepts TCP connections.
func waitListening(ctx context.Context, addr string, nodeDone <-chan error) error {
	var d net.Dialer
	for {
		c, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("nothing listens on %s: %w", addr, context.Cause(ctx))
		case err := <-nodeDone:
			_, nerr := nodeExit(err)
			return fmt.Errorf("the head's Ray node ended before %s listened: %w", addr, nerr)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// waitHeadSession holds a worker's `ray start` until the head's GCS has the session (see
// raynode.GCSClient.WaitSession): started earlier, it sleeps seconds in Ray's retry loops.
func (o *Options) waitHeadSession(ctx context.Context, gcs string) error {
	client, err := o.gcsClient(gcs)
	if err != nil {
		return err
	}
	defer client.Close()
	wctx, cancel := context.WithTimeout(ctx, sessionWait)
	defer cancel()
	start := time.Now()
	_, err = client.WaitSession(wctx)
	if err == nil && len(o.Plan.Members) > 0 {
		// The head's node too, not only its session: a worker's `ray start` gives up when the
		// head's raylet has not registered within its own short wait, which a loaded host (the
		// head's Spark JVMs start at the same time) exceeds.
		_, err = client.WaitReady(wctx, []string{o.Plan.Members[0].ContainerID})
	}
	if err != nil {
		if errors.Is(err, raynode.ErrUnauthenticated) || ctx.Err() != nil {
			return fmt.Errorf("rayrole: wait for the head at %s: %w", gcs, err)
		}
		// An optimization only: `ray start` has its own (slower) retries, and it says best what
		// is wrong with the head if something is.
		o.Log.WithError(err).Warn("starting the Ray worker without the head's node")
		return nil
	}
	o.Log.WithField("waited", time.Since(start).Round(time.Millisecond).String()).Debug("the head's GCS has its session")
	return nil
}

// gcsClient talks to the head's GCS with this container's copy of the cluster's token.
func (o *Options) gcsClient(gcs string) (*raynode.GCSClient, error) {
	token, err := raynode.ReadTokenFile(o.TokenFile)
	if err != nil {
		return nil, err
	}
	return raynode.NewGCSClient(gcs, token)
}

// waitReady asks the head's GCS until every member's node is alive, then fills in Ray's part of
// the report. rctx carries the gang's readiness deadline; an engine dying first ends the wait.
func (o *Options) waitReady(rctx context.Context, gcs string, nodeDone <-chan error, info *Ready) error {
	client, err := o.gcsClient(gcs)
	if err != nil {
		return err
	}
	defer client.Close()
	names := make([]string, 0, len(o.Plan.Members))
	for _, m := range o.Plan.Members {
		names = append(names, m.ContainerID)
	}
	ready := make(chan error, 1)
	go func() {
		_, err := client.WaitReady(rctx, names)
		ready <- err
	}()
	select {
	case err := <-nodeDone:
		_, nerr := nodeExit(err)
		return fmt.Errorf("the head's engines ended before the cluster was ready: %w", nerr)
	case err := <-ready:
		if err != nil {
			return fmt.Errorf("rayrole: %d Ray nodes did not all come up: %w", len(names), err)
		}
	}
	if addr, err := raynode.HeadClientAddress(o.Plan); err == nil && o.Script != "" {
		info.ClientAddress = addr // the driver runs here, on the GCS address: nobody waits for ray://
	} else if err == nil {
		// Ready promises a usable ray:// address: the Ray Client server is a Python process of
		// its own that can come up after the nodes (then a client driver's ray.init fails after
		// its 30 s of retries).
		// Ray starts it only where ray[client] is installed: without it, Ready has no ray://
		// address rather than no Ready at all.
		lctx, cancel := context.WithTimeout(rctx, clientServerWait)
		err := waitListening(lctx, net.JoinHostPort(o.NodeIP, strconv.Itoa(o.Ports.ClientServer)), nodeDone)
		cancel()
		switch {
		case err == nil:
			info.ClientAddress = addr
		case errors.Is(err, ErrNodeExited):
			return err
		default:
			o.Log.WithError(err).Warn("no Ray Client server (is ray[client] installed in the env?): drivers cannot connect with ray://")
		}
	}
	if o.Dashboard {
		info.DashboardURL = "http://" + net.JoinHostPort(o.NodeIP, strconv.Itoa(o.Ports.Dashboard))
	}
	o.Log.WithField("nodes", info.Nodes).Info("every Ray node is alive")
	return nil
}

// runDriver runs the user's program against the cluster and returns its exit code.
func (o *Options) runDriver(ctx context.Context, gcs string) (int, error) {
	d := exec.CommandContext(ctx, o.Python, append([]string{o.Script}, o.Args...)...)
	d.Dir, d.Stdout, d.Stderr = o.Dir, o.Stdout, o.Stderr
	// The driver is a role of its own: a program that calls init_orca_context finds it is one
	// already and joins this cluster instead of starting another.
	d.Env = launcher.MergeEnv(o.Environ, append([]string{launcher.EnvRole + "=driver"}, o.sparkDriverEnv()...), nil)
	if !o.NoRay {
		d.Env = raynode.DriverEnv(d.Env, gcs, o.TokenFile)
	}
	o.Log.WithField("script", o.Script).Info("driver started")
	err := d.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, nil
	case errors.As(err, &ee) && ee.ExitCode() >= 0:
		return ee.ExitCode(), nil
	case errors.As(err, &ee):
		return 1, fmt.Errorf("rayrole: driver: %w", err)
	}
	return 1, fmt.Errorf("rayrole: start the driver %s %s: %w", o.Python, o.Script, err)
}
