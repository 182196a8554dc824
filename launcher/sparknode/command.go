package sparknode

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
)

// DaemonHeapMiB is the heap of the Master's and the Worker's JVMs (SPARK_DAEMON_MEMORY). Spark's
// default of 1 GiB is sized for clusters of hundreds of workers; one Master of a gang tracks a
// handful of workers and one application (128 MiB served five applications in a row here).
const DaemonHeapMiB = 192

// daemonJVMOptions start the daemons in about 2.5 s instead of 8 on a loaded 2-core host and take
// about 65 MiB less each (measured on PySpark 4.3): one GC thread, the client compiler only, small
// stacks and code cache, and no hsperfdata file in /tmp.
const daemonJVMOptions = "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k -XX:ReservedCodeCacheSize=64m " +
	"-XX:MaxMetaspaceSize=128m -XX:-UsePerfData"

// ErrBadNode: the description cannot make working Spark daemons.
var ErrBadNode = errors.New("sparknode: bad node")

// ErrNoSpark: the container has no Spark to run (no pyspark in the env, or no Java).
var ErrNoSpark = errors.New("sparknode: no Spark in this container")

// Node is this container's part of the gang's Spark cluster.
type Node struct {
	Head bool
	// Home is SPARK_HOME: the pyspark package of the packed env (FindHome).
	Home string
	// NodeIP is the address the daemons bind and advertise (the NodeManager host's).
	NodeIP string
	// MasterURL is spark://host:port of the head's Master.
	MasterURL string
	Ports     Ports
	Cores     int
	// ExecutorMiB is what the Worker may give executors (--memory): the executor's heap.
	ExecutorMiB int64
	// Dir is this container's private Spark directory: the properties file, logs, the Worker's
	// work directory and the executors' scratch space.
	Dir string
	// Python is the executors' interpreter, unless the driver names another.
	Python string
	// LocalDirs are the executors' scratch directories (shuffle, spills), comma-separated: the
	// container's YARN local dirs, on the disks the cluster meant for such data. Empty: under Dir.
	LocalDirs string
}

// Command is one daemon to run: its argv and the environment set over the container's.
type Command struct {
	Name string
	Argv []string
	Env  []string
}

// PropertiesFile is the daemons' properties file inside Node.Dir (WriteProperties).
func (n Node) PropertiesFile() string { return filepath.Join(n.Dir, "spark.properties") }

// Commands are the daemons of this container: the Master first on the head, then the Worker.
func (n Node) Commands() ([]Command, error) {
	switch {
	case n.Home == "" || n.Dir == "" || n.NodeIP == "" || n.MasterURL == "":
		return nil, fmt.Errorf("%w: home %q, dir %q, ip %q, master %q", ErrBadNode, n.Home, n.Dir, n.NodeIP, n.MasterURL)
	case n.Cores < 1 || n.ExecutorMiB < 1 || n.Ports.WorkerUI == 0 || (n.Head && (n.Ports.Master == 0 || n.Ports.MasterUI == 0)):
		return nil, fmt.Errorf("%w: %d cores, %d MiB, ports %+v", ErrBadNode, n.Cores, n.ExecutorMiB, n.Ports)
	}
	class := filepath.Join(n.Home, "bin", "spark-class")
	props := []string{"--properties-file", n.PropertiesFile()}
	var out []Command
	if n.Head {
		out = append(out, Command{Name: "master", Env: n.env("master"), Argv: []string{class, "org.apache.spark.deploy.master.Master",
			"--host", n.NodeIP, "--port", strconv.Itoa(n.Ports.Master), "--webui-port", strconv.Itoa(n.Ports.MasterUI), props[0], props[1]}})
	}
	out = append(out, Command{Name: "worker", Env: n.env("worker"), Argv: []string{class, "org.apache.spark.deploy.worker.Worker",
		"--host", n.NodeIP, "--webui-port", strconv.Itoa(n.Ports.WorkerUI),
		"--cores", strconv.Itoa(n.Cores), "--memory", strconv.FormatInt(n.ExecutorMiB, 10) + "m",
		"--work-dir", filepath.Join(n.Dir, "work"), props[0], props[1], n.MasterURL}})
	return out, nil
}

