// Package kerberos logs a user in to Kerberos (gokrb5) and is the Kerberos
// V5 GSS-API mechanism under SASL GSSAPI for Hadoop RPC (hadoop/ipc).
//
// Login:
//
//	c, err := kerberos.Login(ctx, kerberos.Options{})                                 // ticket cache
//	c, err := kerberos.Login(ctx, kerberos.Options{Principal: p, Keytab: "/k/a.keytab"}) // keytab
//	defer c.Close()
//	ipc.ClientOptions{Auth: ipc.KerberosAuth(c.GSSAPI()), User: ipc.UserInfo{Effective: c.Principal()},
//		ServerPrincipal: "rm/_HOST@REALM", ...}
//	hdfs.ClientOptions{KerberosClient: c.KRB5(),
//		KerberosServicePrincipleName: kerberos.HDFSServicePrincipal("nn/_HOST@REALM"), ...}
//
// # Contract
//
//   - Configuration as MIT's tools read it: krb5.conf from KRB5_CONFIG, else
//     /etc/krb5.conf; the ticket cache from KRB5CCNAME (FILE caches only),
//     else /tmp/krb5cc_<uid>. A ticket-cache login sends nothing to the KDC
//     and fails at once when the cache is missing or its TGT has expired; a
//     keytab login is an AS exchange and renews itself until Close.
//   - Every network exchange with the KDC is bounded by the caller's ctx
//     (gokrb5 has no contexts: a call that outlives ctx is abandoned and ends
//     on gokrb5's own 5 s timeout per KDC). Nothing here retries or hangs.
//   - Failures are *Error values classified by one sentinel each (errors.Is):
//     ErrNoTicket, ErrTicketExpired, ErrBadCredentials, ErrClockSkew,
//     ErrUnknownRealm, ErrServerPrincipal, ErrKDCUnreachable, ErrConfig,
//     ErrUnsupportedEnctype. The message ends with a one-line fix (Fix
//     returns it alone). Classify does the same for a Hadoop server's
//     Kerberos rejections that reach the client as remote errors.
//   - Keys, tickets and keytab contents never appear in errors or logs.
//
// # The GSS-API mechanism
//
// Client.GSSAPI implements sasl.GSSAPIMechanism as Java's GssKrb5Client does
// it: a service ticket for the principal the server advertises, an AP-REQ
// asking for mutual authentication (with replay and sequence detection,
// integrity and confidentiality in its checksum flags, a fresh subkey and a
// random initial sequence number), a verified AP-REP, then RFC 4121 Wrap
// tokens for the SASL security layer: integrity tokens (checksum) for
// auth-int and the layer negotiation, sealed tokens (encrypted) for
// auth-conf. gokrb5 v8 covers none of the last three steps (its WrapToken
// has no sealing, no rotation, no acceptor flags or sequence numbers, and it
// cannot verify an AP-REP); wraptoken.go and gssapi.go fill that in. Only
// the enctypes with RFC 4121 tokens are supported: AES with SHA-1 (17, 18)
// and aes128-cts-hmac-sha256-128 (19); DES3 and RC4 sessions, and
// aes256-cts-hmac-sha384-192 (20, whose key gokrb5 v8.4.4 mis-sizes), fail
// with ErrUnsupportedEnctype.
package kerberos
