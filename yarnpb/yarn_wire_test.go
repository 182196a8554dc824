package yarnpb_test

import (
	"bytes"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/orca-yarn/orca-yarn/yarnpb/commonpb"
	"github.com/orca-yarn/orca-yarn/yarnpb/yarnpb"
)

// Wire facts of the YARN messages; helpers live in yarnpb_test.go.

func TestResourceWire(t *testing.T) {
	r := &yarnpb.ResourceProto{
		Memory:       proto.Int64(1024),
		VirtualCores: proto.Int32(2),
		ResourceValueMap: []*yarnpb.ResourceInformationProto{{
			Key:   proto.String("yarn.io/gpu"),
			Value: proto.Int64(1),
		}},
	}
	gpu := append([]byte{0x0a, 0x0b}, "yarn.io/gpu"...)
	gpu = append(gpu, 0x10, 0x01)
	want := []byte{0x08, 0x80, 0x08, 0x10, 0x02, 0x1a, byte(len(gpu))}
	want = append(want, gpu...)
	wantBytes(t, "resource", marshal(t, r), want)

	// memory is int64: 2^33 MB must survive (an int32 field would not).
	big := marshal(t, &yarnpb.ResourceProto{Memory: proto.Int64(1 << 33)})
	wantBytes(t, "resource int64 memory", big, varintField(nil, 1, 1<<33))
}

func TestIDsWire(t *testing.T) {
	const ts = 1410901177871
	app := &yarnpb.ApplicationIdProto{Id: proto.Int32(1), ClusterTimestamp: proto.Int64(ts)}
	att := &yarnpb.ApplicationAttemptIdProto{ApplicationId: app, AttemptId: proto.Int32(1)}
	cid := &yarnpb.ContainerIdProto{AppAttemptId: att, Id: proto.Int64(17<<40 | 5)}

	appB := varintField(varintField(nil, 1, 1), 2, ts)
	attB := varintField(bytesField(nil, 1, appB), 2, 1)
	cidB := varintField(bytesField(nil, 2, attB), 3, 17<<40|5)
	wantBytes(t, "application id", marshal(t, app), appB)
	wantBytes(t, "attempt id", marshal(t, att), attB)
	wantBytes(t, "container id", marshal(t, cid), cidB)

	node := &yarnpb.NodeIdProto{Host: proto.String("h"), Port: proto.Int32(8041)}
	wantBytes(t, "node id", marshal(t, node), varintField(bytesField(nil, 1, []byte("h")), 2, 8041))

	amrm := &yarnpb.AMRMTokenIdentifierProto{AppAttemptId: att, KeyId: proto.Int32(7)}
	wantBytes(t, "amrm identifier", marshal(t, amrm), varintField(bytesField(nil, 1, attB), 2, 7))
	if yarnpb.Default_AMRMTokenIdentifierProto_KeyId != -1 {
		t.Error("AMRMTokenIdentifierProto.keyId default must be -1")
	}
}

