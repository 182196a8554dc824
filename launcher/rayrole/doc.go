// Package rayrole is the program a Ray-mode application's container runs under its launcher
// (`orca-yarn ray-node`): the gang's engines, one Ray node and/or Spark's daemons (sparknode: the
// Master on the head, a Worker everywhere), and on the head the driver. Spark starts first (its
// JVMs are the slower), Ray beside it; the head reports ready once Ray's GCS sees every member's
// node and Spark's Master every member's Worker, and any engine's daemon ending is the container's
// failure.
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
