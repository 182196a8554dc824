package raynode

import (
	"encoding/hex"
	"errors"
	"slices"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

// appendNodeInfo encodes what decodeNodeInfo reads, as the GCS does: for the fake GCS and the
// fuzz seeds.
func appendNodeInfo(b []byte, n NodeInfo) []byte {
	var m []byte
	id, _ := hex.DecodeString(n.ID)
	m = protowire.AppendTag(m, 1, protowire.BytesType)
	m = protowire.AppendBytes(m, id)
	m = protowire.AppendTag(m, 2, protowire.BytesType)
	m = protowire.AppendString(m, n.Address)
	m = protowire.AppendTag(m, 5, protowire.VarintType)
	m = protowire.AppendVarint(m, uint64(n.Port))
	if !n.Alive {
		m = protowire.AppendTag(m, 7, protowire.VarintType)
		m = protowire.AppendVarint(m, 1)
	}
	m = protowire.AppendTag(m, 12, protowire.BytesType)
	m = protowire.AppendString(m, n.Name)
	if n.Head {
		m = protowire.AppendTag(m, 25, protowire.VarintType)
		m = protowire.AppendVarint(m, 1)
	}
	m = protowire.AppendTag(m, 32, protowire.BytesType)
	m = protowire.AppendString(m, n.TempDir)
	b = protowire.AppendTag(b, 2, protowire.BytesType)
	return protowire.AppendBytes(b, m)
}

// appendStatus encodes a GcsStatus as field 1 of the reply.
func appendStatus(b []byte, code int32, msg string) []byte {
	var m []byte
	m = protowire.AppendTag(m, 1, protowire.VarintType)
	m = protowire.AppendVarint(m, uint64(code))
	m = protowire.AppendTag(m, 2, protowire.BytesType)
	m = protowire.AppendString(m, msg)
	b = protowire.AppendTag(b, 1, protowire.BytesType)
	return protowire.AppendBytes(b, m)
}

var sampleNodes = []NodeInfo{
	{ID: "3660002acdc20266", Address: "10.0.0.4", Port: 24006, Name: "container_1", TempDir: "/tmp/orca-ray-a", Head: true, Alive: true},
	{ID: "e6fa53957ea9ef43", Address: "10.0.0.5", Port: 25006, Name: "container_2", TempDir: "/tmp/orca-ray-b", Alive: false},
}

func TestDecodeNodesReply(t *testing.T) {
	var b []byte
	b = appendStatus(b, 0, "")
	for _, n := range sampleNodes {
		b = appendNodeInfo(b, n)
	}
	// Fields we do not read (total = 3, a fixed64, a nested message) are skipped.
	b = protowire.AppendTag(b, 3, protowire.VarintType)
	b = protowire.AppendVarint(b, 2)
	b = protowire.AppendTag(b, 9, protowire.Fixed64Type)
	b = protowire.AppendFixed64(b, 7)
	nodes, code, msg, err := decodeNodesReply(b)
	if err != nil || code != 0 || msg != "" {
		t.Fatalf("decode: %v code %d %q", err, code, msg)
	}
	if !slices.Equal(nodes, sampleNodes) {
		t.Fatalf("decoded %+v\nwant    %+v", nodes, sampleNodes)
	}
	_, code, msg, err = decodeNodesReply(appendStatus(nil, 14, "unavailable"))
	if err != nil || code != 14 || msg != "unavailable" {
		t.Fatalf("status: %v %d %q", err, code, msg)
	}
	for _, bad := range [][]byte{{0x12}, {0x12, 0x05, 0x01}, {0x12, 0x02, 0x0a, 0x09}, {0xff}} {
		if _, _, _, err := decodeNodesReply(bad); !errors.Is(err, errBadReply) {
			t.Errorf("% x: %v, want errBadReply", bad, err)
		}
	}
}

func FuzzDecodeNodesReply(f *testing.F) {
	var b []byte
	for _, n := range sampleNodes {
		b = appendNodeInfo(b, n)
	}
	f.Add(b)
	f.Add(appendStatus(nil, 5, "not found"))
	f.Add([]byte{0x12, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		nodes, _, _, err := decodeNodesReply(b)
		if err != nil {
			return
		}
		for _, n := range nodes {
			if _, err := hex.DecodeString(n.ID); err != nil {
				t.Fatalf("node id %q is not hex", n.ID)
			}
		}
	})
}
