package yarn

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/orca-yarn/orca-yarn/hadoop/ipc"
	"github.com/orca-yarn/orca-yarn/yarnpb/commonpb"
	"github.com/orca-yarn/orca-yarn/yarnpb/yarnpb"
	"google.golang.org/protobuf/proto"
)

// AskKey identifies one outstanding request line at the RM. Requests with different sizes must
// use different keys: the RM keeps one line per key and replaces it on every update.
type AskKey struct {
	Priority            int32
	AllocationRequestID int64
}

// Ask is the absolute number of containers still wanted under a key (not a delta): YARN replaces
// the previous total, so re-sending a stale total would over-allocate.
type Ask struct {
	Key        AskKey
	Capability Resource
	NodeLabel  string
	Count      int32
}

// Registration is what the RM tells an AM when it registers.
type Registration struct {
	MaxCapability Resource
	Queue         string
	// PreviousContainers are still running from an earlier attempt (keep-containers apps).
	PreviousContainers []Container
}

// Allocation is the result of one heartbeat.
type Allocation struct {
	Allocated       []Container
	Completed       []ContainerStatus
	Headroom        Resource
	NumClusterNodes int32
	UpdatedNodes    []NodeReport
}

// AMRMClient is an ApplicationMaster's client of the RM scheduler. It owns the protocol state
// (response id, outstanding asks, pending releases, NM tokens) and is meant to be driven from
// one goroutine, the AM's heartbeat loop; it is not safe for concurrent use.
type AMRMClient struct {
	conn Conn
	// onTokenRoll receives a new AMRMToken when the RM rolls its master key; the connection must
	// use it from the next reconnect on.
	onTokenRoll func(*commonpb.TokenProto)

	registration *yarnpb.RegisterApplicationMasterRequestProto
	responseID   int32
	asks         map[AskKey]Ask
	dirty        map[AskKey]bool
	releases     map[ContainerID]bool
	nmTokens     map[string]*commonpb.TokenProto
}

// NewAMRMClient wraps a connection to the scheduler (yarn.resourcemanager.scheduler.address)
// authenticated with the attempt's AMRMToken.
func NewAMRMClient(conn Conn, onTokenRoll func(*commonpb.TokenProto)) *AMRMClient {
	return &AMRMClient{
		conn:        conn,
		onTokenRoll: onTokenRoll,
		asks:        map[AskKey]Ask{},
		dirty:       map[AskKey]bool{},
		releases:    map[ContainerID]bool{},
		nmTokens:    map[string]*commonpb.TokenProto{},
	}
}

// Close closes the underlying connection.
func (c *AMRMClient) Close() error { return c.conn.Close() }

// Register registers the attempt. host/rpcPort/trackingURL are what clients see in the report;
// the tracking URL is proxied by the RM web proxy.
func (c *AMRMClient) Register(ctx context.Context, host string, rpcPort int32, trackingURL string) (*Registration, error) {
	c.registration = &yarnpb.RegisterApplicationMasterRequestProto{
		Host: proto.String(host), RpcPort: proto.Int32(rpcPort), TrackingUrl: proto.String(trackingURL),
	}
	resp := &yarnpb.RegisterApplicationMasterResponseProto{}
	if err := c.conn.Call(ctx, "registerApplicationMaster", c.registration, resp); err != nil {
		return nil, fmt.Errorf("yarn: registerApplicationMaster: %w", err)
	}
	c.responseID = 0
	reg := &Registration{MaxCapability: ResourceFromProto(resp.GetMaximumCapability()), Queue: resp.GetQueue()}
	for _, p := range resp.GetContainersFromPreviousAttempts() {
		reg.PreviousContainers = append(reg.PreviousContainers, containerFromProto(p))
	}
	c.storeNMTokens(resp.GetNmTokensFromPreviousAttempts())
	return reg, nil
}

// SetAsk sets the outstanding total for a key; Count 0 cancels it. Sent with the next Allocate.
func (c *AMRMClient) SetAsk(a Ask) {
	if old, ok := c.asks[a.Key]; ok && old.Count == a.Count && old.Capability.String() == a.Capability.String() &&
		old.NodeLabel == a.NodeLabel {
		return
	}
	c.asks[a.Key] = a
	c.dirty[a.Key] = true
}

// Outstanding returns the containers still wanted under key, as far as this client knows.
func (c *AMRMClient) Outstanding(key AskKey) int32 { return c.asks[key].Count }

// Release gives containers back (surplus allocations or containers the AM stopped).
func (c *AMRMClient) Release(ids ...ContainerID) {
	for _, id := range ids {
		c.releases[id] = true
	}
}

// NMToken returns the token for talking to a NodeManager. The RM sends each node's token once,
// so the client keeps them for the whole attempt.
func (c *AMRMClient) NMToken(node NodeID) (*commonpb.TokenProto, bool) {
	t, ok := c.nmTokens[node.String()]
	return t, ok
}

