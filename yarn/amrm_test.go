package yarn

import (
	"context"
	"fmt"
	"testing"

	"github.com/orca-yarn/orca-yarn/hadoop/ipc"
	"github.com/orca-yarn/orca-yarn/yarnpb/commonpb"
	"github.com/orca-yarn/orca-yarn/yarnpb/yarnpb"
	"google.golang.org/protobuf/proto"
)

var testAttempt = AttemptID{App: ApplicationID{ClusterTimestamp: 1700000000000, ID: 7}, Attempt: 1}

func allocated(seq int64, host string, prio int32) *yarnpb.ContainerProto {
	return &yarnpb.ContainerProto{
		Id:                  ContainerID{Attempt: testAttempt, Sequence: seq}.Proto(),
		NodeId:              &yarnpb.NodeIdProto{Host: proto.String(host), Port: proto.Int32(8041)},
		Resource:            Resource{MemoryMB: 1024, VCores: 1}.Proto(),
		Priority:            &yarnpb.PriorityProto{Priority: proto.Int32(prio)},
		AllocationRequestId: proto.Int64(0),
	}
}

func TestAllocateEchoesResponseIDAndSendsTotalsOnlyWhenChanged(t *testing.T) {
	conn := &scriptedConn{t: t, steps: []step{
		{method: "registerApplicationMaster", resp: &yarnpb.RegisterApplicationMasterResponseProto{}},
		{method: "allocate", resp: &yarnpb.AllocateResponseProto{ResponseId: proto.Int32(1),
			AllocatedContainers: []*yarnpb.ContainerProto{allocated(2, "nm1", 1)},
			NmTokens: []*yarnpb.NMTokenProto{{
				NodeId: &yarnpb.NodeIdProto{Host: proto.String("nm1"), Port: proto.Int32(8041)},
				Token:  &commonpb.TokenProto{Identifier: []byte("id"), Password: []byte("pw"), Kind: proto.String("NMToken"), Service: proto.String("nm1:8041")},
			}}}},
		{method: "allocate", resp: &yarnpb.AllocateResponseProto{ResponseId: proto.Int32(2)}},
		{method: "allocate", resp: &yarnpb.AllocateResponseProto{ResponseId: proto.Int32(3)}},
	}}
	c := NewAMRMClient(conn, nil)
	ctx := context.Background()
	if _, err := c.Register(ctx, "am-host", -1, ""); err != nil {
		t.Fatal(err)
	}
	key := AskKey{Priority: 1}
	c.SetAsk(Ask{Key: key, Capability: Resource{MemoryMB: 1024, VCores: 1}, Count: 3})
	a, err := c.Allocate(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Allocated) != 1 || a.Allocated[0].Node.Host != "nm1" {
		t.Fatalf("allocated %+v", a.Allocated)
	}
	if got := c.Outstanding(key); got != 2 {
		t.Fatalf("outstanding after one allocation = %d, want 2 (the RM decremented its total)", got)
	}
	if _, ok := c.NMToken(NodeID{Host: "nm1", Port: 8041}); !ok {
		t.Fatal("NM token for nm1 not cached")
	}
	// Unchanged ask: the heartbeat carries no ask and echoes the last response id.
	if _, err := c.Allocate(ctx, 0.5); err != nil {
		t.Fatal(err)
	}
	// Setting the same total again is not a change either.
	c.SetAsk(Ask{Key: key, Capability: Resource{MemoryMB: 1024, VCores: 1}, Count: 2})
	if _, err := c.Allocate(ctx, 0.5); err != nil {
		t.Fatal(err)
	}
	conn.done()
	first, second, third := conn.sent[1].(*yarnpb.AllocateRequestProto), conn.sent[2].(*yarnpb.AllocateRequestProto), conn.sent[3].(*yarnpb.AllocateRequestProto)
	if first.GetResponseId() != 0 || second.GetResponseId() != 1 || third.GetResponseId() != 2 {
		t.Errorf("response ids sent %d, %d, %d; want 0, 1, 2", first.GetResponseId(), second.GetResponseId(), third.GetResponseId())
	}
	if len(first.GetAsk()) != 1 || first.GetAsk()[0].GetNumContainers() != 3 || first.GetAsk()[0].GetResourceName() != "*" {
		t.Errorf("first ask %v, want one ANY request for 3", first.GetAsk())
	}
	if len(second.GetAsk()) != 0 || len(third.GetAsk()) != 0 {
		t.Errorf("unchanged totals were re-sent: %v / %v", second.GetAsk(), third.GetAsk())
	}
}

