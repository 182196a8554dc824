// Package sasl holds the client halves of the two SASL mechanisms Hadoop RPC
// uses, with no knowledge of Hadoop's RPC framing (package ipc carries their
// tokens inside RpcSaslProto messages):
//
//   - DIGEST-MD5 (RFC 2831) for TOKEN authentication, as Java's
//     com.sun.security.sasl.digest provider speaks it: realm "default",
//     charset utf-8, algorithm md5-sess, qop auth, auth-int and auth-conf
//     with the ciphers 3des, rc4, des, rc4-56 and rc4-40.
//   - GSSAPI (RFC 4752) for KERBEROS authentication, over a GSSAPIMechanism
//     that another package implements (Kerberos itself is not here;
//     hadoop/security/kerberos does it with gokrb5): the
//     context-establishment loop and the 4-byte security-layer negotiation
//     (gsslayer.go), whose server offer is untrusted input.
//
// A finished mechanism reports the negotiated QOP and, for auth-int and
// auth-conf, a SecurityLayer whose Wrap and Unwrap protect every later
// message in each direction.
//
// The DIGEST-MD5 security layer (RFC 2831 §2.3, §2.4; sizes in bytes):
//
//	integrity (auth-int):
//	+---------+-------------------------------------+---------+--------+
//	| msg     | HMAC-MD5(Kic, seq‖msg)[0:10]        | 00 01   | seq    |
//	+---------+-------------------------------------+---------+--------+
//	  n         10                                    2         4 (BE)
//
//	privacy (auth-conf):
//	+----------------------------------------------+---------+--------+
//	| CIPHER(Kcc, msg ‖ pad ‖ HMAC(Kic, seq‖msg)[0:10]) | 00 01 | seq |
//	+----------------------------------------------+---------+--------+
//	  pad only for the DES ciphers (1..8 bytes of value len(pad)); the
//	  cipher state (RC4 stream, DES-CBC chain) runs on across messages.
//
// Each direction has its own sequence number starting at 0 and its own keys
// (client-to-server Kic/Kcc, server-to-client Kis/Kcs).
package sasl
