// Package portplan finds free TCP ports on this host for the daemons a container starts (Ray's
// nodes, Spark's master and workers), so that two containers of one or two applications on one
// host never ask for the same port.
//
// A Prober binds each candidate on every address and holds it until the whole plan is found, then
// releases them all: the daemon must bind soon after. Probing starts at a seeded place in the range,
// so containers planning at the same moment start far apart and rarely race.
package portplan