func TestAllocateReRegistersAndResendsState(t *testing.T) {
	notRegistered := fmt.Errorf("ipc: call allocate on rm:8030: %w", &ipc.RemoteError{
		Class: "org.apache.hadoop.yarn.exceptions.ApplicationMasterNotRegisteredException", Method: "allocate"})
	conn := &scriptedConn{t: t, steps: []step{
		{method: "registerApplicationMaster", resp: &yarnpb.RegisterApplicationMasterResponseProto{}},
		{method: "allocate", resp: &yarnpb.AllocateResponseProto{ResponseId: proto.Int32(1)}},
		{method: "allocate", err: notRegistered},
		{method: "registerApplicationMaster", resp: &yarnpb.RegisterApplicationMasterResponseProto{}},
		{method: "allocate", resp: &yarnpb.AllocateResponseProto{ResponseId: proto.Int32(1)}},
	}}
	c := NewAMRMClient(conn, nil)
	ctx := context.Background()
	if _, err := c.Register(ctx, "am-host", 4242, "http://am-host:4243/"); err != nil {
		t.Fatal(err)
	}
	c.SetAsk(Ask{Key: AskKey{Priority: 1}, Capability: Resource{MemoryMB: 512, VCores: 1}, Count: 2})
	if _, err := c.Allocate(ctx, 0); err != nil {
		t.Fatal(err)
	}
	c.Release(ContainerID{Attempt: testAttempt, Sequence: 9})
	if _, err := c.Allocate(ctx, 0); err != nil {
		t.Fatalf("allocate after RM restart: %v", err)
	}
	conn.done()
	rereg := conn.sent[3].(*yarnpb.RegisterApplicationMasterRequestProto)
	if rereg.GetRpcPort() != 4242 || rereg.GetTrackingUrl() != "http://am-host:4243/" {
		t.Errorf("re-registration lost its fields: %v", rereg)
	}
	retry := conn.sent[4].(*yarnpb.AllocateRequestProto)
	if retry.GetResponseId() != 0 {
		t.Errorf("after re-registering the response id must restart at 0, got %d", retry.GetResponseId())
	}
	if len(retry.GetAsk()) != 1 || retry.GetAsk()[0].GetNumContainers() != 2 {
		t.Errorf("outstanding ask not re-sent after re-registering: %v", retry.GetAsk())
	}
	if len(retry.GetRelease()) != 1 {
		t.Errorf("pending release not re-sent: %v", retry.GetRelease())
	}
}

func TestFinishRepeatsUntilUnregistered(t *testing.T) {
	conn := &scriptedConn{t: t, steps: []step{
		{method: "finishApplicationMaster", resp: &yarnpb.FinishApplicationMasterResponseProto{IsUnregistered: proto.Bool(false)}},
		{method: "finishApplicationMaster", resp: &yarnpb.FinishApplicationMasterResponseProto{IsUnregistered: proto.Bool(true)}},
	}}
	c := NewAMRMClient(conn, nil)
	if err := c.Finish(context.Background(), FinalFailed, "2 of 3 containers failed", ""); err != nil {
		t.Fatal(err)
	}
	conn.done()
	req := conn.sent[0].(*yarnpb.FinishApplicationMasterRequestProto)
	if req.GetFinalApplicationStatus() != yarnpb.FinalApplicationStatusProto_APP_FAILED || req.GetDiagnostics() == "" {
		t.Errorf("finish request %v", req)
	}
}

func TestTokenRollIsHandedOver(t *testing.T) {
	rolled := &commonpb.TokenProto{Identifier: []byte("new"), Password: []byte("p"), Kind: proto.String("YARN_AM_RM_TOKEN"), Service: proto.String("")}
	conn := &scriptedConn{t: t, steps: []step{
		{method: "allocate", resp: &yarnpb.AllocateResponseProto{ResponseId: proto.Int32(1), AmRmToken: rolled}},
	}}
	var got *commonpb.TokenProto
	c := NewAMRMClient(conn, func(t *commonpb.TokenProto) { got = t })
	if _, err := c.Allocate(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(got, rolled) {
		t.Fatalf("rolled token not handed over: %v", got)
	}
}
