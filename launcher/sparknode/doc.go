// Package sparknode is what the launcher knows about Spark's own standalone cluster manager
// (checked against PySpark 4.x from the packed env): how a container of the gang runs Spark next
// to its Ray node, so that one YARN application holds both engines.
//
// Shape. The head container runs Spark's Master and every container runs one Worker, all in the
// foreground under the launcher (`spark-class org.apache.spark.deploy.{master.Master,worker.Worker}`,
// never the sbin daemon scripts, which fork away from the container's process tree). The Worker
// starts the application's executor as its child, and the executor its Python workers, so the
// launcher's tree stop ends every JVM and Python process of the container.
//
// Ports. Spark's fixed defaults (7077, 8080, 8081) collide as soon as two gangs share a host, so
// the head plans the Master's RPC and web ports and every container its Worker's web port
// (portplan, the same ranges as Ray's), published through the barrier (Attrs). Everything else
// (the Worker's RPC port, executors, block managers, the driver) binds ports the kernel picks.
//
// Authentication. spark.authenticate is on with a secret derived from the application's secret
// (appspec.SparkSecret). The daemons read it from a 0600 properties file in the container's private
// directory, never from a command line; the Worker hands it to its executors in their environment,
// and a driver (the client, or the driver in the head container) reads the same derivation.
//
// Memory. A container holds the executor's heap (the Worker's --memory), the executor's overhead
// (JVM off-heap and the Python workers, as Spark's own memoryOverhead) and the daemons' JVMs
// (Reserve); Ray gets what is left of the container.
//
// Readiness. The head polls the Master's JSON status page until every member's Worker is ALIVE.
package sparknode
