// Package core is the deterministic heart of the orca-yarn ApplicationMaster: a state machine that
// takes events (the RM's allocations and completions, NM launch results, rendezvous joins, time,
// the client's stop and lease) and returns effects (asks, releases, launches, stops, a new
// rendezvous generation, the final status). It does no I/O and never reads a clock, so a
// transcript of events always produces the same effects; testdata/*.txt are such transcripts.
//
// # Driving it
//
// One goroutine owns a Core and feeds it, in the style of etcd raft's Ready loop:
//
//	c, err := core.New(cfg)
//	apply(c.Step(core.Started{Now: now, Registration: reg}))
//	for ev := range events {              // heartbeat results, NM results, joins, ticks, ...
//		apply(c.Step(ev))                  // execute the effects in order
//		if _, done := c.Finished(); done { // Finish was among the effects: unregister, exit
//			break
//		}
//	}
//
// Effects of one step are to be executed in the order given: a StopContainer precedes the Release
// of the same container, a MemberGone the NewGeneration it causes, and Finish comes last. Time only enters through Started, Tick and
// LeaseRenewed; the core's clock is the latest of those, so the driver must Tick regularly (once
// a second is plenty: every deadline is in seconds to minutes).
//
// # The gang
//
// Ranks 0..N-1 are slots. The core asks for one container per empty slot under one AskKey and
// launches each container as soon as it arrives: the launcher in it registers with the rendezvous
// and the barrier holds the user's work until every rank joined, so launching early loses
// nothing and saves the localization time of the first containers. Every rank is asked for on the
// same request line: any container fills the lowest empty rank, so a container the RM allocated
// against an earlier total is never stranded. All-or-nothing is kept by the deadlines: if not
// every slot is filled within AllocationTimeout the core stops and releases everything and
// finishes FAILED with exit code 4 and a diagnosis (asked, got, queue headroom).
// With MinNodes > 0 it instead goes on with the filled ranks 0..K-1 when K >= MinNodes (a new
// generation of world size K); the world never grows back.
//
// Phases and their deadlines (every wait has one, so the AM never hangs silently):
//
//	Started ──▶ recovering (2nd attempt: survivors re-join) ── RecoveryTimeout ─┐
//	   │                                                                        ▼
//	   └──────▶ gathering (asks out) ── AllocationTimeout: FAILED 4, or elastic shrink
//	               │ every slot filled
//	               ▼
//	            joining (all launched) ── JoinTimeout: FAILED 3
//	               │ every rank joined the current generation
//	               ▼
//	            running ── a member lost: new generation, back to gathering
//	               │ success, failure beyond the budget, stop, lease expiry, RM fatal
//	               ▼
//	            finished (exactly one Finish; every later event is ignored)
//
// Running has no deadline: it is the user's program.
//
// # Restarts
//
// Exit statuses are classified: the cluster's doing (preempted, node lost/aborted, disks failed,
// killed by the RM or the container scheduler) and containers we stopped ourselves never count;
// anything else that ends a rank while the application runs is the user's. The MaxRestarts budget
// counts gang restarts, not container failures: when one rank crashes the others often crash
// right after it, and those failures are charged to the same generation. A lost member restarts
// the gang as a new generation (every member re-joins; the launcher restarts the user's work) and
// its rank is asked for again. Beyond the budget the application finishes FAILED with exit code 1
// and the rank, container, host and exit cause of the failure that broke it.
//
// What "done" means depends on the Completion: every rank exits 0 (--command), rank 0 exits (Ray
// with the driver in rank 0), or the client ends the application (Ray in client deploy mode).
//
// # A second attempt
//
// When the AM process dies, YARN (keep-containers-across-application-attempts) starts a new
// attempt and hands over the containers still running. The new core adopts them without ranks:
// ranks come back as their launchers re-join the new AM's rendezvous (MemberJoined). When every
// survivor re-joined or exited, or RecoveryTimeout passed, survivors that did not re-join are
// stopped, and if ranks are missing the gang restarts as a new generation (not counted: we cannot
// tell why they died). Containers of an earlier attempt are never released through the RM (it
// rejects the whole heartbeat with InvalidContainerReleaseException); they are stopped at their
// NodeManager only. The restart budget lives in memory, so it starts afresh with each attempt.
//
// # Exit codes
//
// Finish carries the exit code of design.md §3: 0 succeeded, 1 the application failed, 3 cluster
// error (RM lost, containers could not be started or never joined), 4 resources not obtainable,
// 5 killed by someone else (stop request, client lease expired).
package core
