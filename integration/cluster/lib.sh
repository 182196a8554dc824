# shellcheck shell=bash
# Shared by cluster.sh (local processes) and ../docker-hadoop (containers): where things live,
# how configs are rendered from templates/, and how each daemon's JVM is started. Keeping this in
# one file is what stops the two harnesses from drifting apart.

ORCA_REPO=${ORCA_REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
HARNESS_DIR=$ORCA_REPO/integration/cluster
HADOOP_VERSION=${ORCA_HADOOP_VERSION:-3.4.3}
LIB_DIR=${ORCA_HADOOP_LIB_DIR:-$ORCA_REPO/.cache/hadoop-$HADOOP_VERSION/lib}
# SECURE=1 (or ORCA_SECURE=1) selects the Kerberized cluster. It has its own home, addresses and
# names, so it runs beside the insecure one: `make test` uses both at once.
SECURE_CLUSTER=${ORCA_SECURE:-${SECURE:-0}}
[ "$SECURE_CLUSTER" = 1 ] || SECURE_CLUSTER=0
# Short on purpose: YARN container dirs live below it and Ray's unix sockets are limited to 107 bytes.
if [ "$SECURE_CLUSTER" = 1 ]; then
  CLUSTER_HOME=${ORCA_CLUSTER_HOME:-/tmp/orca-yarn-cluster-secure}
else
  CLUSTER_HOME=${ORCA_CLUSTER_HOME:-/tmp/orca-yarn-cluster}
fi
CONF_ROOT=$CLUSTER_HOME/conf
LOG_DIR=$CLUSTER_HOME/logs
PID_DIR=$CLUSTER_HOME/pids

# Every "host" is a loopback alias with its own name, so the RM sees two distinct NodeManagers with
# the default ports, as on a real cluster. Override for other layouts (docker-hadoop uses its own).
if [ "$SECURE_CLUSTER" = 1 ]; then
  MASTER_HOST=${ORCA_MASTER_HOST:-master.secure.orca.test}
  MASTER_IP=${ORCA_MASTER_IP:-127.0.1.20}
  NM_HOSTS=(${ORCA_NM_HOSTS:-nm1.secure.orca.test nm2.secure.orca.test})
  NM_IPS=(${ORCA_NM_IPS:-127.0.1.21 127.0.1.22})
else
  MASTER_HOST=${ORCA_MASTER_HOST:-master.orca.test}
  MASTER_IP=${ORCA_MASTER_IP:-127.0.1.10}
  NM_HOSTS=(${ORCA_NM_HOSTS:-nm1.orca.test nm2.orca.test})
  NM_IPS=(${ORCA_NM_IPS:-127.0.1.11 127.0.1.12})
fi
NM_MEMORY_MB=${ORCA_NM_MEMORY_MB:-16384}
NM_VCORES=${ORCA_NM_VCORES:-8}
NM_GPUS=${ORCA_NM_GPUS:-2}
SUPERUSER=${ORCA_CLUSTER_USER:-$(id -un)}
RPC_PROTECTION=${ORCA_RPC_PROTECTION:-authentication}
# shellcheck source=secure.sh
source "$HARNESS_DIR/secure.sh"

java_bin() {
  if [ -n "${JAVA_HOME:-}" ]; then echo "$JAVA_HOME/bin/java"; else command -v java; fi
}

# Hadoop's bin/ scripts add these module options on JDK 17; starting the main classes directly we
# must add them ourselves, or the RM/NM web apps die in Guice/cglib at start.
JPMS_OPTS="-XX:+IgnoreUnrecognizedVMOptions -Djava.net.preferIPv4Stack=true
 --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
 --add-opens=java.base/java.lang.invoke=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
 --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
 --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
 --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/java.util.zip=ALL-UNNAMED
 --add-opens=java.base/java.math=ALL-UNNAMED --add-opens=java.base/java.text=ALL-UNNAMED
 --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED
 --add-opens=java.base/sun.security.action=ALL-UNNAMED --add-opens=java.base/sun.security.util=ALL-UNNAMED
 --add-opens=java.base/sun.security.x509=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED
 --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED --add-opens=java.security.jgss/sun.security.krb5=ALL-UNNAMED
 --add-exports=java.base/sun.net.dns=ALL-UNNAMED --add-exports=java.base/sun.net.util=ALL-UNNAMED"
# Cheaper JIT and GC: the machine has 2 cores and the daemons are mostly idle.
LEAN_OPTS="-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k -XX:ReservedCodeCacheSize=64m -XX:MaxMetaspaceSize=256m"

# daemon_spec ROLE → "CONF_DIR HEAP MAIN_CLASS" for the roles the harness knows.
daemon_spec() {
  case "$1" in
    nn) echo "$(hdfs_conf_dir) 320m org.apache.hadoop.hdfs.server.namenode.NameNode" ;;
    dn) echo "$(hdfs_conf_dir) 192m org.apache.hadoop.hdfs.server.datanode.DataNode" ;;
    rm) echo "$CONF_ROOT/master 448m org.apache.hadoop.yarn.server.resourcemanager.ResourceManager" ;;
    nm[0-9]*) echo "$CONF_ROOT/$1 256m org.apache.hadoop.yarn.server.nodemanager.NodeManager" ;;
    *) echo "unknown daemon role $1" >&2; return 2 ;;
  esac
}

