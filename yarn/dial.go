package yarn

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/orca-yarn/orca-yarn/hadoop/ipc"
	"github.com/orca-yarn/orca-yarn/yarnpb/commonpb"
	"github.com/sirupsen/logrus"
	"google.golang.org/protobuf/proto"
)

// ErrUnreachable is matched by a call that reached no ResourceManager at all: every endpoint
// refused, reset or timed out. It is retryable and usually means a wrong HADOOP_CONF_DIR or a
// stopped RM.
var ErrUnreachable = errors.New("no ResourceManager reachable")

// RMOptions say how to reach one RM service (client or scheduler) of a possibly-HA cluster.
type RMOptions struct {
	// Endpoints are host:port of each RM, in yarn.resourcemanager.ha.rm-ids order (one without HA).
	Endpoints []string
	// Protocol is ApplicationClientProtocol or ApplicationMasterProtocol.
	Protocol string
	User     ipc.UserInfo
	Auth     ipc.Auth
	QOP      []ipc.QOP
	// ServerPrincipal is yarn.resourcemanager.principal (Kerberos only).
	ServerPrincipal string
	// Rounds bounds the failover: each endpoint is tried at most this often per call (default 3);
	// the call's ctx bounds it in time.
	Rounds int
	Logger *logrus.Entry
}

// DialRM returns a Conn to an RM service that fails over between the endpoints the way Java's
// ConfiguredRMFailoverProxyProvider does: on connection-level failures and standby replies it
// moves to the next RM, round robin; remote application errors are returned at once. It
// connects lazily, on the first call.
func DialRM(opts RMOptions) (Conn, error) {
	if len(opts.Endpoints) == 0 {
		return nil, fmt.Errorf("yarn: no ResourceManager address configured for %s", opts.Protocol)
	}
	if opts.Rounds <= 0 {
		opts.Rounds = 3
	}
	if opts.Logger == nil {
		opts.Logger = logrus.NewEntry(logrus.New())
		opts.Logger.Logger.SetLevel(logrus.PanicLevel)
	}
	f := &failoverConn{opts: opts, clients: make([]*ipc.Client, len(opts.Endpoints))}
	for i, addr := range opts.Endpoints {
		c, err := ipc.NewClient(ipc.ClientOptions{
			Addr: addr, Protocol: opts.Protocol, ProtocolVersion: 1, User: opts.User, Auth: opts.Auth,
			QOP: opts.QOP, ServerPrincipal: opts.ServerPrincipal, MaxConnectAttempts: 1, Logger: opts.Logger,
		})
		if err != nil {
			return nil, fmt.Errorf("yarn: RM %s: %w", addr, err)
		}
		f.clients[i] = c
	}
	return f, nil
}

type failoverConn struct {
	opts    RMOptions
	clients []*ipc.Client

	mu      sync.Mutex
	current int
}

func (f *failoverConn) Call(ctx context.Context, method string, req, resp proto.Message) error {
	n := len(f.clients)
	backoff := 100 * time.Millisecond
	var tried []string
	var last error
	for attempt := 0; attempt < n*f.opts.Rounds; attempt++ {
		f.mu.Lock()
		i := f.current
		f.mu.Unlock()
		err := f.clients[i].Call(ctx, method, req, resp)
		if err == nil || !failsOver(err) || ctx.Err() != nil {
			return err
		}
		last = err
		tried = append(tried, f.opts.Endpoints[i])
		f.mu.Lock()
		if f.current == i {
			f.current = (i + 1) % n
		}
		f.mu.Unlock()
		f.opts.Logger.WithError(err).WithField("rm", f.opts.Endpoints[i]).Debug("ResourceManager not usable, trying the next")
		// Pause after each full round only: moving to the other RM of a pair should be immediate.
		if (attempt+1)%n == 0 {
			select {
			case <-ctx.Done():
				return fmt.Errorf("%w (tried %s): %w", ErrUnreachable, strings.Join(dedupe(tried), ", "), ctx.Err())
			case <-time.After(backoff):
			}
			backoff *= 2
		}
	}
	return fmt.Errorf("%w (tried %s): %w", ErrUnreachable, strings.Join(dedupe(tried), ", "), last)
}

// failsOver: a standby answer or a connection that could not be used. Application exceptions and
// authentication failures are answers from a live, active RM and are returned as they are.
func failsOver(err error) bool {
	if errors.Is(err, ipc.ErrStandby) {
		return true
	}
	var remote *ipc.RemoteError
	if errors.As(err, &remote) {
		return false
	}
	return errors.Is(err, ipc.ErrRetryable)
}

func (f *failoverConn) Close() error {
	var errs []error
	for _, c := range f.clients {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// NMOptions say how to reach one NodeManager.
type NMOptions struct {
	Node NodeID
	// Token is the NMToken the RM issued for this node (AMRMClient.NMToken).
	Token  *commonpb.TokenProto
	QOP    []ipc.QOP
	Logger *logrus.Entry
}

// DialNM returns a Conn to a NodeManager's ContainerManagementProtocol, authenticated with the
// node's NMToken over SASL DIGEST-MD5 (NMs accept token auth only, even on insecure clusters).
func DialNM(opts NMOptions) (Conn, error) {
	if opts.Token == nil {
		return nil, fmt.Errorf("yarn: no NMToken for %s: the RM sends it with the first container on a node", opts.Node)
	}
	return ipc.NewClient(ipc.ClientOptions{
		Addr: opts.Node.String(), Protocol: ContainerManagementProtocol, ProtocolVersion: 1,
		Auth: ipc.TokenAuth(IPCToken(opts.Token)), QOP: opts.QOP, Logger: opts.Logger,
	})
}

// IPCToken converts a wire token to what the RPC layer authenticates with.
func IPCToken(p *commonpb.TokenProto) ipc.Token {
	return ipc.Token{Identifier: p.GetIdentifier(), Password: p.GetPassword(), Kind: p.GetKind(), Service: p.GetService()}
}
