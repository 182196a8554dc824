// Package rayrole is the program a Ray application's container runs under its launcher
// (`orca-yarn ray-node`): one Ray node, and on the head the driver.
//
// The launcher has already joined the gang and written the generation's plan, which carries
// every member's port plan (raynode.Attrs). Run then:
//
//   - on every rank, starts `ray start --block` for this node (raynode.Node) with the container's
//     vcores, GPUs and a memory split inside the YARN limit;
//   - on the head, waits until the GCS reports every member's node alive (by container id), tells
//     the AM (Options.Ready: the client waits for it), and in cluster deploy mode runs the driver
//     with RAY_ADDRESS and the token; the driver's exit is Run's, and so the application's;
//   - otherwise waits for the node's `ray start` to end, which is a failure: Ray nodes do not
//     leave a running cluster on their own.
//
// Run never stops Ray itself (never `ray stop`, which kills every Ray of the user on the host):
// when Run returns, the launcher stops the whole tree below it, Ray's workers included.
//
// This process is not the launcher's reaper, so it starts its children with os/exec.
package rayrole
