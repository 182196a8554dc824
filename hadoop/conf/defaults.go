package conf

// The built-in defaults: the keys orca-yarn (or its ipc/yarn/hdfs layers) reads, with the values
// of Hadoop 3.4.1's *-default.xml, checked against the source tree (GitHub mirror
// 1131103319/hadoop-3.4.1-src):
//
//	hadoop-common-project/hadoop-common/src/main/resources/core-default.xml
//	hadoop-hdfs-project/hadoop-hdfs/src/main/resources/hdfs-default.xml
//	hadoop-yarn-project/hadoop-yarn/hadoop-yarn-common/src/main/resources/yarn-default.xml
//
// A key whose default is empty or absent there (yarn.resourcemanager.principal,
// dfs.namenode.kerberos.principal, yarn.resourcemanager.ha.rm-ids, dfs.nameservices, ...) is
// not listed: Hadoop's parser drops empty values, so those keys are simply unset.
// Server-side keys (scheduler limits, NM settings) are left out on purpose: a client learns
// them from the RM, not from its own XML.
//
// Defaults are layered exactly where Hadoop puts them (see loadOrder): core-default before
// core-site, yarn-default after hdfs-site. That matters for one quirk Java users meet: a yarn.*
// key written in core-site.xml is overridden by yarn-default.xml unless it is final.

// defaultFile is one built-in *-default.xml: its name (used as the source in messages) and the
// subset of its properties we carry.
type defaultFile struct {
	name  string
	props [][2]string
}

// The three functions below return fresh tables so that no package state exists to mutate.

func coreDefaults() defaultFile {
	return defaultFile{name: "core-default.xml", props: [][2]string{
		{"fs.defaultFS", "file:///"},
		{"hadoop.security.authentication", "simple"},
		{"hadoop.rpc.protection", "authentication"},
		{"hadoop.security.token.service.use_ip", "true"},
		{"ipc.client.connect.timeout", "20000"},                 // ms, per connect attempt
		{"ipc.client.connect.max.retries", "10"},                // on connection refused etc.
		{"ipc.client.connect.retry.interval", "1000"},           // ms
		{"ipc.client.connect.max.retries.on.timeouts", "45"},    // on connect timeouts
		{"ipc.client.ping", "true"},                             // send pings while waiting for a response
		{"ipc.ping.interval", "60000"},                          // ms
		{"ipc.client.rpc-timeout.ms", "120000"},                 // ms; 3.4 default (older releases: 0)
		{"ipc.client.connection.maxidletime", "10000"},          // ms before an idle connection is closed
		{"ipc.client.tcpnodelay", "true"},                       //
		{"ipc.client.fallback-to-simple-auth-allowed", "false"}, // secure client vs insecure server
		{"ipc.maximum.data.length", "134217728"},                // bytes, largest request a server takes
		{"ipc.maximum.response.length", "134217728"},            // bytes, largest response a client takes
	}}
}

func hdfsDefaults() defaultFile {
	return defaultFile{name: "hdfs-default.xml", props: [][2]string{
		{"dfs.replication", "3"},
		{"dfs.client.use.datanode.hostname", "false"},
	}}
}

func yarnDefaults() defaultFile {
	return defaultFile{name: "yarn-default.xml", props: [][2]string{
		{"yarn.resourcemanager.hostname", "0.0.0.0"},
		{"yarn.resourcemanager.address", "${yarn.resourcemanager.hostname}:8032"},
		{"yarn.resourcemanager.scheduler.address", "${yarn.resourcemanager.hostname}:8030"},
		{"yarn.resourcemanager.admin.address", "${yarn.resourcemanager.hostname}:8033"},
		{"yarn.resourcemanager.webapp.address", "${yarn.resourcemanager.hostname}:8088"},
		{"yarn.resourcemanager.webapp.https.address", "${yarn.resourcemanager.hostname}:8090"},
		{"yarn.http.policy", "HTTP_ONLY"},
		{"yarn.resourcemanager.ha.enabled", "false"},
		// RMProxy's retry budget: how long a client keeps trying (and failing over) before it
		// gives up, and the pause between rounds.
		{"yarn.resourcemanager.connect.max-wait.ms", "900000"},
		{"yarn.resourcemanager.connect.retry-interval.ms", "30000"},
	}}
}

// Default ports, from YarnConfiguration.DEFAULT_RM_*_PORT and
// HdfsClientConfigKeys.DFS_NAMENODE_RPC_PORT_DEFAULT (3.4.1). They are used where Hadoop
// appends a port to a bare host: yarn.resourcemanager.hostname.<rm-id>, and an hdfs:// URI
// without a port.
const (
	defaultRMPort            = 8032
	defaultRMSchedulerPort   = 8030
	defaultRMAdminPort       = 8033
	defaultRMWebappPort      = 8088
	defaultRMWebappHTTPSPort = 8090
	defaultNameNodePort      = 8020
)

// deprecatedKeys maps old key names to the key Hadoop stores their value under
// (Configuration.defaultDeprecations). Only the one a client conf still commonly carries is
// here: fs.default.name from Hadoop 1 days.
func deprecatedKey(name string) string {
	if name == "fs.default.name" {
		return "fs.defaultFS"
	}
	return name
}
