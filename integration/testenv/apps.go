package testenv

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/orca-yarn/orca-yarn/submitter/stage"

	"github.com/orca-yarn/orca-yarn/hadoop/conf"
	"github.com/orca-yarn/orca-yarn/hadoop/ipc"
	"github.com/orca-yarn/orca-yarn/yarn"
	"github.com/orca-yarn/orca-yarn/yarnpb/yarnpb"
	"google.golang.org/protobuf/proto"
)

// Helpers to run real applications whose ApplicationMaster is integration/testam.

// RM returns a client of the cluster's RM client service, acting as the test user. With
// endpoints it uses those addresses as the HA list instead of the configured ones.
func (cl *Cluster) RM(t testing.TB, endpoints ...string) *yarn.ApplicationClient {
	t.Helper()
	if len(endpoints) == 0 {
		eps, err := cl.Conf.RMAddresses(conf.RMClient)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range eps {
			endpoints = append(endpoints, e.Addr)
		}
	}
	conn, err := yarn.DialRM(yarn.RMOptions{
		Endpoints: endpoints, Protocol: yarn.ApplicationClientProtocol,
		User: ipc.UserInfo{Effective: cl.User}, Auth: ipc.SimpleAuth(),
	})
	if err != nil {
		t.Fatal(err)
	}
	c := yarn.NewApplicationClient(conn)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// Ctx is a context that ends after d or with the test.
func Ctx(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// BuildTestAM compiles integration/testam, the ApplicationMaster built from our own clients.
func BuildTestAM(t testing.TB) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "testam")
	cmd := exec.Command("go", "build", "-o", out, "github.com/orca-yarn/orca-yarn/integration/testam")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build testam: %v\n%s", err, b)
	}
	return out
}

// StageFile uploads a local file to HDFS and returns it as a LocalResource, with the exact size
// and modification time the NodeManager's localizer checks.
func (cl *Cluster) StageFile(t testing.TB, local, dir string) *yarnpb.LocalResourceProto {
	t.Helper()
	fs := cl.HDFS(t)
	if err := fs.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = fs.RemoveAll(dir) })
	remote := path.Join(dir, filepath.Base(local))
	src, err := os.Open(local)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	w, err := fs.Create(remote)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(w, src); err != nil {
		t.Fatal(err)
	}
	if err := stage.CloseReplicated(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	st, err := fs.Stat(remote)
	if err != nil {
		t.Fatal(err)
	}
	ns, err := cl.Conf.NameNodes()
	if err != nil {
		t.Fatal(err)
	}
	host, port := splitHostPort(t, ns.NameNodes[0].Addr)
	return &yarnpb.LocalResourceProto{
		Resource: &yarnpb.URLProto{
			Scheme: proto.String("hdfs"), Host: proto.String(host), Port: proto.Int32(port), File: proto.String(remote),
		},
		Size:       proto.Int64(st.Size()),
		Timestamp:  proto.Int64(st.ModTime().UnixMilli()),
		Type:       yarnpb.LocalResourceTypeProto_FILE.Enum(),
		Visibility: yarnpb.LocalResourceVisibilityProto_APPLICATION.Enum(),
	}
}

func splitHostPort(t testing.TB, addr string) (string, int32) {
	t.Helper()
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	port, err := strconv.ParseInt(portStr, 10, 32)
	if err != nil {
		t.Fatalf("address %q: %v", addr, err)
	}
	return host, int32(port)
}

// SubmitTestAM submits an application whose AM runs testam with the given environment.
func (cl *Cluster) SubmitTestAM(t testing.TB, rm *yarn.ApplicationClient, env map[string]string) yarn.ApplicationID {
	t.Helper()
	id, maxRes, err := rm.NewApplication(Ctx(t, 60*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if maxRes.MemoryMB < 128 {
		t.Fatalf("max allocation %v is below the 128 MiB the test AM needs", maxRes)
	}
	res := cl.StageFile(t, BuildTestAM(t), fmt.Sprintf("/user/%s/.orca-it/%s", cl.User, id))
	env["HADOOP_USER_NAME"] = cl.User
	launch := &yarnpb.ContainerLaunchContextProto{
		LocalResources: []*yarnpb.StringLocalResourceMapProto{{Key: proto.String("testam"), Value: res}},
		Command:        []string{"./testam", "1><LOG_DIR>/stdout", "2><LOG_DIR>/stderr"},
	}
	SubmitAM(t, rm, id, launch, env)
	return id
}

// SubmitAM submits a test application of one 128 MiB AM container with the launch context plus
// env, tagged orca-it, single attempt; it is killed at the end of the test if still running.
func SubmitAM(t testing.TB, rm *yarn.ApplicationClient, id yarn.ApplicationID, launch *yarnpb.ContainerLaunchContextProto, env map[string]string) {
	t.Helper()
	for k, v := range env {
		launch.Environment = append(launch.Environment, &yarnpb.StringStringMapProto{Key: proto.String(k), Value: proto.String(v)})
	}
	err := rm.Submit(Ctx(t, 60*time.Second), &yarnpb.ApplicationSubmissionContextProto{
		ApplicationId:   id.Proto(),
		ApplicationName: proto.String(t.Name()),
		ApplicationType: proto.String("ORCA-IT"),
		ApplicationTags: []string{"orca-it"},
		Queue:           proto.String("default"),
		AmContainerSpec: launch,
		Resource:        yarn.Resource{MemoryMB: 128, VCores: 1}.Proto(),
		MaxAppAttempts:  proto.Int32(1),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if r, err := rm.Report(ctx, id); err == nil && !r.State.Terminal() {
			_ = rm.Kill(ctx, id, "test cleanup")
		}
	})
}

// WaitState polls the RM until the application reaches one of the states (or any terminal one).
func WaitState(t testing.TB, rm *yarn.ApplicationClient, id yarn.ApplicationID, timeout time.Duration, states ...yarn.AppState) *yarn.ApplicationReport {
	t.Helper()
	ctx := Ctx(t, timeout)
	for {
		r, err := rm.Report(ctx, id)
		if err != nil {
			t.Fatalf("report %s: %v", id, err)
		}
		for _, s := range states {
			if r.State == s {
				return r
			}
		}
		if r.State.Terminal() {
			return r
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s still %s after %s: %s", id, r.State, timeout, r.Diagnostics)
		case <-time.After(250 * time.Millisecond):
		}
	}
}
