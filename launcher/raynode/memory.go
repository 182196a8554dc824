package raynode

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

const mib = 1 << 20

// What Ray's own processes take, measured as YARN's default pmem check counts it (the sum of RSS
// over the process tree) on Ray 2.60 with nothing running: an idle head tree (ray start,
// gcs_server, raylet, dashboard, autoscaler monitor, Ray Client server, log monitor, dashboard and
// runtime-env agents) is about 800 MiB, a worker node's about 440 MiB, and each idle worker
// process (Ray keeps about one per CPU) about 100 MiB. Rounded up for the launcher and bash.
const (
	HeadOverhead   = 1024 * mib
	WorkerOverhead = 512 * mib
	PerCPUOverhead = 128 * mib
	// MinObjectStore is Ray's own floor (ray_constants.OBJECT_STORE_MINIMUM_MEMORY_BYTES).
	MinObjectStore = 75 * mib
	// MinHeap is the least left for tasks' heaps that still makes a useful node.
	MinHeap = 256 * mib
	// ObjectStoreShare is the part of the memory after overhead that goes to the object store
	// when none is asked for: Ray's own default proportion of a machine.
	ObjectStoreShare = 0.3
	// DriverReserve is kept in the head's container when cluster deploy mode runs the driver
	// there: an idle driver's RSS is about 100 MiB, and its data comes on top.
	DriverReserve = 512 * mib
)

// ErrMemoryTooSmall: the container cannot hold a Ray node of that kind.
var ErrMemoryTooSmall = errors.New("raynode: container memory too small")

// Memory is how a container's memory is divided. Reserved+Overhead+ObjectStore+Heap == Container.
type Memory struct {
	Container   int64 // the YARN container's memory, which its pmem check enforces
	Reserved    int64 // for other processes of the container (MemoryOptions.Reserved)
	Overhead    int64 // Ray's own processes and the idle worker processes
	ObjectStore int64 // --object-store-memory: plasma's shared memory, in /dev/shm
	Heap        int64 // --memory: the logical "memory" resource that tasks and actors reserve
}

// MemoryOptions describe the container.
type MemoryOptions struct {
	Container int64 // bytes
	Head      bool
	CPUs      int
	// Reserved is kept for other processes of the container, e.g. DriverReserve for the driver
	// that cluster deploy mode runs in the head's container.
	Reserved int64
	// ObjectStore asked for explicitly (--object-store-memory); 0: ObjectStoreShare of what is
	// left after the overhead, capped at ShmAvailable.
	ObjectStore int64
	// ShmAvailable is the free space of /dev/shm (see ShmAvailable); 0: unknown. Ray puts the
	// object store in /dev/shm only when it fits there at start, else in the temp dir on disk
	// (slow; and above 10 GB `ray start` refuses).
	ShmAvailable int64
}

// SplitMemory divides a container's memory: first Ray's overhead, then the object store, and
// the rest for the heaps of tasks and actors, so that Ray's own footprint fits inside the
// YARN limit. The object store's pages are shared memory: YARN's default pmem check adds the RSS
// of every process, so a page mapped by k processes (the writer, the raylet, each reader) counts
// k times there; with yarn.nodemanager.container-monitor.procfs-tree.smaps-based-rss.enabled or
// cgroups it counts once. No split can make the default check exact; see doc.go.
func SplitMemory(o MemoryOptions) (Memory, error) {
	m := Memory{Container: o.Container, Reserved: o.Reserved, Overhead: WorkerOverhead}
	kind := "worker"
	if o.Head {
		m.Overhead, kind = HeadOverhead, "head"
	}
	m.Overhead += int64(max(o.CPUs, 1)) * PerCPUOverhead
	if o.ObjectStore < 0 || o.Container <= 0 || o.Reserved < 0 {
		return Memory{}, fmt.Errorf("%w: container %d bytes, object store %d bytes, reserved %d bytes",
			ErrMemoryTooSmall, o.Container, o.ObjectStore, o.Reserved)
	}
	avail := o.Container - m.Reserved - m.Overhead
	if need := m.Reserved + m.Overhead + MinObjectStore + MinHeap; o.Container < need {
		return Memory{}, fmt.Errorf("%w: %d MiB for a Ray %s with %d CPUs and %d MiB reserved, which needs at least %d MiB",
			ErrMemoryTooSmall, o.Container/mib, kind, o.CPUs, o.Reserved/mib, need/mib)
	}
	switch {
	case o.ObjectStore == 0:
		m.ObjectStore = int64(float64(avail) * ObjectStoreShare)
		if o.ShmAvailable > 0 {
			m.ObjectStore = min(m.ObjectStore, o.ShmAvailable)
		}
		m.ObjectStore = max(m.ObjectStore/mib*mib, MinObjectStore)
	case o.ObjectStore < MinObjectStore:
		return Memory{}, fmt.Errorf("%w: object store %d MiB is below Ray's minimum of %d MiB",
			ErrMemoryTooSmall, o.ObjectStore/mib, MinObjectStore/mib)
	case o.ObjectStore > avail-MinHeap:
		return Memory{}, fmt.Errorf("%w: object store %d MiB does not fit in %d MiB (%d MiB go to Ray's processes, %d MiB are reserved, at least %d MiB go to tasks)",
			ErrMemoryTooSmall, o.ObjectStore/mib, o.Container/mib, m.Overhead/mib, m.Reserved/mib, MinHeap/mib)
	default:
		m.ObjectStore = o.ObjectStore
	}
	m.Heap = avail - m.ObjectStore
	return m, nil
}

// ShmAvailable is the free space of /dev/shm, which every container of the host shares.
func ShmAvailable() (int64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs("/dev/shm", &st); err != nil {
		return 0, fmt.Errorf("raynode: statfs /dev/shm: %w", err)
	}
	return int64(st.Bavail) * st.Bsize, nil
}
