package submitter

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"

	"github.com/orca-yarn/orca-yarn/amapi"
	"github.com/orca-yarn/orca-yarn/hadoop/security"
	"github.com/orca-yarn/orca-yarn/logline"
	"github.com/orca-yarn/orca-yarn/yarn"
	"golang.org/x/sync/errgroup"
)

// FollowOptions say how to follow an application.
type FollowOptions struct {
	// Stdout and Stderr receive the containers' lines, prefixed with role and rank.
	Stdout, Stderr io.Writer
	// Lease renews the AM's client lease while following (a blocking submit or an attach).
	Lease bool
	// Progress, when set, receives one-line state updates while the application starts.
	Progress func(string)
	// Poll is how often the RM is asked for the state (default 1 s).
	Poll time.Duration
}

const leaseEvery = 10 * time.Second

// poll is how often the RM is asked for the state.
func (o FollowOptions) poll() time.Duration {
	if o.Poll <= 0 {
		return time.Second
	}
	return o.Poll
}

// amClient talks to the AM a report names (it registered its API as host and RPC port). The
// default HTTP client of amapi is used on purpose: it ignores HTTP_PROXY, since the AM is inside
// the cluster network.
func amClient(r *yarn.ApplicationReport, secret security.Secret) *amapi.Client {
	return amapi.NewClient("http://"+net.JoinHostPort(r.Host, strconv.Itoa(int(r.RPCPort))), secret, nil)
}

// Follow streams an application's output live until it ends and returns its Result. When ctx
// ends first (a signal), Follow returns ctx's error and leaves the application alone: the caller
// decides whether to kill it.
func (c *Cluster) Follow(ctx context.Context, id yarn.ApplicationID, secret security.Secret, o FollowOptions) (Result, error) {
	// A new AM attempt receives again what the launchers had shipped to the old one: print each
	// container's line once, by its sequence number.
	printed := map[string]uint64{}
	for {
		report, err := c.waitForAM(ctx, id, o)
		if err != nil {
			return Result{}, err
		}
		if report.State.Terminal() {
			return ResultOf(report), nil
		}
		final, err := c.stream(ctx, id, report.CurrentAttempt, amClient(report, secret), printed, o)
		if errors.Is(err, errNewAttempt) {
			// The AM died and YARN started another attempt: follow (and renew the lease with) it.
			fmt.Fprintf(o.Stderr, "orca-yarn: %s: the application master was restarted; following the new attempt\n", id)
			continue
		}
		if err != nil {
			return Result{}, err
		}
		return ResultOf(final), nil
	}
}

// errNewAttempt ends a stream whose AM attempt was replaced by a new one.
var errNewAttempt = errors.New("new application attempt")

// waitForAM polls until the AM registered (it then advertises its API as host and RPC port) or
// the application ended without one.
func (c *Cluster) waitForAM(ctx context.Context, id yarn.ApplicationID, o FollowOptions) (*yarn.ApplicationReport, error) {
	started := time.Now()
	for {
		r, err := c.RM.Report(ctx, id)
		if err != nil {
			return nil, rmErr("follow "+id.String(), err)
		}
		if r.State.Terminal() || (r.State == yarn.AppRunning && r.Host != "" && r.RPCPort > 0) {
			if o.Progress != nil {
				o.Progress("") // clear the progress line before output starts
			}
			return r, nil
		}
		if o.Progress != nil {
			o.Progress(fmt.Sprintf("%s: %s, %s", id, r.State, time.Since(started).Round(time.Second)))
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(o.poll() / 2):
		}
	}
}

// stream follows the AM's output and the RM's state together until the application ends.
func (c *Cluster) stream(ctx context.Context, id yarn.ApplicationID, attempt yarn.AttemptID, api *amapi.Client,
	printed map[string]uint64, o FollowOptions) (*yarn.ApplicationReport, error) {
	g, gctx := errgroup.WithContext(ctx)
	linesDone := make(chan struct{})
	var final *yarn.ApplicationReport
	g.Go(func() error {
		defer close(linesDone)
		// Ends with nil when the AM closes its hub (the application is finishing); an AM that
		// dies mid-stream is not an error of ours: the RM's state tells what happened.
		_ = api.FollowLines(gctx, 0, true, func(_ amapi.Cursor, l logline.Line) error {
			if l.Seq <= printed[l.Source.Container] {
				return nil
			}
			printed[l.Source.Container] = l.Seq
			return printLine(o, l)
		})
		return nil
	})
	if o.Lease {
		g.Go(func() error {
			t := time.NewTicker(leaseEvery)
			defer t.Stop()
			for {
				_ = api.RenewLease(gctx) // a missed renewal is retried on the next tick
				select {
				case <-gctx.Done():
					return nil
				case <-linesDone:
					return nil
				case <-t.C:
				}
			}
		})
	}
	g.Go(func() error {
		for {
			r, err := c.RM.Report(gctx, id)
			if err == nil && !r.State.Terminal() && r.CurrentAttempt != attempt {
				return errNewAttempt
			}
			if err == nil && r.State.Terminal() {
				final = r
				// Let the follower print what the AM flushed before it unregistered.
				select {
				case <-linesDone:
				case <-time.After(5 * time.Second):
				}
				return errDone
			}
			select {
			case <-gctx.Done():
				return gctx.Err()
			case <-time.After(o.poll()):
			}
		}
	})
	err := g.Wait()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if errors.Is(err, errNewAttempt) {
		return nil, err
	}
	if final == nil {
		return nil, classify(ErrCluster, fmt.Errorf("follow %s: %w", id, err))
	}
	return final, nil
}

// errDone ends the follow group once the application is over.
var errDone = errors.New("application ended")

func printLine(o FollowOptions, l logline.Line) error {
	w := o.Stdout
	if l.Stream == logline.Stderr {
		w = o.Stderr
	}
	_, err := fmt.Fprintf(w, "%s %s\n", l.Source.Prefix(), l.Text)
	return err
}

// AMBaseURL is where the current attempt of an application serves its API, as the RM reports
// it. Launchers use it (amapi.Client.Locate) to find an AM that restarted elsewhere.
func (c *Cluster) AMBaseURL(ctx context.Context, id yarn.ApplicationID) (string, error) {
	r, err := c.RM.Report(ctx, id)
	if err != nil {
		return "", rmErr("locate the application master", err)
	}
	if r.State.Terminal() || r.Host == "" || r.RPCPort <= 0 {
		return "", fmt.Errorf("application %s has no registered application master (%s)", id, r.State)
	}
	return "http://" + net.JoinHostPort(r.Host, strconv.Itoa(int(r.RPCPort))), nil
}