func TestSubmissionWire(t *testing.T) {
	asc := &yarnpb.ApplicationSubmissionContextProto{
		ApplicationName:                 proto.String("n"),
		AmContainerSpec:                 &yarnpb.ContainerLaunchContextProto{Command: []string{"c"}},
		MaxAppAttempts:                  proto.Int32(1),
		ApplicationTags:                 []string{"t"},
		AttemptFailuresValidityInterval: proto.Int64(-1),
		NodeLabelExpression:             proto.String("gpu"),
		AmContainerResourceRequest: []*yarnpb.ResourceRequestProto{{
			ResourceName:  proto.String("*"),
			NumContainers: proto.Int32(1),
		}},
	}
	var rr []byte
	rr = bytesField(rr, 2, []byte("*"))
	rr = varintField(rr, 4, 1)
	var want []byte
	want = bytesField(want, 2, []byte("n"))
	want = bytesField(want, 5, bytesField(nil, 5, []byte("c")))
	want = varintField(want, 8, 1)
	want = bytesField(want, 12, []byte("t"))
	want = varintField(want, 13, uint64(0xffffffffffffffff)) // int64 -1: 10-byte varint
	want = bytesField(want, 16, []byte("gpu"))
	want = bytesField(want, 17, rr) // tag 17<<3|2 = 0x8a 0x01
	wantBytes(t, "submission context", marshal(t, asc), want)
	if !bytes.Contains(want, []byte{0x8a, 0x01}) {
		t.Error("field 17 tag should be two bytes 8a 01")
	}

	lr := &yarnpb.StringLocalResourceMapProto{
		Key: proto.String("env"),
		Value: &yarnpb.LocalResourceProto{
			Resource:   &yarnpb.URLProto{Scheme: proto.String("hdfs"), Port: proto.Int32(-1), File: proto.String("/f")},
			Size:       proto.Int64(10),
			Timestamp:  proto.Int64(20),
			Type:       yarnpb.LocalResourceTypeProto_ARCHIVE.Enum(),
			Visibility: yarnpb.LocalResourceVisibilityProto_APPLICATION.Enum(),
		},
	}
	var url, res, wantLR []byte
	url = bytesField(url, 1, []byte("hdfs"))
	url = varintField(url, 3, uint64(0xffffffffffffffff))
	url = bytesField(url, 4, []byte("/f"))
	res = bytesField(res, 1, url)
	res = varintField(res, 2, 10)
	res = varintField(res, 3, 20)
	res = varintField(res, 4, 1)
	res = varintField(res, 5, 3)
	wantLR = bytesField(wantLR, 1, []byte("env"))
	wantLR = bytesField(wantLR, 2, res)
	wantBytes(t, "local resource", marshal(t, lr), wantLR)

	clc := &yarnpb.ContainerLaunchContextProto{
		Tokens:      []byte{0xAA},
		Environment: []*yarnpb.StringStringMapProto{{Key: proto.String("K"), Value: proto.String("V")}},
		Command:     []string{"./am"},
	}
	var wantCLC []byte
	wantCLC = bytesField(wantCLC, 2, []byte{0xAA})
	wantCLC = bytesField(wantCLC, 4, bytesField(bytesField(nil, 1, []byte("K")), 2, []byte("V")))
	wantCLC = bytesField(wantCLC, 5, []byte("./am"))
	wantBytes(t, "launch context", marshal(t, clc), wantCLC)
}

