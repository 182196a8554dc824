// Package yarnpb holds the Go code generated from yarnpb/yarn/*.proto,
// orca-yarn's own subset of Hadoop YARN's protocols: the records (ids,
// resources, containers, nodes, launch and submission contexts, application
// and queue reports) and the request/response messages of
// ApplicationClientProtocol (client_protocol.proto), ApplicationMasterProtocol
// (am_protocol.proto) and ContainerManagementProtocol (nm_protocol.proto),
// plus the AMRM and NM token identifiers. Field numbers, types, defaults and
// enum values match Hadoop 3.x, so the bytes on the wire are identical; the
// proto package is orca.hadoop.yarn (importing orca.hadoop.common from
// commonpb) rather than hadoop.yarn/hadoop.common, so that these descriptors
// can live in one binary with github.com/colinmarc/hdfs/v2, which registers
// hadoop.common.* itself; duplicate registrations panic at start-up. Only
// fields orca-yarn uses or may soon use are modelled; the rest survive
// decoding as unknown fields. Regenerate with scripts/gen-proto.sh; do not
// edit the *.pb.go files.
package yarnpb