// Allocate sends one heartbeat: changed asks, releases, progress (0..1). If the RM lost the
// registration (RM restart or failover) it re-registers and re-sends the whole state, as Java's
// AMRMClient does.
func (c *AMRMClient) Allocate(ctx context.Context, progress float32) (*Allocation, error) {
	resp, err := c.allocateOnce(ctx, progress)
	if err != nil && ipc.RemoteClass(err) == "org.apache.hadoop.yarn.exceptions.ApplicationMasterNotRegisteredException" &&
		c.registration != nil {
		if _, rerr := c.Register(ctx, c.registration.GetHost(), c.registration.GetRpcPort(), c.registration.GetTrackingUrl()); rerr != nil {
			return nil, fmt.Errorf("yarn: re-register after the RM lost this attempt: %w", rerr)
		}
		for k := range c.asks {
			c.dirty[k] = true
		}
		resp, err = c.allocateOnce(ctx, progress)
	}
	if err != nil {
		return nil, err
	}
	return c.absorb(resp), nil
}

func (c *AMRMClient) allocateOnce(ctx context.Context, progress float32) (*yarnpb.AllocateResponseProto, error) {
	req := &yarnpb.AllocateRequestProto{ResponseId: proto.Int32(c.responseID), Progress: proto.Float32(progress)}
	keys := make([]AskKey, 0, len(c.dirty))
	for k := range c.dirty {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return keys[i].Priority < keys[j].Priority ||
			keys[i].Priority == keys[j].Priority && keys[i].AllocationRequestID < keys[j].AllocationRequestID
	})
	for _, k := range keys {
		req.Ask = append(req.Ask, askProto(c.asks[k]))
	}
	for id := range c.releases {
		req.Release = append(req.Release, id.Proto())
	}
	resp := &yarnpb.AllocateResponseProto{}
	if err := c.conn.Call(ctx, "allocate", req, resp); err != nil {
		return nil, fmt.Errorf("yarn: allocate: %w", err)
	}
	// Only a delivered request clears what it carried; a failed call re-sends it next time.
	for _, k := range keys {
		delete(c.dirty, k)
		if c.asks[k].Count == 0 {
			delete(c.asks, k)
		}
	}
	clear(c.releases)
	return resp, nil
}

func askProto(a Ask) *yarnpb.ResourceRequestProto {
	p := &yarnpb.ResourceRequestProto{
		Priority:            &yarnpb.PriorityProto{Priority: proto.Int32(a.Key.Priority)},
		ResourceName:        proto.String("*"),
		Capability:          a.Capability.Proto(),
		NumContainers:       proto.Int32(a.Count),
		RelaxLocality:       proto.Bool(true),
		AllocationRequestId: proto.Int64(a.Key.AllocationRequestID),
		ExecutionTypeRequest: &yarnpb.ExecutionTypeRequestProto{
			ExecutionType: yarnpb.ExecutionTypeProto_GUARANTEED.Enum(),
		},
	}
	if a.NodeLabel != "" {
		p.NodeLabelExpression = proto.String(a.NodeLabel)
	}
	return p
}

func (c *AMRMClient) absorb(resp *yarnpb.AllocateResponseProto) *Allocation {
	c.responseID = resp.GetResponseId()
	c.storeNMTokens(resp.GetNmTokens())
	if t := resp.GetAmRmToken(); t != nil && c.onTokenRoll != nil {
		c.onTokenRoll(t)
	}
	out := &Allocation{Headroom: ResourceFromProto(resp.GetLimit()), NumClusterNodes: resp.GetNumClusterNodes()}
	for _, p := range resp.GetAllocatedContainers() {
		ctr := containerFromProto(p)
		// The RM already lowered its outstanding count; mirror it so a later re-send is right.
		key := AskKey{Priority: ctr.Priority, AllocationRequestID: ctr.AllocationRequestID}
		if a, ok := c.asks[key]; ok && a.Count > 0 {
			a.Count--
			c.asks[key] = a
		}
		out.Allocated = append(out.Allocated, ctr)
	}
	for _, p := range resp.GetCompletedContainerStatuses() {
		out.Completed = append(out.Completed, containerStatusFromProto(p))
	}
	for _, p := range resp.GetUpdatedNodes() {
		out.UpdatedNodes = append(out.UpdatedNodes, nodeReportFromProto(p))
	}
	return out
}

func (c *AMRMClient) storeNMTokens(tokens []*yarnpb.NMTokenProto) {
	for _, t := range tokens {
		c.nmTokens[NodeIDFromProto(t.GetNodeId()).String()] = t.GetToken()
	}
}

// Finish unregisters the attempt with its final status, repeating until the RM confirms (it may
// answer "not yet" while it saves state). After this the RM will not restart the application.
func (c *AMRMClient) Finish(ctx context.Context, status FinalStatus, diagnostics, trackingURL string) error {
	req := &yarnpb.FinishApplicationMasterRequestProto{
		FinalApplicationStatus: status.proto().Enum(),
		Diagnostics:            proto.String(diagnostics),
	}
	if trackingURL != "" {
		req.TrackingUrl = proto.String(trackingURL)
	}
	for {
		resp := &yarnpb.FinishApplicationMasterResponseProto{}
		if err := c.conn.Call(ctx, "finishApplicationMaster", req, resp); err != nil {
			return fmt.Errorf("yarn: finishApplicationMaster: %w", err)
		}
		if resp.GetIsUnregistered() {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("yarn: finishApplicationMaster: not confirmed: %w", ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}
