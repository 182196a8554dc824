package appmaster

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/orca-yarn/orca-yarn/appmaster/core"
	"github.com/orca-yarn/orca-yarn/appspec"
	"github.com/orca-yarn/orca-yarn/barrier"
	"github.com/orca-yarn/orca-yarn/hadoop/conf"
	"github.com/orca-yarn/orca-yarn/hadoop/hdfsconn"
	"github.com/orca-yarn/orca-yarn/logline"
	"github.com/orca-yarn/orca-yarn/yarn"
	"github.com/orca-yarn/orca-yarn/yarnpb/commonpb"
	"github.com/sirupsen/logrus"
)

// step feeds one event to the core and carries out the effects. Only the loop goroutine calls it.
func (a *am) step(ctx context.Context, e core.Event) {
	for _, eff := range a.core.Step(e) {
		a.apply(ctx, eff)
	}
	snap := a.core.Snapshot()
	a.mu.Lock()
	a.snapshot = snap
	a.markTimeline(snap.Phase)
	a.mu.Unlock()
}

// markTimeline records when this attempt first reached a phase (a.mu held): where the time to a
// running gang went, on the status page and for benchmarks.
func (a *am) markTimeline(phase string) {
	if a.timeline == nil {
		a.timeline = map[string]time.Time{}
	}
	if _, seen := a.timeline[phase]; !seen {
		a.timeline[phase] = time.Now()
	}
}

func (a *am) apply(ctx context.Context, eff core.Effect) {
	a.log.WithField("effect", eff.String()).Debug("core")
	switch e := eff.(type) {
	case core.SetAsk:
		a.amrm.SetAsk(e.Ask)
	case core.Release:
		a.amrm.Release(e.IDs...)
	case core.HeartbeatInterval:
		a.interval = e.Interval
	case core.NewGeneration:
		a.mu.Lock()
		if a.gang == nil {
			a.gang = barrier.NewGang(e.WorldSize)
		} else {
			a.gang.NewGeneration(e.WorldSize)
		}
		a.mu.Unlock()
	case core.MemberGone:
		if g := a.currentGang(); g != nil {
			g.Leave(e.Rank)
		}
	case core.Launch:
		// NM tokens live in the AMRM client, which only this goroutine may touch.
		token, _ := a.amrm.NMToken(e.Container.Node)
		a.launches.Add(1)
		go func() {
			defer a.launches.Done()
			a.launch(ctx, e, token)
		}()
	case core.StopContainer:
		token, _ := a.amrm.NMToken(e.Container.Node)
		a.launches.Add(1)
		go func() {
			defer a.launches.Done()
			a.stopContainer(ctx, e.Container, token)
		}()
	case core.Log:
		entry := a.log
		if e.Level == core.Warn {
			entry.Warn(e.Msg)
		} else {
			entry.Info(e.Msg)
		}
		a.tellUser(e.Msg)
	case core.Finish:
		// Handled by the loop once the core reports Finished.
	}
}

func (a *am) launch(ctx context.Context, l core.Launch, token *commonpb.TokenProto) {
	log := a.log.WithFields(logrus.Fields{"container": l.Container.ID, "rank": l.Rank, "node": l.Container.Node})
	callCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	err := a.withNM(callCtx, l.Container.Node, token, func(nm *yarn.NMClient) error {
		clc, err := launchContext(a.spec, a.currentTokens(), a.address, l.Rank, l.Role)
		if err != nil {
			return err
		}
		return nm.Start(callCtx, l.Container, clc)
	})
	if err != nil {
		log.WithError(err).Warn("launch failed")
		a.post(ctx, core.LaunchFailed{ContainerID: l.Container.ID, Err: err})
		return
	}
	log.Info("launched")
	a.post(ctx, core.Launched{ContainerID: l.Container.ID})
}

func (a *am) stopContainer(ctx context.Context, c yarn.Container, token *commonpb.TokenProto) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	err := a.withNM(ctx, c.Node, token, func(nm *yarn.NMClient) error { return nm.Stop(ctx, c.ID) })
	if err != nil {
		a.log.WithError(err).WithField("container", c.ID).Warn("stop failed (the RM stops it when the application ends)")
	}
}

func (a *am) withNM(ctx context.Context, node yarn.NodeID, token *commonpb.TokenProto, fn func(*yarn.NMClient) error) error {
	conn, err := yarn.DialNM(yarn.NMOptions{Node: node, Token: token, QOP: a.qop, Logger: a.log})
	if err != nil {
		return err
	}
	nm := yarn.NewNMClient(conn, node)
	defer nm.Close()
	return fn(nm)
}

// finish reports the outcome to the RM and cleans up: after it the RM will not restart the AM,
// so this is also where the staging directory goes.
func (a *am) finish(ctx context.Context, f core.Finish) error {
	if g := a.currentGang(); g != nil {
		g.Close()
	}
	a.waitLaunches(10 * time.Second)
	diagnostics := f.Diagnostics
	if f.ExitCode == core.ExitAppFailed {
		diagnostics += a.lastLines()
	}
	// Followers drain what is written and end, so a blocking client sees every line before the
	// application turns FINISHED.
	_ = a.hub.Close()
	a.log.WithFields(logrus.Fields{"status": f.Status, "exit": f.ExitCode}).Info(f.Diagnostics)
	finishCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	if err := a.amrm.Finish(finishCtx, f.Status, appspec.FormatOutcome(f.ExitCode, diagnostics), a.trackingURL()); err != nil {
		return fmt.Errorf("appmaster: unregister: %w", err)
	}
	a.removeStaging(finishCtx)
	return nil
}

func (a *am) waitLaunches(d time.Duration) {
	done := make(chan struct{})
	go func() { a.launches.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
		a.log.Warn("container launches/stops still pending at finish")
	}
}

// lastLines are the failing container's last output lines, for the failure report.
func (a *am) lastLines() string {
	a.mu.Lock()
	failed := a.failed
	a.mu.Unlock()
	if failed == (yarn.ContainerID{}) {
		return ""
	}
	lines := a.hub.Tail(failed.String(), 10)
	if len(lines) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\nlast lines of %s:", failed)
	for _, l := range lines {
		fmt.Fprintf(&b, "\n  %s", l.Text)
	}
	return b.String()
}

func (a *am) removeStaging(ctx context.Context) {
	opts := hdfsconn.Options{User: a.spec.User}
	if method, err := a.cfg.AuthMethod(); err == nil && method != conf.AuthSimple {
		// No Kerberos in the AM: the HDFS delegation token the submitter fetched.
		opts.Tokens = a.currentCredentials()
	}
	fs, err := hdfsconn.Connect(ctx, a.cfg, opts)
	if err != nil {
		a.log.WithError(err).Warn("cannot reach HDFS to remove the staging directory")
		return
	}
	defer fs.Close()
	if err := fs.RemoveAll(a.spec.StagingDir); err != nil {
		a.log.WithError(err).WithField("dir", a.spec.StagingDir).Warn("staging directory not removed")
	}
}

// tellUser puts one of the core's decisions (gang complete, restarts, recovery, why it gave up)
// into the output hub as a line of the AM, so the blocking client shows it among the
// containers' output. Only the loop goroutine calls it.
func (a *am) tellUser(msg string) {
	a.noteSeq++
	l := logline.Line{
		Source: logline.Source{Role: "am", Rank: -1, Container: a.id.Container.String()},
		Stream: logline.Stderr, Seq: a.noteSeq, Time: time.Now(), Text: msg,
	}
	if err := a.hub.Append(l); err != nil {
		a.log.WithError(err).Debug("the output hub refused an AM line")
	}
}
