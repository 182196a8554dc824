// Package ipc is a client for Hadoop RPC version 9 (the protobuf engine of
// Hadoop 2 and 3) with SASL authentication. It knows nothing about YARN or
// HDFS: the protocol name, method names and messages come from the caller.
//
// A connection, from the client's side:
//
//	preamble  "hrpc" 0x09 0x00 auth              auth 0x00 = SIMPLE, 0xDF = SASL
//	SASL      frames with callId -33             (SASL only; see sasl.go)
//	context   frame{hdr callId -3, IpcConnectionContextProto{userInfo, protocol}}
//	calls     frame{hdr callId n ≥ 0, RequestHeaderProto{method, protocol, version}, request}
//	pings     frame{hdr callId -4}               when idle for PingInterval
//
// and from the server's side only responses, in any order:
//
//	frame{RpcResponseHeaderProto{callId n, status}, response}   SUCCESS
//	frame{RpcResponseHeaderProto{callId n, ERROR, class, msg}}  the call failed
//	frame{RpcResponseHeaderProto{callId, FATAL, class, msg}}    and the server hangs up
//
// Every frame is a big-endian uint32 length followed by varint-delimited
// protobuf messages (frame.go). When SASL negotiates integrity or privacy,
// that whole stream travels inside SASL WRAP frames (wrap.go).
//
// # Contract
//
//   - A Client talks to one address and one protocol, over at most one
//     connection at a time, opened lazily by the first Call and again by the
//     first Call after it broke (up to MaxConnectAttempts tries).
//   - Calls are multiplexed on the connection by call id; any number may be
//     in flight from any goroutines.
//   - ctx bounds a Call: its deadline is the socket deadline while dialing,
//     authenticating and writing, and the wait for the reply returns when
//     ctx is done (the late reply is discarded). Writing a frame is not
//     interruptible without breaking the stream, so a write cut short by ctx
//     closes the connection.
//   - Errors say which call on which server failed and wrap the cause:
//     a *RemoteError for exceptions the server reported (Java class and
//     message intact), or a connection failure. Classify with errors.Is:
//     ErrNotFound, ErrStandby, ErrAccessDenied, ErrInvalidToken,
//     ErrRetryable, ErrServerTooBusy (classify.go has the table), ErrClosed.
//   - When the connection breaks, every waiting call fails with an error
//     matching ErrRetryable; the call may or may not have run. A FATAL
//     reply fails them with the server's RemoteError instead.
//   - Nothing is retried above the connection: retry policies (which calls
//     are idempotent, HA failover) belong to the caller.
//
// # Authentication
//
// SimpleAuth sends the user name in the connection context and no SASL.
// TokenAuth uses SASL DIGEST-MD5 with a Hadoop token (the RM scheduler and
// NodeManagers accept nothing else, even on insecure clusters).
// KerberosAuth uses SASL GSSAPI through a GSSAPIMechanism supplied by the
// caller. Integrity and privacy protection (hadoop.rpc.protection) work
// with both; package sasl documents the ciphers.
package ipc
