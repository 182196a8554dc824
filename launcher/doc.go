// Package launcher is the container side of orca-yarn: `orca-yarn launch` in every container.
//
// Run joins the AM's rendezvous (all-or-nothing: it blocks until every rank of the generation
// joined), then starts the command as `/bin/bash -c COMMAND` with ORCA_YARN_APP_ID, _ROLE, _RANK,
// _WORLD_SIZE, _HEAD_HOST and _GENERATION set, and ships each line of its stdout and stderr to a
// LineSink as it is read, numbered per container from 1 without gaps, while a raw copy goes to
// LOG_DIR/stdout and LOG_DIR/stderr for YARN's log aggregation.
//
// Zero leftovers is the contract: after the command succeeds, fails, or is stopped (SIGTERM from
// the NodeManager, a new generation, the application closing) no process it started remains. A
// process group is not enough, because Ray's workers call setsid; so the launcher is a child
// subreaper (PR_SET_CHILD_SUBREAPER): every orphan of the tree is re-parented to it, and the tree
// is found by walking parent links in /proc. A stop sends SIGTERM to every descendant, waits a
// short grace (the NodeManager's own SIGKILL follows its SIGTERM after 250 ms by default), then
// SIGKILLs whatever is left, round after round, until /proc shows none. A command that exits by
// itself gets the same treatment for whatever it left running.
//
// The one exit the launcher does not live through is its own SIGKILL. For that, Run starts a
// guard (Options.Guard): a process in its own session, watching a pipe only the launcher writes.
// EOF without a release means the launcher died; the guard then ends every process whose
// environment carries this launch's ORCA_YARN_LAUNCH_ID, which all of the command's descendants
// inherit.
//
// Being a subreaper means reaping: one loop (Reaper) calls wait4(-1) for every child and hands the
// command's status to its Process. Nothing else in the process may wait for children (os/exec's
// Wait would race with it), and there is at most one Reaper per process.
//
// The command's exit is the launcher's exit: its status, or 128+n when signal n killed it;
// ExitLauncherFailed (125) when the launcher failed without a command exit to report.
//
// Linux only.
package launcher
