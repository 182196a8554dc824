package raynode

import (
	"context"
	"errors"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
)

func kvGetReply(code int32, value string, withValue bool) []byte {
	status := protowire.AppendTag(nil, 1, protowire.VarintType)
	status = protowire.AppendVarint(status, uint64(code))
	b := protowire.AppendTag(nil, 1, protowire.BytesType)
	b = protowire.AppendBytes(b, status)
	if withValue {
		b = protowire.AppendTag(b, 2, protowire.BytesType)
		b = protowire.AppendString(b, value)
	}
	return b
}

func TestDecodeKVGetReply(t *testing.T) {
	v, code, err := decodeKVGetReply(kvGetReply(0, "session_2026-11-22_05-18-59_885945_23674", true))
	if err != nil || code != 0 || v != "session_2026-11-22_05-18-59_885945_23674" {
		t.Fatalf("found: %q %d %v", v, code, err)
	}
	if v, code, err := decodeKVGetReply(kvGetReply(gcsStatusNotFound, "", false)); err != nil || code != gcsStatusNotFound || v != "" {
		t.Fatalf("not found: %q %d %v", v, code, err)
	}
	if _, _, err := decodeKVGetReply([]byte{0x0a, 0x05, 0x08}); err == nil {
		t.Fatal("a truncated reply decoded")
	}
}

func TestSessionQueryOfAnotherProtocolStopsTheWait(t *testing.T) {
	g := startFakeGCS(t, testToken, func(int32) ([]NodeInfo, string, string) { return nil, "12", "unknown method" })
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute) // bounds a wrong wait; the assertion is on the error
	defer cancel()
	_, err := newTestClient(t, g.addr, testToken).WaitSession(ctx)
	if !errors.Is(err, errUnimplemented) {
		t.Fatalf("want the wait to end on UNIMPLEMENTED, got %v", err)
	}
}

func FuzzDecodeKVGetReply(f *testing.F) {
	f.Add(kvGetReply(0, "session_x", true))
	f.Add(kvGetReply(17, "", false))
	f.Add([]byte{0x0a, 0x05, 0x08})
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _, _ = decodeKVGetReply(b) // must not panic on anything the network sends
	})
}
