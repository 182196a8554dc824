package launcher

import (
	"context"
	"errors"
	"fmt"

	"github.com/sirupsen/logrus"

	"github.com/orca-yarn/orca-yarn/barrier"
)

type rejoinResult struct {
	plan barrier.Plan
	err  error
}

// await runs while the command of plan runs and returns what ended the wait: the command's own
// exit (restart false, why nil), a stop (why says which), or a newer generation (restart true).
//
// A restarted AM (barrier.ErrRejoin) is not an end: the member joins the new AM while the
// command runs on, and goes on watching the plan that join returns. Only if the new AM could
// not recover the gang (the join says the generation changed) does the command start over.
func (l *launch) await(ctx context.Context, p *Process, plan barrier.Plan, log *logrus.Entry) (restart bool, why error) {
	watchCtx, stopWatching := context.WithCancel(ctx)
	defer stopWatching()
	watched := make(chan error, 1)
	watch := func(plan barrier.Plan) {
		go func() { watched <- l.o.Coordinator.Watch(watchCtx, plan.Epoch, plan.Generation) }()
	}
	rejoined := make(chan rejoinResult, 1)
	watch(plan)
	for {
		select {
		case <-p.Done():
			return false, nil
		case <-ctx.Done():
			return false, fmt.Errorf("%w: %w", ErrStopped, context.Cause(ctx))
		case werr := <-watched:
			switch {
			case errors.Is(werr, barrier.ErrRejoin):
				log.Info("the application master restarted: joining it again while the command runs on")
				go func() {
					p, err := l.o.Coordinator.Join(watchCtx, l.me)
					rejoined <- rejoinResult{p, err}
				}()
			case errors.Is(werr, barrier.ErrGenerationChanged):
				log.Info("generation changed: stopping the command to join again")
				return true, nil
			default:
				return false, l.watchEnded(ctx, plan, werr)
			}
		case r := <-rejoined:
			switch {
			case r.err == nil:
				log.WithFields(logrus.Fields{"epoch": r.plan.Epoch, "generation": r.plan.Generation}).
					Info("re-joined the restarted application master; the command ran on")
				plan = r.plan
				watch(plan)
			case errors.Is(r.err, barrier.ErrGenerationChanged):
				log.Info("the restarted application master started the gang over: stopping the command to join again")
				return true, nil
			default:
				return false, l.watchEnded(ctx, plan, r.err)
			}
		}
	}
}

// watchEnded says why a watch (or a re-join) ended the run other than by a newer generation.
func (l *launch) watchEnded(ctx context.Context, plan barrier.Plan, err error) error {
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("%w: %w", ErrStopped, context.Cause(ctx))
	case errors.Is(err, barrier.ErrClosed):
		return fmt.Errorf("launcher: application over while the command ran: %w", err)
	case err == nil:
		err = errWatchEnded
	}
	return fmt.Errorf("launcher: watch generation %d: %w", plan.Generation, err)
}