# daemon_roles lists every daemon of the cluster in start order.
daemon_roles() {
  local i
  echo nn dn rm
  for i in "${!NM_HOSTS[@]}"; do echo "nm$((i + 1))"; done
}

# java_cmd CONF_DIR HEAP ROLE prints the java command line (without the main class) for a daemon.
java_cmd() {
  local conf=$1 heap=$2 role=$3
  # shellcheck disable=SC2086
  echo "$(java_bin) $JPMS_OPTS $LEAN_OPTS -Xmx$heap -Dproc_$role -Dhadoop.log.dir=$LOG_DIR -Dyarn.log.dir=$LOG_DIR" \
    "-Dhadoop.log.file=$role.log -Dyarn.log.file=$role.log -Dhadoop.home.dir=$CLUSTER_HOME -Dyarn.home.dir=$CLUSTER_HOME" \
    "-Dhadoop.root.logger=INFO,console -Dyarn.root.logger=INFO,console" \
    "-Dlog4j.configuration=file:$conf/log4j.properties -Dlog4j2.configurationFile=$conf/log4j2.properties" \
    "$(security_jvm_opts)" \
    "-cp $(security_classpath)$conf:$CLUSTER_HOME/web:$LIB_DIR/*"
}

# write_webapp_stubs: the HDFS daemons refuse to start unless webapps/<name>/ is on the classpath.
# The Maven jars do not carry those directories (the release tarball does); every servlet the
# daemons serve (JMX, WebHDFS, status) is registered in code, so an empty web.xml is all they need.
write_webapp_stubs() {
  local app
  for app in hdfs datanode secondary journal; do
    mkdir -p "$CLUSTER_HOME/web/webapps/$app/WEB-INF"
    echo '<web-app xmlns="http://xmlns.jcp.org/xml/ns/javaee" version="3.1"/>' \
      >"$CLUSTER_HOME/web/webapps/$app/WEB-INF/web.xml"
  done
}

# render_template SRC DST KEY=VALUE... replaces @KEY@ placeholders; fails on any left unfilled, so
# a template change cannot silently ship a literal @NAME@ into a daemon's config.
render_template() {
  local src=$1 dst=$2 kv expr=()
  shift 2
  for kv in "$@"; do expr+=(-e "s|@${kv%%=*}@|${kv#*=}|g"); done
  sed "${expr[@]}" "$src" >"$dst.tmp"
  if grep -q '@[A-Z_][A-Z_]*@' "$dst.tmp"; then
    echo "render: unfilled placeholder in $dst: $(grep -o '@[A-Z_][A-Z_]*@' "$dst.tmp" | sort -u | tr '\n' ' ')" >&2
    rm -f "$dst.tmp"
    return 1
  fi
  mv "$dst.tmp" "$dst"
}

