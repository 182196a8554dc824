package yarn

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/orca-yarn/orca-yarn/yarnpb/commonpb"
	"github.com/orca-yarn/orca-yarn/yarnpb/yarnpb"
	"google.golang.org/protobuf/proto"
)

// ApplicationClient is the submitter's client of the RM (ApplicationClientProtocol).
type ApplicationClient struct {
	conn Conn
	// killPoll is how often Kill re-asks until the RM confirms (Java's default is 200 ms).
	killPoll time.Duration
}

// NewApplicationClient wraps a connection to the RM client service (yarn.resourcemanager.address).
func NewApplicationClient(conn Conn) *ApplicationClient {
	return &ApplicationClient{conn: conn, killPoll: 200 * time.Millisecond}
}

// Close closes the underlying connection.
func (c *ApplicationClient) Close() error { return c.conn.Close() }

func (c *ApplicationClient) call(ctx context.Context, method string, req, resp proto.Message) error {
	if err := c.conn.Call(ctx, method, req, resp); err != nil {
		return fmt.Errorf("yarn: %s: %w", method, err)
	}
	return nil
}

// NewApplication reserves an application id; it also returns the largest container the cluster
// would grant (yarn.scheduler.maximum-allocation-*), which pre-flight checks compare asks against.
func (c *ApplicationClient) NewApplication(ctx context.Context) (ApplicationID, Resource, error) {
	resp := &yarnpb.GetNewApplicationResponseProto{}
	if err := c.call(ctx, "getNewApplication", &yarnpb.GetNewApplicationRequestProto{}, resp); err != nil {
		return ApplicationID{}, Resource{}, err
	}
	return ApplicationIDFromProto(resp.GetApplicationId()), ResourceFromProto(resp.GetMaximumCapability()), nil
}

// Submit hands a fully built submission context to the RM. The RM accepts it asynchronously:
// follow the state with Report.
func (c *ApplicationClient) Submit(ctx context.Context, sub *yarnpb.ApplicationSubmissionContextProto) error {
	req := &yarnpb.SubmitApplicationRequestProto{ApplicationSubmissionContext: sub}
	return c.call(ctx, "submitApplication", req, &yarnpb.SubmitApplicationResponseProto{})
}

// Report returns the RM's report of one application. An unknown id fails with an error that
// matches ipc.ErrNotFound.
func (c *ApplicationClient) Report(ctx context.Context, id ApplicationID) (*ApplicationReport, error) {
	resp := &yarnpb.GetApplicationReportResponseProto{}
	req := &yarnpb.GetApplicationReportRequestProto{ApplicationId: id.Proto()}
	if err := c.call(ctx, "getApplicationReport", req, resp); err != nil {
		return nil, err
	}
	return applicationReportFromProto(resp.GetApplicationReport()), nil
}

// ApplicationFilter selects applications; empty fields match everything. Tags match if the
// application has any of them (the RM's rule).
type ApplicationFilter struct {
	Types  []string
	States []AppState
	Tags   []string
	Queues []string
	Users  []string
	Limit  int64
}

// Applications lists the applications matching f.
func (c *ApplicationClient) Applications(ctx context.Context, f ApplicationFilter) ([]*ApplicationReport, error) {
	req := &yarnpb.GetApplicationsRequestProto{
		ApplicationTypes: f.Types,
		ApplicationTags:  f.Tags,
		Queues:           f.Queues,
		Users:            f.Users,
	}
	for _, s := range f.States {
		req.ApplicationStates = append(req.ApplicationStates, s.proto())
	}
	if f.Limit > 0 {
		req.Limit = proto.Int64(f.Limit)
	}
	resp := &yarnpb.GetApplicationsResponseProto{}
	if err := c.call(ctx, "getApplications", req, resp); err != nil {
		return nil, err
	}
	out := make([]*ApplicationReport, 0, len(resp.GetApplications()))
	for _, p := range resp.GetApplications() {
		out = append(out, applicationReportFromProto(p))
	}
	return out, nil
}

// Kill asks the RM to kill the application and waits until the RM confirms the kill completed
// (or ctx ends). Killing an application that already finished is not an error.
func (c *ApplicationClient) Kill(ctx context.Context, id ApplicationID, diagnostics string) error {
	req := &yarnpb.KillApplicationRequestProto{ApplicationId: id.Proto()}
	if diagnostics != "" {
		req.Diagnostics = proto.String(diagnostics)
	}
	for {
		resp := &yarnpb.KillApplicationResponseProto{}
		if err := c.call(ctx, "forceKillApplication", req, resp); err != nil {
			return err
		}
		if resp.GetIsKillCompleted() {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("yarn: kill %s: not confirmed by the RM: %w", id, ctx.Err())
		case <-time.After(c.killPoll):
		}
	}
}

// ClusterMetrics returns node counts by state.
func (c *ApplicationClient) ClusterMetrics(ctx context.Context) (*yarnpb.YarnClusterMetricsProto, error) {
	resp := &yarnpb.GetClusterMetricsResponseProto{}
	if err := c.call(ctx, "getClusterMetrics", &yarnpb.GetClusterMetricsRequestProto{}, resp); err != nil {
		return nil, err
	}
	return resp.GetClusterMetrics(), nil
}

// Nodes lists the NodeManagers in the given states (RUNNING, UNHEALTHY, ...); none means all.
func (c *ApplicationClient) Nodes(ctx context.Context, states ...string) ([]NodeReport, error) {
	req := &yarnpb.GetClusterNodesRequestProto{}
	for _, s := range states {
		v, ok := yarnpb.NodeStateProto_value["NS_"+s]
		if !ok {
			return nil, fmt.Errorf("yarn: getClusterNodes: unknown node state %q", s)
		}
		req.NodeStates = append(req.NodeStates, yarnpb.NodeStateProto(v))
	}
	resp := &yarnpb.GetClusterNodesResponseProto{}
	if err := c.call(ctx, "getClusterNodes", req, resp); err != nil {
		return nil, err
	}
	out := make([]NodeReport, 0, len(resp.GetNodeReports()))
	for _, p := range resp.GetNodeReports() {
		out = append(out, nodeReportFromProto(p))
	}
	return out, nil
}

// Queue describes a queue; with recursive it includes the whole subtree ("root" for all queues).
func (c *ApplicationClient) Queue(ctx context.Context, name string, recursive bool) (QueueInfo, error) {
	req := &yarnpb.GetQueueInfoRequestProto{
		QueueName:           proto.String(name),
		IncludeApplications: proto.Bool(false),
		IncludeChildQueues:  proto.Bool(recursive),
		Recursive:           proto.Bool(recursive),
	}
	resp := &yarnpb.GetQueueInfoResponseProto{}
	if err := c.call(ctx, "getQueueInfo", req, resp); err != nil {
		return QueueInfo{}, err
	}
	return queueInfoFromProto(resp.GetQueueInfo()), nil
}

// DelegationToken fetches an RM delegation token that renewer may renew. On an insecure cluster
// the RM refuses ("Delegation Token can be issued only with kerberos authentication").
func (c *ApplicationClient) DelegationToken(ctx context.Context, renewer string) (*commonpb.TokenProto, error) {
	req := &commonpb.GetDelegationTokenRequestProto{Renewer: proto.String(renewer)}
	resp := &commonpb.GetDelegationTokenResponseProto{}
	if err := c.call(ctx, "getDelegationToken", req, resp); err != nil {
		return nil, err
	}
	if resp.GetToken() == nil {
		return nil, fmt.Errorf("yarn: getDelegationToken: the RM returned no token")
	}
	return resp.GetToken(), nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
