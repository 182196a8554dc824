// Package appmaster is orca-yarn's ApplicationMaster: `orca-yarn am` in the AM container. The
// decisions live in appmaster/core, a deterministic state machine; this package holds the edges
// around it: the RM heartbeat (AMRM protocol), container launches through the NodeManagers, the
// HTTP API for launchers and clients (amapi), the output hub (loghub), the rendezvous (barrier)
// and the final clean-up of the staging directory. One goroutine owns the core; everything else
// talks to it through events.
package appmaster