func TestAllocateWire(t *testing.T) {
	req := &yarnpb.AllocateRequestProto{
		Ask: []*yarnpb.ResourceRequestProto{{
			Priority:            &yarnpb.PriorityProto{Priority: proto.Int32(1)},
			ResourceName:        proto.String("*"),
			Capability:          &yarnpb.ResourceProto{Memory: proto.Int64(2048)},
			NumContainers:       proto.Int32(3),
			AllocationRequestId: proto.Int64(7),
		}},
		Release:    []*yarnpb.ContainerIdProto{{Id: proto.Int64(2)}},
		ResponseId: proto.Int32(0),
		Progress:   proto.Float32(0.5),
	}
	var ask []byte
	ask = bytesField(ask, 1, varintField(nil, 1, 1))
	ask = bytesField(ask, 2, []byte("*"))
	ask = bytesField(ask, 3, varintField(nil, 1, 2048))
	ask = varintField(ask, 4, 3)
	ask = varintField(ask, 8, 7)
	var want []byte
	want = bytesField(want, 1, ask)
	want = bytesField(want, 2, varintField(nil, 3, 2))
	want = varintField(want, 4, 0)
	want = protowire.AppendFixed32(protowire.AppendTag(want, 5, protowire.Fixed32Type), 0x3f000000)
	wantBytes(t, "allocate request", marshal(t, req), want)

	// A response as an RM would send it: response_id 1, one container with a
	// container token, one completed status (exit -100), an NM token and a
	// rolled AMRM token.
	tok := bytesField(bytesField(bytesField(bytesField(nil, 1, []byte("i")), 2, []byte("p")), 3, []byte("k")), 4, []byte("s"))
	var ctr, st, nmt, b []byte
	ctr = bytesField(ctr, 1, varintField(nil, 3, 9))
	ctr = bytesField(ctr, 2, varintField(bytesField(nil, 1, []byte("nm")), 2, 8041))
	ctr = bytesField(ctr, 6, tok)
	ctr = varintField(ctr, 8, 7)
	st = bytesField(st, 1, varintField(nil, 3, 9))
	st = varintField(st, 2, 3)
	st = bytesField(st, 3, []byte("gone"))
	st = varintField(st, 4, uint64(0xffffffffffffff9c)) // int32 -100 as a 64-bit varint
	nmt = bytesField(nmt, 1, varintField(bytesField(nil, 1, []byte("nm")), 2, 8041))
	nmt = bytesField(nmt, 2, tok)
	b = varintField(b, 1, 1) // a_m_command AM_RESYNC
	b = varintField(b, 2, 1)
	b = bytesField(b, 3, ctr)
	b = bytesField(b, 4, st)
	b = bytesField(b, 5, varintField(nil, 1, 4096))
	b = varintField(b, 7, 4)
	b = bytesField(b, 9, nmt)
	b = bytesField(b, 12, tok)

	var resp yarnpb.AllocateResponseProto
	if err := proto.Unmarshal(b, &resp); err != nil {
		t.Fatal(err)
	}
	c := resp.GetAllocatedContainers()
	s := resp.GetCompletedContainerStatuses()
	switch {
	case resp.GetAMCommand() != yarnpb.AMCommandProto_AM_RESYNC, resp.GetResponseId() != 1:
		t.Errorf("header fields: %v", &resp)
	case len(c) != 1 || c[0].GetId().GetId() != 9 || c[0].GetNodeId().GetPort() != 8041 ||
		c[0].GetContainerToken().GetKind() != "k" || c[0].GetAllocationRequestId() != 7:
		t.Errorf("allocated containers: %v", c)
	case len(s) != 1 || s[0].GetState() != yarnpb.ContainerStateProto_C_COMPLETE ||
		s[0].GetExitStatus() != -100 || s[0].GetDiagnostics() != "gone":
		t.Errorf("completed statuses: %v", s)
	case resp.GetLimit().GetMemory() != 4096, resp.GetNumClusterNodes() != 4:
		t.Errorf("limit/nodes: %v", &resp)
	case len(resp.GetNmTokens()) != 1 || resp.GetNmTokens()[0].GetNodeId().GetHost() != "nm" ||
		resp.GetNmTokens()[0].GetToken().GetService() != "s":
		t.Errorf("nm tokens: %v", resp.GetNmTokens())
	case resp.GetAmRmToken().GetIdentifier()[0] != 'i':
		t.Errorf("am_rm_token: %v", resp.GetAmRmToken())
	}
	if len(resp.ProtoReflect().GetUnknown()) != 0 {
		t.Errorf("unexpected unknown fields")
	}
	// Unset exit status reads as Java's ContainerExitStatus.INVALID.
	if (&yarnpb.ContainerStatusProto{}).GetExitStatus() != -1000 {
		t.Error("exit_status default must be -1000")
	}
}

