package raynode

import (
	"encoding/hex"
	"errors"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// The part of Ray's GCS protocol we speak: one unary gRPC call,
// ray.rpc.NodeInfoGcsService/GetAllNodeInfo (src/ray/protobuf/gcs_service.proto), decoded by
// hand because only five fields of one message matter and Ray's protos are not ours to vendor.
// Field numbers were read from the descriptors of the Ray 2.60 wheel; protobuf keeps them
// stable across versions.
//
//	GetAllNodeInfoRequest {}                       (no filter: every node, dead ones too)
//	GetAllNodeInfoReply   { GcsStatus status = 1; repeated GcsNodeInfo node_info_list = 2; }
//	GcsStatus             { int32 code = 1; string message = 2; }
//	GcsNodeInfo           { bytes node_id = 1; string node_manager_address = 2;
//	                        int32 node_manager_port = 5; GcsNodeState state = 7 (ALIVE=0, DEAD=1);
//	                        string node_name = 12; bool is_head_node = 25; string temp_dir = 32; }
const getAllNodeInfoPath = "/ray.rpc.NodeInfoGcsService/GetAllNodeInfo"

// NodeInfo is one node as the GCS knows it.
type NodeInfo struct {
	ID      string // hex
	Address string // node_manager_address: the node IP it registered
	Port    int    // the raylet's node manager port
	Name    string
	TempDir string
	Head    bool
	Alive   bool
}

var errBadReply = errors.New("raynode: malformed GCS reply")

// decodeNodesReply decodes a GetAllNodeInfoReply. The bytes come from the network.
func decodeNodesReply(b []byte) (nodes []NodeInfo, status int32, msg string, err error) {
	err = eachField(b, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		switch {
		case num == 1 && typ == protowire.BytesType:
			return eachField(v, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
				switch {
				case num == 1 && typ == protowire.VarintType:
					status = int32(x)
				case num == 2 && typ == protowire.BytesType:
					msg = string(v)
				}
				return nil
			})
		case num == 2 && typ == protowire.BytesType:
			n, err := decodeNodeInfo(v)
			if err != nil {
				return err
			}
			nodes = append(nodes, n)
		}
		return nil
	})
	if err != nil {
		return nil, 0, "", err
	}
	return nodes, status, msg, nil
}

func decodeNodeInfo(b []byte) (NodeInfo, error) {
	n := NodeInfo{Alive: true} // state ALIVE is 0, the default, so it is absent on the wire
	err := eachField(b, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		switch {
		case num == 1 && typ == protowire.BytesType:
			n.ID = hex.EncodeToString(v)
		case num == 2 && typ == protowire.BytesType:
			n.Address = string(v)
		case num == 5 && typ == protowire.VarintType:
			n.Port = int(int32(x))
		case num == 7 && typ == protowire.VarintType:
			n.Alive = x == 0
		case num == 12 && typ == protowire.BytesType:
			n.Name = string(v)
		case num == 25 && typ == protowire.VarintType:
			n.Head = x != 0
		case num == 32 && typ == protowire.BytesType:
			n.TempDir = string(v)
		}
		return nil
	})
	return n, err
}

// eachField walks the fields of one message, giving the payload of length-delimited fields and
// the value of varints; other wire types are skipped.
func eachField(b []byte, f func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return fmt.Errorf("%w: %w", errBadReply, protowire.ParseError(n))
		}
		b = b[n:]
		var v []byte
		var x uint64
		switch typ {
		case protowire.BytesType:
			v, n = protowire.ConsumeBytes(b)
		case protowire.VarintType:
			x, n = protowire.ConsumeVarint(b)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return fmt.Errorf("%w: field %d: %w", errBadReply, num, protowire.ParseError(n))
		}
		b = b[n:]
		if err := f(num, typ, v, x); err != nil {
			return err
		}
	}
	return nil
}
