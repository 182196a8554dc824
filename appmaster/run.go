package appmaster

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/orca-yarn/orca-yarn/amapi"
	"github.com/orca-yarn/orca-yarn/appmaster/core"
	"github.com/orca-yarn/orca-yarn/appspec"
	"github.com/orca-yarn/orca-yarn/hadoop/conf"
	"github.com/orca-yarn/orca-yarn/hadoop/ipc"
	"github.com/orca-yarn/orca-yarn/loghub"
	"github.com/orca-yarn/orca-yarn/yarn"
	"github.com/orca-yarn/orca-yarn/yarnpb/commonpb"
)

// Run is `orca-yarn am`: register, drive the core until it finishes, unregister, clean up. It
// returns when the application is over, or when ctx ends (the RM killed this attempt).
func Run(ctx context.Context, opts Options) error {
	a, err := newAM(opts)
	if err != nil {
		return err
	}
	if a.hub, err = loghub.Open(a.spoolDir(opts.WorkDir), loghub.Options{}); err != nil {
		return fmt.Errorf("appmaster: output hub: %w", err)
	}
	defer a.hub.Close()
	ln, err := a.listen()
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: amapi.NewServer(a.id.Secret, backend{a}, a.log), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer func() {
		shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()

	if err := a.connectRM(); err != nil {
		return err
	}
	defer a.amrm.Close()
	reg, err := a.amrm.Register(ctx, a.id.Host, a.port(), a.trackingURL())
	if err != nil {
		return fmt.Errorf("appmaster: register: %w", err)
	}
	a.log.WithField("api", a.address).WithField("attempt", a.id.Attempt).Info("registered with the ResourceManager")
	if a.core, err = core.New(a.coreConfig()); err != nil {
		return err
	}
	a.started = time.Now()
	if a.spec.Kerberos != nil && a.spec.Kerberos.Keytab != "" {
		refreshCtx, stopRefresh := context.WithCancel(ctx)
		defer stopRefresh()
		go a.refreshTokens(refreshCtx, opts.WorkDir)
	}
	a.step(ctx, core.Started{Now: a.started, Registration: *reg})
	return a.loop(ctx)
}

func (a *am) connectRM() error {
	eps, err := a.cfg.RMAddresses(conf.RMScheduler)
	if err != nil {
		return err
	}
	addrs := make([]string, 0, len(eps))
	for _, e := range eps {
		addrs = append(addrs, e.Addr)
	}
	conn, err := yarn.DialRM(yarn.RMOptions{
		Endpoints: addrs, Protocol: yarn.ApplicationMasterProtocol,
		Auth: ipc.TokenAuth(yarn.IPCToken(a.id.AMRMToken.Proto())), QOP: a.qop, Rounds: 10, Logger: a.log,
	})
	if err != nil {
		return err
	}
	a.amrm = yarn.NewAMRMClient(conn, func(*commonpb.TokenProto) {
		// The RM rolled its master key; our RPC client keeps the connection it has, which stays
		// authenticated. A reconnect with the old token would fail: note it for the operator.
		a.log.Warn("the RM rolled the AMRMToken; a reconnect to the scheduler will need a restart of this attempt")
	})
	return nil
}

func (a *am) coreConfig() core.Config {
	cfg := core.Config{
		NumNodes: a.spec.NumNodes, MinNodes: a.spec.MinNodes, Resource: a.spec.Container,
		NodeLabel: a.spec.NodeLabel, AllocationTimeout: a.spec.AllocationTimeout,
		MaxRestarts: a.spec.MaxRestarts, LeaseTimeout: a.spec.LeaseTimeout,
		Completion: core.EveryRankExits, Roles: core.CommandRoles, AttemptNumber: int(a.id.Attempt.Attempt),
	}
	if a.spec.Mode == appspec.ModeRay {
		// Rank 0 is the head; with the driver there its exit is the result, otherwise the
		// cluster runs until the client ends it.
		cfg.Roles, cfg.Completion, cfg.ReplaceWorkers = core.RayRoles, core.ClientEnds, true
		if a.spec.Ray.DeployMode == appspec.DeployCluster {
			cfg.Completion = core.RankZeroExits
		}
	}
	return cfg
}

// consecutiveRMFailures after which the heartbeat gives up (with the failover Conn each failure
// already tried every RM several times).
const consecutiveRMFailures = 5

func (a *am) loop(ctx context.Context) error {
	heartbeat := time.NewTimer(0)
	defer heartbeat.Stop()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	failures := 0
	for {
		if f, done := a.core.Finished(); done {
			return a.finish(ctx, f)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("appmaster: stopped before the application finished: %w", ctx.Err())
		case e := <-a.events:
			a.step(ctx, e)
		case now := <-tick.C:
			a.step(ctx, core.Tick{Now: now})
		case <-heartbeat.C:
			if err := a.heartbeat(ctx); err != nil {
				failures++
				fatal := failures >= consecutiveRMFailures || errors.Is(err, ipc.ErrInvalidToken) ||
					ipc.RemoteClass(err) == "org.apache.hadoop.yarn.exceptions.ApplicationAttemptNotFoundException"
				a.step(ctx, core.RMError{Err: err, Fatal: fatal})
			} else {
				failures = 0
			}
			heartbeat.Reset(a.interval)
		}
	}
}

func (a *am) heartbeat(ctx context.Context) error {
	snap := a.core.Snapshot()
	progress := float32(0)
	if snap.WorldSize > 0 && snap.Phase == "running" {
		progress = 0.5
	}
	hbCtx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	alloc, err := a.amrm.Allocate(hbCtx, progress)
	if err != nil {
		a.log.WithError(err).Warn("heartbeat to the ResourceManager failed")
		return err
	}
	a.step(ctx, core.HeadroomReport{Headroom: alloc.Headroom, ClusterNodes: int(alloc.NumClusterNodes)})
	if len(alloc.Allocated) > 0 {
		a.step(ctx, core.Allocated{Containers: alloc.Allocated})
	}
	if len(alloc.Completed) > 0 {
		for _, st := range alloc.Completed {
			if st.ExitStatus != 0 && st.ExitStatus != yarn.ExitKilledByAppMaster {
				a.mu.Lock()
				a.failed = st.ID
				a.mu.Unlock()
			}
		}
		a.step(ctx, core.Completed{Statuses: alloc.Completed})
	}
	return nil
}
