// Package tokens fetches the delegation tokens a YARN application needs on a
// Kerberized cluster, so that its AM and containers work with no Kerberos
// at all: one HDFS delegation token per configured nameservice and one RM
// delegation token.
//
//	creds, info, err := tokens.Fetch(ctx, tokens.Options{Conf: cfg, Login: krb, Log: log})
//	// creds → ContainerLaunchContext.tokens (creds.Marshal(security.FormatWritable))
//	// info  → logs (kind, service, owner, renewer, issue and max dates; never a password)
//
// # Contract
//
//   - Services are what Hadoop's own clients write, so Java code in the
//     containers (Spark, the NodeManager's localizer) selects the tokens:
//     HDFS HA nameservice ns → "ha-hdfs:ns" (HAUtilClient
//     .buildTokenServiceForLogicalUri); a single NameNode → "ip:port"
//     (SecurityUtil.buildTokenService, hadoop.security.token.service.use_ip
//     default true; "host:port" lower-cased when false); the RM → the same
//     for yarn.resourcemanager.address, and with RM HA the services of every
//     rm-id joined by "," (ClientRMProxy.getTokenService). Each token's
//     alias is its service, as in Java.
//   - The renewer is the RM principal with _HOST replaced by the (first)
//     RM's host, as YarnClientUtils.getRmPrincipal and MapReduce's/Spark's
//     Master.getMasterPrincipal compute it; the issuing server stores its
//     auth_to_local short name ("yarn"), which must be the RM's own short
//     name for the RM's DelegationTokenRenewer to renew the token (else the
//     submission fails with "... tries to renew a token ... with
//     non-matching renewer").
//   - Nameservices: fs.defaultFS's, then every one in dfs.nameservices
//     (HA through dfs.ha.namenodes.<ns>, else dfs.namenode.rpc-address.<ns>).
//     An HA nameservice is asked through its NameNodes in order; a standby
//     or unreachable one passes to the next. Any nameservice failing fails
//     Fetch: an application missing a token fails later and less clearly.
//   - On a cluster with simple authentication there are no tokens to get:
//     Fetch returns empty credentials and no error. With Kerberos, Login is
//     required.
//   - Errors name the server and operation; Classify (applied to every
//     error Fetch returns) adds ErrImpersonation to kerberos.Classify's
//     classes, and Fix returns the one-line fix of either.
//
// # Using them without Kerberos
//
// RM: ipc.TokenAuth with the RM_DELEGATION_TOKEN on ApplicationClientProtocol (yarn.DialRM).
// HDFS: hdfsconn.Connect with Options.Tokens (the token whose service is fs.defaultFS's).
// Both at the cluster's hadoop.rpc.protection, as SASL DIGEST-MD5.
//
// # Renewal and long-running applications (why there is no Renew here)
//
// YARN renews the tokens of a running application itself: at submission the RM's
// DelegationTokenRenewer renews every token of the AM's launch context (a token it cannot
// renew fails the submission) and keeps renewing it until the application ends or the token
// reaches its max date (dfs.namenode.delegation.token.max-lifetime, 7 days by default). Past
// the max date nothing extends a token: an application that lives longer needs new ones.
// With --keytab the AM logs in from the keytab (shipped as a private LocalResource) inside
// its container and calls Fetch again at Info.RefreshAt(RenewInterval(cfg)), then hands the
// new credentials to its containers. Tokens fetched by the AM are unknown to the RM, which
// therefore never renews them: they live one renew interval, so the AM fetches again at 75%
// of it (Spark's model), each time. The RM's own refetch
// (yarn.resourcemanager.proxy-user-privileges.enabled) serves only localization and log
// aggregation, never the containers.
package tokens
