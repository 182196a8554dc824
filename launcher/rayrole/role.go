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
	"github.com/orca-yarn/orca-yarn/launcher/sparknode"
)

// Ready is what the head reports once every node is alive.
type Ready struct {
	GCSAddress    string
	ClientAddress string
	DashboardURL  string
	// SparkMaster (spark://) and SparkUI (the Master's web UI) are set when Spark is in the gang.
	SparkMaster, SparkUI, SparkPython string
	Nodes                             int
	Generation                        int
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
	// NoRay: this gang runs Spark alone (Spark must be set).
	NoRay bool
	// Spark is this container's part of the gang's Spark; nil without Spark.
	Spark *SparkOptions
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

// DefaultReadyTimeout bounds the wait for every node of every engine to join after the head started.
const DefaultReadyTimeout = 5 * time.Minute

// ErrNodeExited: an engine's daemon (`ray start --block`, a Spark Master or Worker) ended, which
// it never does while healthy.
var ErrNodeExited = errors.New("rayrole: an engine of this container exited")

// Run runs this container's part of the gang's engines and returns the exit code the launcher
// should report: the driver's on a head with a driver, else the engines' (a failure whenever one
// ends).
func Run(ctx context.Context, o Options) (int, error) {
	head := o.Rank == 0
	var sparkDone <-chan error
	if o.Spark != nil {
		// Spark first: its JVMs take seconds to start, and they start while Ray does.
		var err error
		if sparkDone, err = o.startSpark(ctx); err != nil {
			return 1, err
		}
	} else if o.NoRay {
		return 1, errors.New("rayrole: neither Ray nor Spark to run")
	}
	var rayDone <-chan error
	gcs := ""
	if !o.NoRay {
		var err error
		if gcs, rayDone, err = o.startRay(ctx, head); err != nil {
			return 1, err
		}
	}
	anyDone := firstOf(rayDone, sparkDone)
	if !head {
		return nodeExit(<-anyDone)
	}
	info := Ready{GCSAddress: gcs, Nodes: len(o.Plan.Members), Generation: o.Plan.Generation}
	if err := o.waitEngines(ctx, gcs, anyDone, &info); err != nil {
		return 1, err
	}
	if o.Ready != nil {
		if err := o.Ready(ctx, info); err != nil {
			return 1, fmt.Errorf("rayrole: tell the application master that the gang is ready: %w", err)
		}
	}
	if o.Script == "" {
		return nodeExit(<-anyDone)
	}
	return o.runDriver(ctx, gcs)
}

// waitEngines waits on the head until every engine sees every member, within one readiness
// deadline for the gang (not one per engine).
func (o *Options) waitEngines(ctx context.Context, gcs string, anyDone <-chan error, info *Ready) error {
	timeout := o.ReadyTimeout
	if timeout == 0 {
		timeout = DefaultReadyTimeout
	}
	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if !o.NoRay {
		if err := o.waitReady(rctx, gcs, anyDone, info); err != nil {
			return err
		}
	}
	if o.Spark != nil {
		return o.waitSpark(rctx, anyDone, info)
	}
	return nil
}

// startRay starts this container's Ray node (a worker once the head's GCS has its session).
func (o *Options) startRay(ctx context.Context, head bool) (string, <-chan error, error) {
	gcs, err := raynode.HeadGCSAddress(o.Plan)
	if err != nil {
		return "", nil, err
	}
	node, err := o.node(head, gcs)
	if err != nil {
		return "", nil, err
	}
	if !head {
		if err := o.waitHeadSession(ctx, gcs); err != nil {
			return "", nil, err
		}
	}
	cmd, err := node.Command()
	if err != nil {
		return "", nil, err
	}
	ray := exec.CommandContext(ctx, cmd.Argv[0], cmd.Argv[1:]...)
	ray.Env, ray.Stdout, ray.Stderr = cmd.Environ(o.Environ), o.Stdout, o.Stderr
	if err := ray.Start(); err != nil {
		return "", nil, fmt.Errorf("rayrole: start %s: %w", cmd.Argv[0], err)
	}
	o.Log.WithFields(logrus.Fields{"head": head, "gcs": gcs, "object_store_mib": node.Memory.ObjectStore >> 20,
		"memory_mib": node.Memory.Heap >> 20}).Info("Ray node started")
	done := make(chan error, 1)
	go func() { done <- fmt.Errorf("the Ray node: %w", waitErr(ray.Wait())) }()
	return gcs, done, nil
}

// firstOf receives the first value of any non-nil channel.
func firstOf(chans ...<-chan error) <-chan error {
	out := make(chan error, len(chans))
	for _, c := range chans {
		if c != nil {
			go func() { out <- <-c }()
		}
	}
	return out
}

func (o *Options) node(head bool, gcs string) (raynode.Node, error) {
	shm, _ := raynode.ShmAvailable() // unknown is allowed: the store is then not capped by it
	mo := raynode.MemoryOptions{Container: o.ContainerMiB << 20, Head: head, CPUs: o.CPUs,
		ObjectStore: o.ObjectStoreMiB << 20, ShmAvailable: shm}
	if head && o.Script != "" {
		mo.Reserved = raynode.DriverReserve
	}
	if o.Spark != nil {
		mo.Reserved += sparknode.ReserveMiB(o.Spark.Node.ExecutorMiB, head) << 20
		if head && o.Script != "" && o.Spark.DriverMiB > 0 {
			mo.Reserved += (o.Spark.DriverMiB + sparknode.DriverOverheadMiB(o.Spark.DriverMiB)) << 20
		}
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

// nodeExit turns the end of an engine's daemon (`ray start --block`, a Spark Master or Worker)
// into the container's exit: always a failure.
func nodeExit(err error) (int, error) {
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() > 0 {
		return ee.ExitCode(), fmt.Errorf("%w: %v", ErrNodeExited, err)
	}
	return 1, fmt.Errorf("%w: %v", ErrNodeExited, err)
}
