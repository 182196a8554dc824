package sparknode

// What Spark holds in a container of the gang, in MiB. The executor's overhead follows the
// Python API's Spark-on-YARN rule (max(512 MiB, 20% of the heap)): in PySpark the Python workers
// live there, one per task slot, and Spark's own 10%/384 MiB is the classic cause of YARN
// killing PySpark executors. DaemonRSSMiB is a daemon JVM with DaemonHeapMiB of heap: its heap,
// metaspace, code cache and thread stacks once it has served a small job (about 180 MiB measured
// with daemonJVMOptions; the rest is room for a Master tracking more applications' history).
const (
	MinOverheadMiB = 512
	DaemonRSSMiB   = 320
)

// ExecutorOverheadMiB is the room beside the executor's heap for its off-heap memory and its
// Python workers.
func ExecutorOverheadMiB(heapMiB int64) int64 { return max(MinOverheadMiB, heapMiB/5) }

// ReserveMiB is Spark's whole share of a container: the executor's heap and overhead, the
// Worker's JVM, and on the head the Master's.
func ReserveMiB(heapMiB int64, head bool) int64 {
	daemons := int64(1)
	if head {
		daemons = 2
	}
	return heapMiB + ExecutorOverheadMiB(heapMiB) + daemons*DaemonRSSMiB
}
