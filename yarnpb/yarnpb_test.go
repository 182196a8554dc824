package yarnpb_test

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"

	_ "github.com/colinmarc/hdfs/v2" // registers hadoop.common.* / hadoop.hdfs.*: must not clash with ours
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/orca-yarn/orca-yarn/yarnpb/commonpb"
	"github.com/orca-yarn/orca-yarn/yarnpb/yarnpb"
)

// Wire facts below were checked against Hadoop 3.4.1's RpcHeader.proto,
// IpcConnectionContext.proto, ProtobufRpcEngine2.proto, Security.proto,
// yarn_protos.proto, yarn_service_protos.proto and yarn_security_token.proto.

func marshal(t *testing.T, m proto.Message) []byte {
	t.Helper()
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		t.Fatalf("marshal %T: %v", m, err)
	}
	return b
}

func wantBytes(t *testing.T, name string, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		t.Errorf("%s:\n got  %s\n want %s", name, hex.EncodeToString(got), hex.EncodeToString(want))
	}
}

// Small protowire helpers so each expectation reads as "field N = value".
func varintField(b []byte, num protowire.Number, v uint64) []byte {
	return protowire.AppendVarint(protowire.AppendTag(b, num, protowire.VarintType), v)
}

func bytesField(b []byte, num protowire.Number, v []byte) []byte {
	return protowire.AppendBytes(protowire.AppendTag(b, num, protowire.BytesType), v)
}

func TestRegistryHasOursAndColinmarcs(t *testing.T) {
	// Reaching this point at all proves the init-time registration did not
	// panic; the look-ups prove both sets of descriptors really are linked.
	for _, name := range []protoreflect.FullName{
		"hadoop.common.TokenProto",                 // colinmarc/hdfs
		"hadoop.common.RpcRequestHeaderProto",      // colinmarc/hdfs
		"orca.hadoop.common.TokenProto",            // ours
		"orca.hadoop.common.RpcRequestHeaderProto", // ours
		"orca.hadoop.yarn.AllocateRequestProto",
		"orca.hadoop.yarn.ApplicationClientProtocolService",
	} {
		if _, err := protoregistry.GlobalFiles.FindDescriptorByName(name); err != nil {
			t.Errorf("%s not registered: %v", name, err)
		}
	}
	for _, m := range []proto.Message{
		&commonpb.TokenProto{}, &commonpb.RpcSaslProto_SaslAuth{},
		&yarnpb.AllocateRequestProto{}, &yarnpb.ApplicationSubmissionContextProto{},
	} {
		if name := m.ProtoReflect().Descriptor().FullName(); !strings.HasPrefix(string(name), "orca.hadoop.") {
			t.Errorf("%T registered as %s, want orca.hadoop.*", m, name)
		}
	}
	for _, path := range []string{"common/security.proto", "common/rpc_header.proto", "yarn/records.proto"} {
		fd, err := protoregistry.GlobalFiles.FindFileByPath(path)
		if err != nil {
			t.Errorf("file %s not registered: %v", path, err)
			continue
		}
		if got := string(fd.Package()); got != "orca.hadoop.common" && got != "orca.hadoop.yarn" {
			t.Errorf("file %s has package %q", path, got)
		}
	}
}

func TestRpcRequestHeaderWire(t *testing.T) {
	clientID := []byte("0123456789abcdef")
	h := &commonpb.RpcRequestHeaderProto{
		RpcKind:    commonpb.RpcKindProto_RPC_PROTOCOL_BUFFER.Enum(),
		RpcOp:      commonpb.RpcRequestHeaderProto_RPC_FINAL_PACKET.Enum(),
		CallId:     proto.Int32(-3),
		ClientId:   clientID,
		RetryCount: proto.Int32(-1),
	}
	want := []byte{0x08, 0x02, 0x10, 0x00, 0x18, 0x05, 0x22, 0x10}
	want = append(want, clientID...)
	want = append(want, 0x28, 0x01) // retryCount sint32 -1 -> zigzag 1
	wantBytes(t, "connection-context header", marshal(t, h), want)

	// SASL frame: callId -33 -> zigzag 65, empty clientId still present.
	sasl := &commonpb.RpcRequestHeaderProto{
		RpcKind:    commonpb.RpcKindProto_RPC_PROTOCOL_BUFFER.Enum(),
		RpcOp:      commonpb.RpcRequestHeaderProto_RPC_FINAL_PACKET.Enum(),
		CallId:     proto.Int32(-33),
		ClientId:   []byte{},
		RetryCount: proto.Int32(-1),
	}
	wantBytes(t, "sasl header", marshal(t, sasl),
		[]byte{0x08, 0x02, 0x10, 0x00, 0x18, 0x41, 0x22, 0x00, 0x28, 0x01})

	if commonpb.Default_RpcRequestHeaderProto_RetryCount != -1 {
		t.Errorf("retryCount default = %d, want -1", commonpb.Default_RpcRequestHeaderProto_RetryCount)
	}
}

