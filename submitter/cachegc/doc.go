// Package cachegc finds what orca-yarn keeps on HDFS for a user that nothing needs any more.
//
// Content-addressed entries are shared by every application of the user and never removed by
// one: the packed envs (.orca-yarn/envs/<key>.tar.gz, 850 MB is common), the builds of the
// binary (.orca-yarn/bin/<hash>/) and `cache put` files (.orca-yarn/cache/<hash>/). Each env
// change adds an archive, each upgrade a binary; without a collector they fill HDFS and, through
// the NodeManagers' caches, the nodes' disks.
//
// An entry is garbage when a live application does not name it and it has not been used for
// Options.UnusedFor. "Used" is the later of its modification and access times: the NameNode
// updates the access time when a NodeManager localizes the file, at most once per
// dfs.namenode.accesstime.precision (1 hour by default; with 0, access times are off and only
// the upload counts). Temporary uploads and publish locks older than Options.TempAge belong to
// clients that died. The live applications' own resources come from their spec.json (the
// caller reads them), so a restart of a container never finds its env gone. A Spark session
// that names an env archive in spark.archives is not an orca-yarn application: it is covered by
// the access time only.
package cachegc
