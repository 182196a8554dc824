package sparknode

// What Spark holds in a container of the gang, in MiB. The executor's overhead follows the
// Python API's Spark-on-YARN rule (max(512 MiB, 20% of the heap)): in PySpark the Python workers
// live there, one per task slot, and Spark's own 10%/384 MiB is the classic cause of YARN
// killing PySpark executors. DaemonRSSMiB is a daemon JVM with DaemonHeapMiB of heap: its heap,
// metaspace, code cache and thread stacks once it has served a small job (about 180 MiB measured
// with daemonJVMOptions), up to the ceilings those options set: heap, metaspace and code cache.
const (
	MinOverheadMiB = 512
	DaemonRSSMiB   = 384
)

// ExecutorOverheadMiB is the room beside the executor's heap for its off-heap memory and its
// Python workers.
func ExecutorOverheadMiB(heapMiB int64) int64 { return max(MinOverheadMiB, heapMiB/5) }

// DriverOverheadMiB is the room beside a Spark driver's heap (Spark's own rule: 10%, at least
// 384 MiB) when the driver runs in the head container (cluster deploy mode).
func DriverOverheadMiB(heapMiB int64) int64 { return max(384, heapMiB/10) }

// ReserveMiB is Spark's whole share of a container: the executor's heap and overhead, the
// Worker's JVM, and on the head the Master's.
func ReserveMiB(heapMiB int64, head bool) int64 {
	daemons := int64(1)
	if head {
		daemons = 2
	}
	return heapMiB + ExecutorOverheadMiB(heapMiB) + daemons*DaemonRSSMiB
}
