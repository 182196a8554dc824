#!/usr/bin/env bash
# A real Hadoop pseudo-cluster as plain JVM processes: NameNode, DataNode, ResourceManager (with its
# web proxy) and two NodeManagers on distinct loopback addresses and host names.
#
#   cluster.sh up       start (or reuse a healthy running cluster); last line: export HADOOP_CONF_DIR=...
#   cluster.sh down     stop every daemon the harness started
#   cluster.sh status   print daemon PIDs, HDFS and YARN health; exit 1 when not healthy
#   cluster.sh env      print the export line of a running cluster
#   cluster.sh jars     fetch the Hadoop jars if needed and print their directory
#
# Settings (environment): ORCA_HADOOP_VERSION (default 3.4.3), ORCA_CLUSTER_HOME (/tmp/orca-yarn-cluster),
# ORCA_CLUSTER_START_TIMEOUT seconds (240), ORCA_CLUSTER_FRESH=1 to wipe HDFS and YARN state first,
# ORCA_RPC_PROTECTION=authentication|integrity|privacy (hadoop.rpc.protection), ORCA_NM_MEMORY_MB,
# ORCA_NM_VCORES, ORCA_NM_GPUS (declared per NodeManager); a change of these restarts the daemons. Token-authenticated connections (AM to RM, AM to NM) use SASL with that protection even
# on this insecure cluster, which is how the tests prove DIGEST-MD5 integrity and privacy for real.
#
# SECURE=1 (or ORCA_SECURE=1) selects the Kerberized cluster instead: home /tmp/orca-yarn-cluster-secure,
# hosts master/nm1/nm2.secure.orca.test on 127.0.1.20-22, an MIT KDC (kdc.sh), SASL data transfer
# and HTTPS-only HDFS web servers. Its settings are listed in secure.sh; its output ends with the
# export lines of HADOOP_CONF_DIR, KRB5_CONFIG and the test users' keytabs and principals. `down`
# also stops its KDC. Both clusters can run at once.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# daemon.sh re-reads lib.sh: it must pick the same cluster.
export ORCA_SECURE=$SECURE_CLUSTER

START_TIMEOUT=${ORCA_CLUSTER_START_TIMEOUT:-240}
RM_WEB=http://$MASTER_HOST:8088
NN_WEB=http://$MASTER_HOST:9870
NN_WEB_PORT=9870 DN_WEB_PORT=9864
if [ "$SECURE_CLUSTER" = 1 ]; then
  NN_WEB=https://$MASTER_HOST:9871
  NN_WEB_PORT=9871 DN_WEB_PORT=9865
fi

log() { echo "cluster: $*" >&2; }

pid_alive() { [ -f "$PID_DIR/$1.pid" ] && kill -0 "$(cat "$PID_DIR/$1.pid")" 2>/dev/null; }

# ensure_hosts maps each harness host name to its loopback alias. Linux routes all of 127/8 to lo,
# so no interface set-up is needed, only name resolution.
ensure_hosts() {
  local names=("$MASTER_HOST" "${NM_HOSTS[@]}") ips=("$MASTER_IP" "${NM_IPS[@]}") i missing=()
  for i in "${!names[@]}"; do
    if [ "$(getent hosts "${names[$i]}" | awk '{print $1}')" != "${ips[$i]}" ]; then
      missing+=("${ips[$i]} ${names[$i]}")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ ! -w /etc/hosts ]; then
    log "host names missing from /etc/hosts; as root, add:"
    printf '  %s\n' "${missing[@]}" >&2
    return 1
  fi
  # Rewrite with cat rather than sed -i: /etc/hosts is often a bind mount.
  { cat /etc/hosts; echo "# orca-yarn test cluster"; printf '%s\n' "${missing[@]}"; } >/tmp/orca-hosts.$$
  cat /tmp/orca-hosts.$$ >/etc/hosts && rm -f /tmp/orca-hosts.$$
  log "added ${#missing[@]} host name(s) to /etc/hosts"
}

nodes_running() { web_curl --max-time 5 "$RM_WEB/ws/v1/cluster/nodes?states=RUNNING" 2>/dev/null | jq -r '.nodes.node // [] | length' 2>/dev/null || echo 0; }

# hdfs_ready: out of safe mode with at least one live DataNode.
hdfs_ready() {
  local info
  info=$(web_curl --max-time 5 "$NN_WEB/jmx?qry=Hadoop:service=NameNode,name=NameNodeInfo" 2>/dev/null) || return 1
  [ "$(jq -r '.beans[0].Safemode' <<<"$info")" = "" ] || return 1
  [ "$(jq -r '.beans[0].LiveNodes | fromjson | length' <<<"$info")" -ge 1 ]
}

any_alive() {
  local r
  for r in $(daemon_roles); do pid_alive "$r" && return 0; done
  return 1
}