func TestReportAndNMWire(t *testing.T) {
	var b []byte
	b = bytesField(b, 5, []byte("amhost"))
	b = varintField(b, 6, 4040)
	b = varintField(b, 8, 5) // RUNNING
	b = bytesField(b, 9, []byte("http://rm/proxy/x"))
	b = varintField(b, 11, 111)
	b = varintField(b, 12, 222)
	b = varintField(b, 13, 1) // APP_SUCCEEDED
	b = bytesField(b, 18, []byte("ORCA"))
	b = bytesField(b, 20, []byte("tag"))
	var rep yarnpb.ApplicationReportProto
	if err := proto.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.GetHost() != "amhost" || rep.GetRpcPort() != 4040 ||
		rep.GetYarnApplicationState() != yarnpb.YarnApplicationStateProto_RUNNING ||
		rep.GetTrackingUrl() != "http://rm/proxy/x" || rep.GetStartTime() != 111 || rep.GetFinishTime() != 222 ||
		rep.GetFinalApplicationStatus() != yarnpb.FinalApplicationStatusProto_APP_SUCCEEDED ||
		rep.GetApplicationType() != "ORCA" || len(rep.GetApplicationTags()) != 1 ||
		rep.GetDiagnostics() != "N/A" {
		t.Errorf("report: %v", &rep)
	}

	start := &yarnpb.StartContainersRequestProto{StartContainerRequest: []*yarnpb.StartContainerRequestProto{{
		ContainerLaunchContext: &yarnpb.ContainerLaunchContextProto{Command: []string{"x"}},
		ContainerToken: &commonpb.TokenProto{
			Identifier: []byte{}, Password: []byte{}, Kind: proto.String("ContainerToken"), Service: proto.String(""),
		},
	}}}
	tok := bytesField(bytesField(bytesField(bytesField(nil, 1, nil), 2, nil), 3, []byte("ContainerToken")), 4, nil)
	one := bytesField(bytesField(nil, 1, bytesField(nil, 5, []byte("x"))), 2, tok)
	wantBytes(t, "start containers", marshal(t, start), bytesField(nil, 1, one))

	// failed_requests is field 3 of the start response, with the exception's
	// class_name at field 3.
	exc := bytesField(bytesField(nil, 1, []byte("msg")), 3, []byte("java.io.IOException"))
	failed := bytesField(bytesField(nil, 1, varintField(nil, 3, 4)), 2, exc)
	var sr yarnpb.StartContainersResponseProto
	if err := proto.Unmarshal(bytesField(nil, 3, failed), &sr); err != nil {
		t.Fatal(err)
	}
	if f := sr.GetFailedRequests(); len(f) != 1 || f[0].GetContainerId().GetId() != 4 ||
		f[0].GetException().GetClassName() != "java.io.IOException" {
		t.Errorf("start response: %v", &sr)
	}
}

func TestEnumValues(t *testing.T) {
	cases := []struct {
		name      string
		got, want int32
	}{
		{"RPC_PROTOCOL_BUFFER", int32(commonpb.RpcKindProto_RPC_PROTOCOL_BUFFER), 2},
		{"FATAL_VERSION_MISMATCH", int32(commonpb.RpcResponseHeaderProto_FATAL_VERSION_MISMATCH), 14},
		{"ERROR_APPLICATION", int32(commonpb.RpcResponseHeaderProto_ERROR_APPLICATION), 1},
		{"NEW", int32(yarnpb.YarnApplicationStateProto_NEW), 1},
		{"ACCEPTED", int32(yarnpb.YarnApplicationStateProto_ACCEPTED), 4},
		{"KILLED", int32(yarnpb.YarnApplicationStateProto_KILLED), 8},
		{"APP_UNDEFINED", int32(yarnpb.FinalApplicationStatusProto_APP_UNDEFINED), 0},
		{"APP_ENDED", int32(yarnpb.FinalApplicationStatusProto_APP_ENDED), 4},
		{"C_NEW", int32(yarnpb.ContainerStateProto_C_NEW), 1},
		{"NS_RUNNING", int32(yarnpb.NodeStateProto_NS_RUNNING), 2},
		{"NS_SHUTDOWN", int32(yarnpb.NodeStateProto_NS_SHUTDOWN), 8},
		{"FILE", int32(yarnpb.LocalResourceTypeProto_FILE), 2},
		{"PUBLIC", int32(yarnpb.LocalResourceVisibilityProto_PUBLIC), 1},
		{"OPPORTUNISTIC", int32(yarnpb.ExecutionTypeProto_OPPORTUNISTIC), 2},
		{"AM_SHUTDOWN", int32(yarnpb.AMCommandProto_AM_SHUTDOWN), 2},
		{"Q_RUNNING", int32(yarnpb.QueueStateProto_Q_RUNNING), 2},
		{"OWN", int32(yarnpb.ApplicationsRequestScopeProto_OWN), 2},
		{"APPACCESS_MODIFY_APP", int32(yarnpb.ApplicationAccessTypeProto_APPACCESS_MODIFY_APP), 2},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
		}
	}
}