func TestRpcResponseHeaderDecode(t *testing.T) {
	// A FATAL reply to a rejected preamble: callId -1 sent as uint32
	// (0xffffffff), status FATAL(2), class, message, errorDetail
	// FATAL_UNAUTHORIZED(15), then serverIpcVersionNum 9 (field 3).
	var b []byte
	b = varintField(b, 1, 0xffffffff)
	b = varintField(b, 2, 2)
	b = varintField(b, 3, 9)
	b = bytesField(b, 4, []byte("org.apache.hadoop.security.AccessControlException"))
	b = bytesField(b, 5, []byte("SIMPLE authentication is not enabled."))
	b = varintField(b, 6, 15)
	b = protowire.AppendTag(b, 8, protowire.VarintType)
	b = protowire.AppendVarint(b, protowire.EncodeZigZag(-1))

	var h commonpb.RpcResponseHeaderProto
	if err := proto.Unmarshal(b, &h); err != nil {
		t.Fatal(err)
	}
	if h.GetCallId() != 0xffffffff || int32(h.GetCallId()) != -1 {
		t.Errorf("callId = %d", h.GetCallId())
	}
	if h.GetStatus() != commonpb.RpcResponseHeaderProto_FATAL ||
		h.GetErrorDetail() != commonpb.RpcResponseHeaderProto_FATAL_UNAUTHORIZED ||
		h.GetServerIpcVersionNum() != 9 || h.GetRetryCount() != -1 ||
		h.GetExceptionClassName() != "org.apache.hadoop.security.AccessControlException" {
		t.Errorf("decoded %v", &h)
	}
	if len(h.ProtoReflect().GetUnknown()) != 0 {
		t.Errorf("unexpected unknown fields %x", h.ProtoReflect().GetUnknown())
	}
}

func TestRpcSaslWire(t *testing.T) {
	// An INITIATE for TOKEN must carry protocol "" (present but empty).
	m := &commonpb.RpcSaslProto{
		State: commonpb.RpcSaslProto_INITIATE.Enum(),
		Token: []byte("tok"),
		Auths: []*commonpb.RpcSaslProto_SaslAuth{{
			Method:    proto.String("TOKEN"),
			Mechanism: proto.String("DIGEST-MD5"),
			Protocol:  proto.String(""),
			ServerId:  proto.String("default"),
		}},
	}
	var auth []byte
	auth = bytesField(auth, 1, []byte("TOKEN"))
	auth = bytesField(auth, 2, []byte("DIGEST-MD5"))
	auth = bytesField(auth, 3, nil)
	auth = bytesField(auth, 4, []byte("default"))
	var want []byte
	want = varintField(want, 2, 2)
	want = bytesField(want, 3, []byte("tok"))
	want = bytesField(want, 4, auth)
	wantBytes(t, "sasl initiate", marshal(t, m), want)

	states := map[commonpb.RpcSaslProto_SaslState]int32{
		commonpb.RpcSaslProto_SUCCESS: 0, commonpb.RpcSaslProto_NEGOTIATE: 1,
		commonpb.RpcSaslProto_INITIATE: 2, commonpb.RpcSaslProto_CHALLENGE: 3,
		commonpb.RpcSaslProto_RESPONSE: 4, commonpb.RpcSaslProto_WRAP: 5,
	}
	for s, n := range states {
		if int32(s) != n {
			t.Errorf("%v = %d, want %d", s, s, n)
		}
	}
}

func TestConnectionContextAndRequestHeaderWire(t *testing.T) {
	ctx := &commonpb.IpcConnectionContextProto{
		UserInfo: &commonpb.UserInformationProto{EffectiveUser: proto.String("alice")},
		Protocol: proto.String("P"),
	}
	wantBytes(t, "connection context", marshal(t, ctx),
		[]byte{0x12, 0x07, 0x0a, 0x05, 'a', 'l', 'i', 'c', 'e', 0x1a, 0x01, 'P'})

	rh := &commonpb.RequestHeaderProto{
		MethodName:                 proto.String("allocate"),
		DeclaringClassProtocolName: proto.String("X"),
		ClientProtocolVersion:      proto.Uint64(1),
	}
	var want []byte
	want = bytesField(want, 1, []byte("allocate"))
	want = bytesField(want, 2, []byte("X"))
	want = varintField(want, 3, 1)
	wantBytes(t, "request header", marshal(t, rh), want)
}

