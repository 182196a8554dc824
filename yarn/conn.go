package yarn

import (
	"context"

	"google.golang.org/protobuf/proto"
)

// Conn is what the clients need from the RPC layer: one Hadoop RPC connection (or a failover
// group of them) bound to one protocol. *ipc.Client implements it.
type Conn interface {
	Call(ctx context.Context, method string, req, resp proto.Message) error
	Close() error
}

// Protocol names as the servers register them (the @ProtocolInfo of the Java PB interfaces).
const (
	ApplicationClientProtocol   = "org.apache.hadoop.yarn.api.ApplicationClientProtocolPB"
	ApplicationMasterProtocol   = "org.apache.hadoop.yarn.api.ApplicationMasterProtocolPB"
	ContainerManagementProtocol = "org.apache.hadoop.yarn.api.ContainerManagementProtocolPB"
)