# render_role_conf DIR NM_HOST NM_DIR writes a full Hadoop conf dir for one host.
render_role_conf() {
  local dir=$1 nm_host=$2 nm_dir=$3 data_dir=${4:-$CLUSTER_HOME/data} f
  mkdir -p "$dir"
  for f in core-site.xml hdfs-site.xml yarn-site.xml capacity-scheduler.xml resource-types.xml node-resources.xml \
    log4j.properties log4j2.properties; do
    render_template "$HARNESS_DIR/templates/$f" "$dir/$f" \
      MASTER_HOST="$MASTER_HOST" DATA_DIR="$data_dir" SUPERUSER="$SUPERUSER" NM_HOST="$nm_host" NM_DIR="$nm_dir" \
      NM_MEMORY_MB="$NM_MEMORY_MB" NM_VCORES="$NM_VCORES" NM_GPUS="$NM_GPUS" \
      CLIENT_CONF_DIR="$CONF_ROOT/client" LIB_DIR="$LIB_DIR" RPC_PROTECTION="$RPC_PROTECTION" || return 1
  done
  render_secure_overlays "$dir" "$nm_host"
}

# render_all_confs writes conf/master (NN, DN, RM), conf/nmN and conf/client; the secure cluster
# adds conf/hdfs (its NN and DN).
render_all_confs() {
  local i
  render_role_conf "$CONF_ROOT/master" "$MASTER_HOST" "$CLUSTER_HOME/data/nm-master" || return 1
  for i in "${!NM_HOSTS[@]}"; do
    render_role_conf "$CONF_ROOT/nm$((i + 1))" "${NM_HOSTS[$i]}" "$CLUSTER_HOME/data/nm$((i + 1))" || return 1
  done
  render_role_conf "$CONF_ROOT/client" "$MASTER_HOST" "$CLUSTER_HOME/data/nm-client" || return 1
  rm -f "$CONF_ROOT/client/node-resources.xml" "$CONF_ROOT/master/node-resources.xml"
  if [ "$SECURE_CLUSTER" = 1 ]; then
    render_role_conf "$CONF_ROOT/hdfs" "$MASTER_HOST" "$CLUSTER_HOME/data/nm-master" || return 1
    rm -f "$CONF_ROOT/hdfs/node-resources.xml"
  fi
}

# fetch_jars resolves the Hadoop jars from Maven Central once per version into the ignored cache.
fetch_jars() {
  if [ -f "$LIB_DIR/.complete" ]; then return 0; fi
  command -v mvn >/dev/null || { echo "mvn not found: apt-get install -y maven" >&2; return 1; }
  echo "fetching Hadoop $HADOOP_VERSION jars into $LIB_DIR" >&2
  rm -rf "$LIB_DIR.partial"
  # Maven's output goes to stderr: callers read our stdout (the export line), and even with -q
  # Maven writes colour escapes there.
  mvn -B -q -Dstyle.color=never -f "$HARNESS_DIR/pom.xml" ${ORCA_MAVEN_REPO:+-Dmaven.repo.local="$ORCA_MAVEN_REPO"} \
    -Dhadoop.version="$HADOOP_VERSION" dependency:copy-dependencies \
    -DoutputDirectory="$LIB_DIR.partial" -DincludeScope=runtime >&2 || return 1
  rm -rf "$LIB_DIR" && mv "$LIB_DIR.partial" "$LIB_DIR" && touch "$LIB_DIR/.complete"
}

# format_namenode LOGFILE formats HDFS once; later starts reuse the existing namespace.
format_namenode() {
  [ -d "$CLUSTER_HOME/data/nn/current" ] && return 0
  echo "formatting the NameNode" >&2
  local conf heap
  read -r conf heap _ <<<"$(daemon_spec nn)"
  # shellcheck disable=SC2046
  $(java_cmd "$conf" "$heap" nn-format) org.apache.hadoop.hdfs.server.namenode.NameNode -format -force -nonInteractive \
    >"$1" 2>&1 || { tail -n 30 "$1" >&2; return 1; }
}