all_alive() {
  local r
  for r in $(daemon_roles); do pid_alive "$r" || return 1; done
}

kdc_ok() { [ "$SECURE_CLUSTER" = 0 ] || { "$HARNESS_DIR/kdc.sh" status >/dev/null 2>&1 && harness_login 2>/dev/null; }; }

healthy() { kdc_ok && all_alive && hdfs_ready && [ "$(nodes_running)" -eq "${#NM_HOSTS[@]}" ]; }

print_export() {
  echo "export HADOOP_CONF_DIR=$CONF_ROOT/client"
  if [ "$SECURE_CLUSTER" = 1 ]; then
    "$HARNESS_DIR/kdc.sh" env
    echo "export ORCA_CLUSTER_CA=$TLS_DIR/ca.pem"
  fi
}

dump_logs() {
  local r
  for r in $(daemon_roles); do
    [ -f "$LOG_DIR/$r.log" ] || continue
    echo "----- $r ($(pid_alive "$r" && echo running || echo dead)): last lines of $LOG_DIR/$r.log -----" >&2
    grep -E 'ERROR|FATAL|Exception' "$LOG_DIR/$r.log" | tail -n 8 >&2 || true
    tail -n 15 "$LOG_DIR/$r.log" >&2
  done
}

start_daemon() {
  local role=$1
  pid_alive "$role" && return 0
  nohup "$HARNESS_DIR/daemon.sh" "$role" >>"$LOG_DIR/$role.log" 2>&1 </dev/null &
  echo $! >"$PID_DIR/$role.pid"
}

# hdfs_mkdir PATH MODE [OWNER] over WebHDFS as the superuser: cheaper than starting a JVM per
# command. The secure cluster authenticates with SPNEGO (the harness's ticket) instead of user.name.
hdfs_mkdir() {
  local as="&user.name=$SUPERUSER"
  [ "$SECURE_CLUSTER" = 1 ] && as=""
  web_curl --max-time 10 -X PUT "$NN_WEB/webhdfs/v1$1?op=MKDIRS$as" >/dev/null &&
    web_curl --max-time 10 -X PUT "$NN_WEB/webhdfs/v1$1?op=SETPERMISSION&permission=$2$as" >/dev/null &&
    if [ -n "${3:-}" ]; then
      web_curl --max-time 10 -X PUT "$NN_WEB/webhdfs/v1$1?op=SETOWNER&owner=$3&group=users$as" >/dev/null
    fi
}

# base_dirs creates what every cluster has: /tmp, the log-aggregation root and home directories.
base_dirs() {
  hdfs_mkdir /tmp 1777 && hdfs_mkdir /tmp/logs 1777 && hdfs_mkdir "/user/$SUPERUSER" 755 || return 1
  if [ "$SECURE_CLUSTER" = 1 ]; then
    local u
    for u in alice proxy bob; do hdfs_mkdir "/user/$u" 755 "$u" || return 1; done
  fi
}

wait_ready() {
  local deadline=$((SECONDS + START_TIMEOUT)) r
  while :; do
    for r in $(daemon_roles); do
      if ! pid_alive "$r"; then log "daemon $r exited during start-up"; return 1; fi
    done
    if hdfs_ready && [ "$(nodes_running)" -eq "${#NM_HOSTS[@]}" ]; then return 0; fi
    if [ $SECONDS -ge $deadline ]; then log "not ready after ${START_TIMEOUT}s"; return 1; fi
    sleep 1
  done
}

