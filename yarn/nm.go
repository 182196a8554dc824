package yarn

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/orca-yarn/orca-yarn/yarnpb/yarnpb"
)

// ErrContainerStart is matched (errors.Is) by a start refused by the NodeManager itself, as
// opposed to a failed call.
var ErrContainerStart = errors.New("container start refused by the NodeManager")

// NMClient talks to one NodeManager (ContainerManagementProtocol) with that node's NMToken.
type NMClient struct {
	conn Conn
	node NodeID
}

// NewNMClient wraps a connection to node authenticated with the NMToken the RM issued for it.
func NewNMClient(conn Conn, node NodeID) *NMClient { return &NMClient{conn: conn, node: node} }

// Close closes the underlying connection.
func (c *NMClient) Close() error { return c.conn.Close() }

// Start launches the container with the given launch context. The NM answers per container:
// a refusal (bad token, resource localization set-up, ...) comes back as an error that matches
// ErrContainerStart and carries the NM's Java exception class and message.
func (c *NMClient) Start(ctx context.Context, ctr Container, launch *yarnpb.ContainerLaunchContextProto) error {
	req := &yarnpb.StartContainersRequestProto{StartContainerRequest: []*yarnpb.StartContainerRequestProto{{
		ContainerLaunchContext: launch,
		ContainerToken:         ctr.Token,
	}}}
	resp := &yarnpb.StartContainersResponseProto{}
	if err := c.conn.Call(ctx, "startContainers", req, resp); err != nil {
		return fmt.Errorf("yarn: startContainers %s on %s: %w", ctr.ID, c.node, err)
	}
	if err := failedRequest(resp.GetFailedRequests(), ctr.ID); err != nil {
		return fmt.Errorf("yarn: startContainers %s on %s: %w", ctr.ID, c.node, err)
	}
	return nil
}

// Stop asks the NM to stop a container (SIGTERM, then SIGKILL after the NM's grace period).
func (c *NMClient) Stop(ctx context.Context, id ContainerID) error {
	req := &yarnpb.StopContainersRequestProto{ContainerId: []*yarnpb.ContainerIdProto{id.Proto()}}
	resp := &yarnpb.StopContainersResponseProto{}
	if err := c.conn.Call(ctx, "stopContainers", req, resp); err != nil {
		return fmt.Errorf("yarn: stopContainers %s on %s: %w", id, c.node, err)
	}
	if err := failedRequest(resp.GetFailedRequests(), id); err != nil {
		return fmt.Errorf("yarn: stopContainers %s on %s: %w", id, c.node, err)
	}
	return nil
}

// Statuses asks the NM for the current state of containers it runs.
func (c *NMClient) Statuses(ctx context.Context, ids ...ContainerID) ([]ContainerStatus, error) {
	req := &yarnpb.GetContainerStatusesRequestProto{}
	for _, id := range ids {
		req.ContainerId = append(req.ContainerId, id.Proto())
	}
	resp := &yarnpb.GetContainerStatusesResponseProto{}
	if err := c.conn.Call(ctx, "getContainerStatuses", req, resp); err != nil {
		return nil, fmt.Errorf("yarn: getContainerStatuses on %s: %w", c.node, err)
	}
	if len(resp.GetFailedRequests()) > 0 {
		return nil, fmt.Errorf("yarn: getContainerStatuses on %s: %w", c.node, failedRequest(resp.GetFailedRequests(), ContainerID{}))
	}
	out := make([]ContainerStatus, 0, len(resp.GetStatus()))
	for _, p := range resp.GetStatus() {
		out = append(out, containerStatusFromProto(p))
	}
	return out, nil
}

// ContainerError is the NM's per-container refusal, with the Java exception it reported.
type ContainerError struct {
	Container ContainerID
	Class     string
	Message   string
}

func (e *ContainerError) Error() string {
	msg := strings.SplitN(e.Message, "\n", 2)[0]
	return fmt.Sprintf("%s: %s: %s", e.Container, e.Class, msg)
}

// Is makes a ContainerError match ErrContainerStart.
func (e *ContainerError) Is(target error) bool { return target == ErrContainerStart }

// failedRequest returns the refusal for want (or the first one when want is zero), else nil.
func failedRequest(failed []*yarnpb.ContainerExceptionMapProto, want ContainerID) error {
	for _, f := range failed {
		id := ContainerIDFromProto(f.GetContainerId())
		if want != (ContainerID{}) && id != want {
			continue
		}
		ex := f.GetException()
		return &ContainerError{Container: id, Class: ex.GetClassName(), Message: ex.GetMessage()}
	}
	return nil
}
