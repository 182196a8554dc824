package rayrole

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/orca-yarn/orca-yarn/barrier"
	"github.com/orca-yarn/orca-yarn/launcher/raynode"
)

// Ready is what the head reports once every node is alive.
type Ready struct {
	GCSAddress    string
	ClientAddress string
	DashboardURL  string
	Nodes         int
	Generation    int
}

// Options describe this container's node and, on the head, the driver.
type Options struct {
	Plan        barrier.Plan
	Rank        int
	ContainerID string
	NodeIP      string
	Ports       raynode.Ports
	CPUs, GPUs  int
	// ContainerMiB is the YARN container's memory; ObjectStoreMiB 0 leaves the store's size to
	// raynode.SplitMemory.
	ContainerMiB, ObjectStoreMiB int64
	Dashboard                    bool
	// Ray is the ray executable ("" : from PATH); Python runs the driver.
	Ray, Python string
	// Script and Args are the driver (head, cluster deploy mode); empty: no driver here.
	Script string
	Args   []string
	// TempDir is this container's Ray directory (raynode.MakeTempDir); TokenFile the private
	// token file inside it.
	TempDir, TokenFile string
	Dir                string   // working directory of the driver
	Environ            []string // the container's environment
	ReadyTimeout       time.Duration
	// Ready is called once on the head when every node is alive (the AM's /v1/ready).
	Ready          func(context.Context, Ready) error
	Stdout, Stderr io.Writer
	Log            *logrus.Entry
}

// DefaultReadyTimeout bounds the wait for every node to join after the head started.
const DefaultReadyTimeout = 5 * time.Minute

// ErrNodeExited: a Ray node's `ray start --block` ended, which it never does while healthy.
var ErrNodeExited = errors.New("rayrole: the Ray node exited")

// Run runs this container's part of the Ray cluster and returns the exit code the launcher should
// report: the driver's on a head with a driver, else the node's (a failure whenever it ends).
func Run(ctx context.Context, o Options) (int, error) {
	head := o.Rank == 0
	gcs, err := raynode.HeadGCSAddress(o.Plan)
	if err != nil {
		return 1, err
	}
	node, err := o.node(head, gcs)
	if err != nil {
		return 1, err
	}
	if !head {
		if err := o.waitHeadSession(ctx, gcs); err != nil {
			return 1, err
		}
	}
	cmd, err := node.Command()
	if err != nil {
		return 1, err
	}
	ray := exec.CommandContext(ctx, cmd.Argv[0], cmd.Argv[1:]...)
	ray.Env, ray.Stdout, ray.Stderr = cmd.Environ(o.Environ), o.Stdout, o.Stderr
	if err := ray.Start(); err != nil {
		return 1, fmt.Errorf("rayrole: start %s: %w", cmd.Argv[0], err)
	}
	o.Log.WithFields(logrus.Fields{"head": head, "gcs": gcs, "object_store_mib": node.Memory.ObjectStore >> 20,
		"memory_mib": node.Memory.Heap >> 20}).Info("Ray node started")
	nodeDone := make(chan error, 1)
	go func() { nodeDone <- ray.Wait() }()
	if !head {
		return nodeExit(<-nodeDone)
	}
	if err := o.waitReady(ctx, gcs, nodeDone); err != nil {
		return 1, err
	}
	if o.Script == "" {
		return nodeExit(<-nodeDone)
	}
	return o.runDriver(ctx, gcs)
}

func (o *Options) node(head bool, gcs string) (raynode.Node, error) {
	shm, _ := raynode.ShmAvailable() // unknown is allowed: the store is then not capped by it
	mo := raynode.MemoryOptions{Container: o.ContainerMiB << 20, Head: head, CPUs: o.CPUs,
		ObjectStore: o.ObjectStoreMiB << 20, ShmAvailable: shm}
	if head && o.Script != "" {
		mo.Reserved = raynode.DriverReserve
	}
	mem, err := raynode.SplitMemory(mo)
	if err != nil {
		return raynode.Node{}, err
	}
	n := raynode.Node{Head: head, Ray: o.Ray, NodeIP: o.NodeIP, NodeName: o.ContainerID, TempDir: o.TempDir,
		Ports: o.Ports, CPUs: o.CPUs, GPUs: o.GPUs, Memory: mem, Dashboard: head && o.Dashboard, TokenFile: o.TokenFile}
	if !head {
		n.HeadAddress = gcs
	}
	return n, nil
}

// nodeExit turns the end of `ray start --block` into the container's exit: always a failure.
func nodeExit(err error) (int, error) {
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() > 0 {
		return ee.ExitCode(), fmt.Errorf("%w with status %d", ErrNodeExited, ee.ExitCode())
	}
	return 1, fmt.Errorf("%w: %v", ErrNodeExited, err)
}