# ports_free fails when anything already listens on an address the cluster is about to bind: the
# readiness checks would otherwise talk to that other process and report a cluster that is not ours.
ports_free() {
  local hp busy=()
  for hp in $MASTER_HOST:{8020,$NN_WEB_PORT,9866,9867,$DN_WEB_PORT,8030,8031,8032,8033,8088} \
    $(for h in "${NM_HOSTS[@]}"; do echo "$h:8040 $h:8041 $h:8042"; done); do
    if (exec 3<>"/dev/tcp/${hp%:*}/${hp##*:}") 2>/dev/null; then busy+=("$hp"); fi
  done
  [ ${#busy[@]} -eq 0 ] && return 0
  log "already in use: ${busy[*]} (another cluster? stop it with 'make cluster-down' and its ORCA_CLUSTER_HOME)"
  return 1
}

cmd_up() {
  mkdir -p "$LOG_DIR" "$PID_DIR" "$CLUSTER_HOME/data/home"
  if [ -f "$CLUSTER_HOME/version" ] && [ "$(cat "$CLUSTER_HOME/version")" != "$HADOOP_VERSION" ]; then
    if all_alive; then
      log "a Hadoop $(cat "$CLUSTER_HOME/version") cluster is running in $CLUSTER_HOME: run 'make cluster-down' first"
      return 1
    fi
    log "switching $CLUSTER_HOME from Hadoop $(cat "$CLUSTER_HOME/version") to $HADOOP_VERSION: wiping its state"
    rm -rf "$CLUSTER_HOME/data"
  fi
  # Settings that only need a restart (not a wipe): reuse the cluster when they match.
  # The templates' hash is part of it: a changed config must not be hidden by a reused cluster.
  local templates
  templates=$(cat "$HARNESS_DIR"/templates/* | sha256sum | cut -c1-12)
  local settings
  settings="rpc-protection=$RPC_PROTECTION nm=${NM_MEMORY_MB}MiB/${NM_VCORES}vcores/${NM_GPUS}gpus templates=$templates$(secure_settings)"
  if [ "$SECURE_CLUSTER" = 1 ]; then
    check_secure_settings
    "$HARNESS_DIR/kdc.sh" up >/dev/null
    harness_login
  fi
  if healthy && [ "$(cat "$CLUSTER_HOME/settings" 2>/dev/null)" = "$settings" ]; then
    log "reusing the healthy cluster in $CLUSTER_HOME (Hadoop $(cat "$CLUSTER_HOME/version"), $settings)"
    print_export
    return 0
  fi
  if any_alive; then
    log "restarting the cluster for $settings"
    cmd_down
  fi
  local started=$SECONDS
  ensure_hosts
  fetch_jars
  if [ "${ORCA_CLUSTER_FRESH:-0}" = 1 ]; then cmd_down; rm -rf "$CLUSTER_HOME/data"; fi
  any_alive || ports_free
  mkdir -p "$CLUSTER_HOME/data/home"
  echo "$HADOOP_VERSION" >"$CLUSTER_HOME/version"
  echo "$settings" >"$CLUSTER_HOME/settings"
  ensure_tls
  ensure_shim
  render_all_confs
  write_webapp_stubs
  format_namenode "$LOG_DIR/nn-format.log"
  local r
  for r in $(daemon_roles); do start_daemon "$r"; done
  if ! wait_ready; then
    dump_logs
    cmd_down
    log "start-up failed; daemon logs are in $LOG_DIR"
    return 1
  fi
  # Right after a restart the NameNode can refuse writes for a moment while it leaves safe mode.
  local tries=0
  until base_dirs 2>"$LOG_DIR/mkdir.err"; do
    tries=$((tries + 1))
    if [ $tries -ge 30 ]; then
      log "could not create the base HDFS directories: $(cat "$LOG_DIR/mkdir.err")"
      cmd_down
      return 1
    fi
    sleep 1
  done
  log "Hadoop $HADOOP_VERSION ready in $((SECONDS - started))s: HDFS $NN_WEB, YARN $RM_WEB, ${#NM_HOSTS[@]} NodeManagers"
  print_export
}

cmd_down() {
  local r pid waited
  for r in $(daemon_roles | tr ' ' '\n' | tac); do
    pid_alive "$r" && kill "$(cat "$PID_DIR/$r.pid")" 2>/dev/null || true
  done
  for r in $(daemon_roles); do
    waited=0
    while pid_alive "$r" && [ $waited -lt 30 ]; do sleep 0.5; waited=$((waited + 1)); done
    if pid_alive "$r"; then
      pid=$(cat "$PID_DIR/$r.pid")
      log "$r (pid $pid) ignored SIGTERM for 15s: killing it"
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$PID_DIR/$r.pid"
  done
  log "stopped"
}

cmd_status() {
  local r ok=0
  if [ "$SECURE_CLUSTER" = 1 ]; then
    if kdc_ok; then "$HARNESS_DIR/kdc.sh" status; else echo "kdc: not running"; ok=1; fi
  fi
  for r in $(daemon_roles); do
    if pid_alive "$r"; then echo "$r: running (pid $(cat "$PID_DIR/$r.pid"))"; else echo "$r: stopped"; ok=1; fi
  done
  if hdfs_ready; then echo "hdfs: ready ($NN_WEB)"; else echo "hdfs: not ready"; ok=1; fi
  local n; n=$(nodes_running)
  echo "yarn: $n of ${#NM_HOSTS[@]} NodeManagers RUNNING ($RM_WEB)"
  [ "$n" -eq "${#NM_HOSTS[@]}" ] || ok=1
  [ $ok -eq 0 ] && print_export
  return $ok
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down && if [ "$SECURE_CLUSTER" = 1 ]; then "$HARNESS_DIR/kdc.sh" down; fi ;;
  status) cmd_status ;;
  env) healthy && print_export ;;
  jars) fetch_jars >&2 && echo "$LIB_DIR" ;;
  *) echo "usage: $0 up|down|status|env|jars" >&2; exit 2 ;;
esac
