//go:build integration

package e2e

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/orca-yarn/orca-yarn/hadoop/conf"
	"github.com/orca-yarn/orca-yarn/hadoop/ipc"
	"github.com/orca-yarn/orca-yarn/integration/testenv"
	"github.com/orca-yarn/orca-yarn/yarn"
)

// Our RPC stack against the real ResourceManager: no JVM, no yarn CLI.

func TestRMListsNodesQueuesAndMetrics(t *testing.T) {
	cl := testenv.Require(t)
	rm := cl.RM(t)
	ctx := testenv.Ctx(t, 30*time.Second)

	nodes, err := rm.Nodes(ctx, "RUNNING")
	if err != nil {
		t.Fatal(err)
	}
	if len(nodes) != 2 || nodes[0].ID == nodes[1].ID {
		t.Fatalf("RUNNING nodes %+v, want 2 distinct", nodes)
	}
	mem, vcores, gpus := expectedNodeResources(t)
	for _, n := range nodes {
		if n.Capability.MemoryMB != mem || int64(n.Capability.VCores) != vcores || n.Capability.GPUs != gpus {
			t.Errorf("node %s capability %v, want %d MiB, %d vcores, %d GPUs", n.ID, n.Capability, mem, vcores, gpus)
		}
	}
	root, err := rm.Queue(ctx, "root", true)
	if err != nil {
		t.Fatal(err)
	}
	var leaves []string
	for _, q := range root.Leaves() {
		leaves = append(leaves, q.Name)
	}
	if strings.Join(leaves, ",") != "default,batch" {
		t.Errorf("leaf queues %v, want default,batch", leaves)
	}
	metrics, err := rm.ClusterMetrics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if metrics.GetNumNodeManagers() != 2 || metrics.GetNumActiveNms() != 2 {
		t.Errorf("cluster metrics %v, want 2 active NodeManagers", metrics)
	}
}

func TestUnknownApplicationIsTypedNotFound(t *testing.T) {
	cl := testenv.Require(t)
	rm := cl.RM(t)
	ctx := testenv.Ctx(t, 30*time.Second)
	id, _, err := rm.NewApplication(ctx)
	if err != nil {
		t.Fatal(err)
	}
	unknown := yarn.ApplicationID{ClusterTimestamp: id.ClusterTimestamp, ID: id.ID + 5000}
	_, err = rm.Report(ctx, unknown)
	if !errors.Is(err, ipc.ErrNotFound) {
		t.Fatalf("report of %s: %v, want an error matching ipc.ErrNotFound", unknown, err)
	}
	var remote *ipc.RemoteError
	if !errors.As(err, &remote) || remote.Class != "org.apache.hadoop.yarn.exceptions.ApplicationNotFoundException" {
		t.Fatalf("remote error %#v, want ApplicationNotFoundException", remote)
	}
}

// deadAddr is a loopback port nobody listens on: connections are refused at once, the way a
// stopped (or standby) RM refuses its client port.
const deadAddr = "127.0.0.1:1"

func TestRMFailoverSkipsADeadRM(t *testing.T) {
	cl := testenv.Require(t)
	eps, err := cl.Conf.RMAddresses(conf.RMClient)
	if err != nil {
		t.Fatal(err)
	}
	rm := cl.RM(t, deadAddr, eps[0].Addr)
	nodes, err := rm.Nodes(testenv.Ctx(t, 30*time.Second), "RUNNING")
	if err != nil {
		t.Fatalf("with a dead RM first in the HA list: %v", err)
	}
	if len(nodes) != 2 {
		t.Fatalf("%d nodes through the live RM, want 2", len(nodes))
	}
}

func TestRMUnreachableFailsClearlyWithinDeadline(t *testing.T) {
	cl := testenv.Require(t)
	rm := cl.RM(t, deadAddr, "127.0.0.1:2")
	ctx := testenv.Ctx(t, 20*time.Second)
	_, err := rm.Nodes(ctx)
	if err == nil {
		t.Fatal("listing nodes with no RM up succeeded")
	}
	if ctx.Err() != nil {
		t.Fatalf("the call ran into the test's deadline instead of giving up on its own: %v", err)
	}
	if !errors.Is(err, yarn.ErrUnreachable) || !strings.Contains(err.Error(), deadAddr) || !strings.Contains(err.Error(), "127.0.0.1:2") {
		t.Fatalf("error %q should match ErrUnreachable and name both addresses", err)
	}
}

// The HDFS delegation-token call over our own ipc layer, against the real NameNode. On this
// insecure cluster the NameNode's token manager is off and it answers without a token (the
// Kerberos lane gets a real one); what is proven here is the protocol, the call and the decoding.
func TestNameNodeDelegationTokenCall(t *testing.T) {
	cl := testenv.Require(t)
	ns, err := cl.Conf.NameNodes()
	if err != nil {
		t.Fatal(err)
	}
	nn, err := yarn.DialNameNode(yarn.NameNodeOptions{Addr: ns.NameNodes[0].Addr, User: ipc.UserInfo{Effective: cl.User}, Auth: ipc.SimpleAuth()})
	if err != nil {
		t.Fatal(err)
	}
	defer nn.Close()
	token, ok, err := yarn.HDFSDelegationToken(testenv.Ctx(t, 30*time.Second), nn, "yarn")
	if err != nil {
		t.Fatalf("getDelegationToken on the real NameNode: %v", err)
	}
	if ok || token != nil {
		t.Fatalf("an insecure NameNode issued a token: %v", token)
	}
}
