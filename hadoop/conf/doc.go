// Package conf reads a Hadoop client configuration (the *-site.xml files in HADOOP_CONF_DIR)
// and answers the questions orca-yarn asks of it the way the Java client would: where the
// ResourceManagers and NameNodes are, with HA, and how to authenticate to them.
//
// It is the one place where Hadoop XML is loaded and validated (house rule 7): everything else
// takes a *Config, or values derived from it, and never reads XML or environment variables
// itself.
//
// # Loading
//
//	dirs, err := conf.DirsFromEnv(os.Getenv) // HADOOP_CONF_DIR, YARN_CONF_DIR, ${env.*}, ${user.name}
//	cfg, err := conf.Load(dirs)
//	rms, err := cfg.RMAddresses(conf.RMClient) // []RMEndpoint{{ID: "rm1", Addr: "rm1.example.com:8032"}, ...}
//
// Load reads, in Hadoop's order, with later files overriding earlier ones:
//
//	core-default  core-site.xml  hdfs-default  hdfs-site.xml  yarn-default  yarn-site.xml  resource-types.xml
//
// The *-default steps are built in (defaults.go lists the keys and where their values were
// checked). core-site and hdfs-site come from HADOOP_CONF_DIR, falling back to YARN_CONF_DIR;
// yarn-site and resource-types from YARN_CONF_DIR, falling back to HADOOP_CONF_DIR. Every file
// is optional, but a directory with none of the three *-site.xml is an error.
//
// Semantics follow Hadoop 3's org.apache.hadoop.conf.Configuration:
//   - <property> with <name>, <value>, <final>, or the attribute form; an empty <value> sets
//     nothing. A final key keeps its value against every later file.
//   - <xi:include href="..."/> is followed for files (absolute, file: or relative to the
//     including file), with <xi:fallback> when the file is missing; URLs are an error.
//   - ${name} expands from other keys, ${env.NAME} (with :- and - defaults) from the
//     environment, ${user.name} from the OS user; unknown variables stay literal. Values are
//     expanded once, at Load, so Get never fails: a value that needs 20 or more substitutions (in
//     practice, keys that refer to each other in a cycle) fails Load with an error naming the
//     key, even for a key orca-yarn never reads, where Java would fail only on reading it.
//   - the deprecated fs.default.name is read as fs.defaultFS; no other deprecations are
//     applied.
//
// Not supported: Java system properties other than user.name (HDP's ${hdp.version} stays
// literal), classpath resources, and Hadoop's credential providers.
//
// # Errors
//
// Every error wraps ErrNotConfigured (something is missing) or ErrInvalid (something is
// wrong), both the user's to fix (exit code 2), and names the variable, key, file and, for XML,
// the line. A Java client often logs a warning and goes on with a default where we return
// ErrInvalid (a boolean "ture", an unknown yarn.http.policy): orca-yarn runs unattended, and a
// silently ignored setting is harder to find than an error.
//
// # What is left to the callers
//
// This package does no network I/O of its own (HDFSTokenService resolves a host only
// through the HostResolver it is given). Failover loops (try each RMEndpoint or NameNode in
// turn) live in the ipc/yarn layers, and _HOST in principals is expanded by the caller, who
// knows which server it dials (ExpandPrincipal).
package conf
