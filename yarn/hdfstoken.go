package yarn

import (
	"context"
	"fmt"

	"github.com/orca-yarn/orca-yarn/hadoop/ipc"
	"github.com/orca-yarn/orca-yarn/yarnpb/commonpb"
	"google.golang.org/protobuf/proto"
)

// ClientNamenodeProtocol is the NameNode's client protocol name. Only its delegation-token calls
// are used here: YARN needs an HDFS token in a secure application's credentials, and
// colinmarc/hdfs (our HDFS data path) has no call for it.
const ClientNamenodeProtocol = "org.apache.hadoop.hdfs.protocol.ClientProtocol"

// NameNodeOptions say how to reach a NameNode's RPC port.
type NameNodeOptions struct {
	Addr string
	User ipc.UserInfo
	Auth ipc.Auth
	QOP  []ipc.QOP
	// ServerPrincipal is dfs.namenode.kerberos.principal (Kerberos only).
	ServerPrincipal string
}

// DialNameNode returns a Conn to a NameNode's ClientProtocol (it connects on the first call).
func DialNameNode(o NameNodeOptions) (Conn, error) {
	return ipc.NewClient(ipc.ClientOptions{
		Addr: o.Addr, Protocol: ClientNamenodeProtocol, ProtocolVersion: 1, User: o.User, Auth: o.Auth,
		QOP: o.QOP, ServerPrincipal: o.ServerPrincipal,
	})
}

// HDFSDelegationToken asks the NameNode for a delegation token renewable by renewer (the RM's
// principal, so YARN renews it). The NameNode leaves the service empty; the caller sets it
// (conf.Config.HDFSTokenService) before putting the token into credentials. ok is false when the
// NameNode issues none, which is what an insecure cluster does.
func HDFSDelegationToken(ctx context.Context, nn Conn, renewer string) (token *commonpb.TokenProto, ok bool, err error) {
	req := &commonpb.GetDelegationTokenRequestProto{Renewer: proto.String(renewer)}
	resp := &commonpb.GetDelegationTokenResponseProto{}
	if err := nn.Call(ctx, "getDelegationToken", req, resp); err != nil {
		return nil, false, fmt.Errorf("hdfs: getDelegationToken: %w", err)
	}
	if resp.Token == nil {
		return nil, false, nil
	}
	return resp.GetToken(), true, nil
}
