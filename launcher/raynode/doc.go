// Package raynode is what the launcher knows about Ray (checked against Ray 2.60): how a container
// plans, starts, checks and hands over one Ray node, so that several nodes, of one application
// or of several, share a NodeManager host without colliding or leaking.
//
// Ports. Ray picks some ports at random and others from fixed defaults (GCS 6379, Ray Client
// 10001, dashboard agent 52365, autoscaler metrics 44217, dashboard metrics 44227, workers
// 10002-19999), so a second node on a host collides. Each container plans all of them itself
// at join time (PlanPorts: bind-probe on this host, starting at an offset seeded by app id and
// rank in 24000-32767), publishes them in its barrier.Member.Attrs (Attrs), and workers read the
// head's GCS address from the plan's rank 0 (HeadGCSAddress). Two ports are environment
// variables, not flags (AUTOSCALER_METRIC_PORT, DASHBOARD_METRIC_PORT). Not plannable: Ray
// Client's per-connection servers, which the head's client proxy binds on 127.0.0.1 in
// 23000-23999 after probing; the default range stays clear of them.
//
// Start. Node.Command builds `ray start --block` with every port, --node-ip-address, a short
// private --temp-dir (MakeTempDir; unix socket paths must stay within 107 bytes), the
// container's vcores and GPUs (Ray would count the host's), --memory and --object-store-memory
// from SplitMemory, the dashboard off unless asked, usage stats off, and token authentication on.
//
// Memory. SplitMemory takes what the container reserves for others (the driver, in cluster
// deploy mode) and Ray's own processes (measured RSS) off the top, gives the object store 30% of
// the rest (capped by the free space of /dev/shm, which every container of the host shares) and
// the remainder to --memory, the logical resource tasks reserve. YARN's default pmem check sums
// RSS over the container's process tree, and plasma's shared pages are in the RSS of every
// process that touched them (writers, readers, spill and restore workers): measured on Ray 2.60,
// one 300 MB object read by four workers counted 1.5 GB, and filling an 800 MB object store with
// 1.5 GB of objects (spilling) showed 4.2 GB of RSS for 1.75 GB of real use (PSS). The
// smaps-based check (yarn.nodemanager.container-monitor.procfs-tree.smaps-based-rss.enabled)
// and cgroups count such pages once. So the split keeps Ray's own footprint inside the limit,
// but only smaps or cgroup accounting on the NodeManagers makes a busy object store safe from
// the pmem check; on a cluster without them, a smaller --object-store-memory is the lever.
//
// Auth. Every Ray process of the node and every driver gets RAY_AUTH_MODE=token and
// RAY_AUTH_TOKEN_PATH, a 0600 file (WriteTokenFile); the token is on no command line and in no
// environment, and RAY_AUTH_TOKEN, which would win over the file, is removed.
//
// Ready. GCSClient.WaitReady asks the GCS itself (gRPC over HTTP/2, from Go) until every expected
// node, by name (the container id), is alive.
//
// Drivers. DriverEnv gives a driver RAY_ADDRESS and the auth variables: the GCS address inside
// the head container (cluster deploy mode), or ray://head:client-port through Ray Client from
// outside (client deploy mode); Ray Client carries the token in Ray 2.60.
//
// Stop. Never `ray stop`: it kills every Ray process of the user on the host, by name. The
// launcher's tree stop (SIGTERM to every descendant, then SIGKILL) ends a node; the command sets
// RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S=0 so `ray start` does not first drain for 30 s. Ray's
// workers run in process groups of their own, so only the descendant walk of the launcher (a
// child subreaper) reaches them all. `ray start --block` keeps running when a child dies of
// SIGTERM; GCSClient.Nodes is the liveness check.
package raynode
