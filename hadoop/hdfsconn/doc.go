// Package hdfsconn connects to a cluster's HDFS (colinmarc/hdfs) the way Hadoop's own client
// would from the cluster configuration: every NameNode of an HA nameservice, DataNodes by host
// name when dfs.client.use.datanode.hostname says so, bounded dials. Both the submitter
// (staging) and the AM (clean-up of the staging directory) use it.
//
// # Contract
//
//   - Simple authentication: the client is Options.User, as before.
//   - Kerberos (hadoop.security.authentication=kerberos) with Options.Login: the NameNode is
//     dialled with SASL GSSAPI for dfs.namenode.kerberos.principal (_HOST being each
//     NameNode's host), at the strongest QOP of hadoop.rpc.protection the NameNode offers.
//   - Kerberos with Options.Tokens instead (an AM or a container: tokens, no keytab): the
//     NameNode is dialled with SASL TOKEN (DIGEST-MD5) and the HDFS delegation token whose
//     service is fs.defaultFS's; colinmarc has no token authentication, so this package does
//     it under colinmarc (tokenconn.go).
//   - DataNodes under dfs.data.transfer.protection (Kerberos clusters only, as in Hadoop):
//     SASL DIGEST-MD5 with the block token at authentication, integrity or privacy, also done
//     under colinmarc, whose own integrity and privacy lose bytes (datatransfer.go). When the
//     NameNode's server defaults ask for dfs.encrypt.data.transfer, colinmarc's own encryption
//     runs instead.
//   - Options.ProxyUser (with User or Login): every NameNode connection acts as that user, the
//     login (or User) being the real user (proxy.go); the cluster's hadoop.proxyuser.<real>.*
//     decide. A refusal is tokens.ErrImpersonation with its one-line fix (tokens.Fix).
//   - Connect makes the first NameNode call (getServerDefaults) before it returns, within ctx,
//     so a refused login, token or impersonation fails here, classified (tokens.Classify,
//     which includes kerberos.Classify; ipc's sentinels for the server's exception), not on
//     the first file operation.
package hdfsconn
