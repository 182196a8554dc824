// Package yarn holds typed clients for YARN's three protocols and the records they exchange:
//
//   - ApplicationClient talks to the ResourceManager's client service (submit, report, kill,
//     nodes, queues, delegation tokens).
//   - AMRMClient is an ApplicationMaster's link to the RM scheduler: register, allocate with
//     outstanding asks kept as absolute totals and the response-id rules of Hadoop 3, finish.
//   - NMClient starts, stops and queries containers on one NodeManager.
//
// The clients know YARN and nothing of the wire: they call through the Conn interface, which
// hadoop/ipc implements (DialRM and friends wire the two together). That keeps every rule of the
// YARN protocols testable with a scripted Conn, next to the real-cluster tests in integration/.
//
// IDs (application_…, appattempt_…, container_…) have Go types with Hadoop's exact string forms,
// because users paste them between this tool, the RM web UI and `yarn logs`.
package yarn