func TestTokenAndCredentialsWire(t *testing.T) {
	tok := &commonpb.TokenProto{
		Identifier: []byte("id"),
		Password:   []byte("pw"),
		Kind:       proto.String("YARN_AM_RM_TOKEN"),
		Service:    proto.String(""),
	}
	var want []byte
	want = bytesField(want, 1, []byte("id"))
	want = bytesField(want, 2, []byte("pw"))
	want = bytesField(want, 3, []byte("YARN_AM_RM_TOKEN"))
	want = bytesField(want, 4, nil)
	wantBytes(t, "token", marshal(t, tok), want)

	creds := &commonpb.CredentialsProto{
		Tokens:  []*commonpb.CredentialsKVProto{{Alias: proto.String("a"), Token: tok}},
		Secrets: []*commonpb.CredentialsKVProto{{Alias: proto.String("s"), Secret: []byte{1}}},
	}
	var kv1, kv2, wantC []byte
	kv1 = bytesField(kv1, 1, []byte("a"))
	kv1 = bytesField(kv1, 2, want)
	kv2 = bytesField(kv2, 1, []byte("s"))
	kv2 = bytesField(kv2, 3, []byte{1})
	wantC = bytesField(wantC, 1, kv1)
	wantC = bytesField(wantC, 2, kv2)
	wantBytes(t, "credentials", marshal(t, creds), wantC)

	// Required fields are enforced by the Go runtime.
	if _, err := proto.Marshal(&commonpb.TokenProto{Identifier: []byte("x")}); err == nil {
		t.Error("TokenProto without required fields marshalled")
	}

	var renew []byte
	renew = varintField(renew, 1, 1700000000000)
	var rr commonpb.RenewDelegationTokenResponseProto
	if err := proto.Unmarshal(renew, &rr); err != nil || rr.GetNewExpiryTime() != 1700000000000 {
		t.Errorf("renew response: %v %v", err, &rr)
	}
}

// TestCommonMatchesColinmarc compares every orca.hadoop.common message with
// the hadoop.common message of the same name that colinmarc/hdfs registers
// (generated from Hadoop ~3.3's own .proto files): each field both define
// must agree on number, name, kind, cardinality and default, nested enums
// included. Fields only we define (newer than 3.3) are listed in newer.
func TestCommonMatchesColinmarc(t *testing.T) {
	newer := map[protoreflect.FullName]bool{}
	compared := 0
	for _, path := range []string{
		"common/rpc_header.proto", "common/ipc_connection_context.proto",
		"common/rpc_engine.proto", "common/security.proto",
	} {
		fd, err := protoregistry.GlobalFiles.FindFileByPath(path)
		if err != nil {
			t.Fatal(err)
		}
		var walk func(protoreflect.MessageDescriptors)
		walk = func(msgs protoreflect.MessageDescriptors) {
			for i := 0; i < msgs.Len(); i++ {
				ours := msgs.Get(i)
				walk(ours.Messages())
				theirName := protoreflect.FullName("hadoop.common" + string(ours.FullName())[len("orca.hadoop.common"):])
				d, err := protoregistry.GlobalFiles.FindDescriptorByName(theirName)
				if err != nil {
					t.Errorf("%s: colinmarc has no %s", ours.FullName(), theirName)
					continue
				}
				theirs := d.(protoreflect.MessageDescriptor)
				for j := 0; j < ours.Fields().Len(); j++ {
					f := ours.Fields().Get(j)
					g := theirs.Fields().ByNumber(f.Number())
					if g == nil {
						newer[f.FullName()] = true
						continue
					}
					compared++
					if f.Name() != g.Name() || f.Kind() != g.Kind() || f.Cardinality() != g.Cardinality() ||
						f.Default().String() != g.Default().String() {
						t.Errorf("%s: ours %s %v %v default %v, colinmarc %s %v %v default %v", f.FullName(),
							f.Name(), f.Cardinality(), f.Kind(), f.Default(), g.Name(), g.Cardinality(), g.Kind(), g.Default())
					}
					if f.Enum() != nil {
						for k := 0; k < f.Enum().Values().Len(); k++ {
							v := f.Enum().Values().Get(k)
							w := g.Enum().Values().ByName(v.Name())
							if w == nil || w.Number() != v.Number() {
								t.Errorf("%s: enum value %s=%d not in colinmarc's", f.FullName(), v.Name(), v.Number())
							}
						}
					}
				}
			}
		}
		walk(fd.Messages())
	}
	if compared < 40 {
		t.Errorf("compared only %d fields", compared)
	}
	t.Logf("compared %d fields; only in ours (Hadoop > 3.3): %v", compared, newer)
}