// env keeps every file a daemon writes inside Dir and away from SPARK_HOME/conf (an empty conf
// directory of our own: an env's pyspark may carry a spark-defaults.conf or log4j settings meant
// for somewhere else).
func (n Node) env(daemon string) []string {
	env := []string{
		"SPARK_HOME=" + n.Home,
		"SPARK_CONF_DIR=" + filepath.Join(n.Dir, "conf"),
		"SPARK_LOG_DIR=" + filepath.Join(n.Dir, "logs"),
		"SPARK_LOCAL_DIRS=" + n.localDirs(),
		"SPARK_WORKER_DIR=" + filepath.Join(n.Dir, "work"),
		"SPARK_PID_DIR=" + n.Dir,
		// The web UIs bind here (not 0.0.0.0) and advertise this address, not the host name's.
		"SPARK_LOCAL_IP=" + n.NodeIP,
		"SPARK_PUBLIC_DNS=" + n.NodeIP,
		"SPARK_DAEMON_MEMORY=" + strconv.Itoa(DaemonHeapMiB) + "m",
		"SPARK_DAEMON_JAVA_OPTS=" + daemonJVMOptions,
		"SPARK_IDENT_STRING=" + daemon,
	}
	if n.Python != "" {
		env = append(env, "PYSPARK_PYTHON="+n.Python)
	}
	return env
}

func (n Node) localDirs() string {
	if n.LocalDirs != "" {
		return n.LocalDirs
	}
	return filepath.Join(n.Dir, "local")
}

// daemonLog4j keeps the daemons' console (which the launcher streams to the user) to warnings:
// at Spark's default INFO every executor start, heartbeat and shutdown step is a line.
const daemonLog4j = `rootLogger.level = warn
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n%ex
`

// MakeDirs creates Dir's layout, private to the container's user, with the daemons' log settings.
func (n Node) MakeDirs() error {
	for _, d := range []string{"", "conf", "logs", "local", "work"} {
		if err := os.MkdirAll(filepath.Join(n.Dir, d), 0o700); err != nil {
			return fmt.Errorf("sparknode: %w", err)
		}
	}
	if err := os.WriteFile(filepath.Join(n.Dir, "conf", "log4j2.properties"), []byte(daemonLog4j), 0o600); err != nil {
		return fmt.Errorf("sparknode: %w", err)
	}
	return nil
}

// WriteProperties writes the daemons' settings, the authentication secret among them, to a file
// only this user can read: a secret on a command line is visible to every user of the host.
func (n Node) WriteProperties(secret string) error {
	props := map[string]string{
		"spark.authenticate":        "true",
		"spark.authenticate.secret": secret,
		// The REST submission server ignores spark.authenticate: anyone who reaches it could
		// start a driver (seen on PySpark 4.3, where it is on by default).
		"spark.master.rest.enabled": "false",
		// A planned port taken in the meantime must fail the start, not move to port+1 where
		// nobody looks for it.
		"spark.port.maxRetries": "0",
		// The web UIs are not authenticated: no kill buttons on them.
		"spark.ui.killEnabled": "false",
		// One application per gang: a finished executor's files go with the container.
		"spark.worker.cleanup.enabled": "false",
	}
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b []byte
	for _, k := range keys {
		b = append(b, k+"="+props[k]+"\n"...)
	}
	f, err := os.OpenFile(n.PropertiesFile(), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("sparknode: %w", err)
	}
	_, werr := f.Write(b)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return fmt.Errorf("sparknode: write %s: %w", n.PropertiesFile(), werr)
	}
	return nil
}

// FindHome is the pyspark package of the env at prefix, which holds bin/spark-class and jars/.
func FindHome(prefix string) (string, error) {
	matches, _ := filepath.Glob(filepath.Join(prefix, "lib", "python*", "site-packages", "pyspark", "bin", "spark-class"))
	if len(matches) == 0 {
		return "", fmt.Errorf("%w: the env %s has no pyspark (pip install pyspark in the env, or run Spark as its own YARN application)", ErrNoSpark, prefix)
	}
	return filepath.Dir(filepath.Dir(matches[0])), nil
}

// CheckJava fails when spark-class would find no java: JAVA_HOME (which NodeManagers pass to
// containers by default) or java on PATH.
func CheckJava(getenv func(string) string) error {
	if home := getenv("JAVA_HOME"); home != "" {
		if _, err := os.Stat(filepath.Join(home, "bin", "java")); err == nil {
			return nil
		}
		return fmt.Errorf("%w: JAVA_HOME=%s has no bin/java", ErrNoSpark, home)
	}
	if _, err := exec.LookPath("java"); err != nil {
		return fmt.Errorf("%w: no JAVA_HOME and no java on PATH in the container (set JAVA_HOME in the NodeManagers' environment)", ErrNoSpark)
	}
	return nil
}
