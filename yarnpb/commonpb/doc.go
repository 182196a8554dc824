// Package commonpb holds the Go code generated from yarnpb/common/*.proto,
// orca-yarn's own subset of Hadoop's common RPC protocols: the IPC frame
// headers (RpcRequestHeaderProto, RpcResponseHeaderProto, RpcSaslProto), the
// connection context, the protobuf-engine call header (RequestHeaderProto) and
// the token and delegation-token messages (TokenProto, CredentialsProto,
// Get/Renew/CancelDelegationToken*). Field numbers and types match Hadoop 3.x
// so the bytes on the wire are identical, but the proto package is
// orca.hadoop.common rather than hadoop.common: github.com/colinmarc/hdfs/v2
// registers hadoop.common.* in the global protobuf registry, and a second
// registration of the same names panics at program start. Package names never
// reach the wire for these messages. Regenerate with scripts/gen-proto.sh;
// do not edit the *.pb.go files.
package commonpb
