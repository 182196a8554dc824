#!/usr/bin/env bash
# entrypoint.sh master|nm1|nm2: one "host" of the test cluster per container. The master runs the
# NameNode, DataNode and ResourceManager; each nmN runs one NodeManager. Same JVM command lines as
# the local harness (integration/cluster/daemon.sh).
set -euo pipefail
source /opt/orca/integration/cluster/lib.sh
mkdir -p "$LOG_DIR" "$CLUSTER_HOME/data/home"
case "${1:?usage: entrypoint.sh master|nmN}" in
  master)
    format_namenode "$LOG_DIR/nn-format.log"
    for role in nn dn rm; do "$HARNESS_DIR/daemon.sh" "$role" >"$LOG_DIR/$role.log" 2>&1 & done
    # Base directories, as cluster.sh does, once the NameNode answers.
    until curl -fsS -X PUT "http://$MASTER_HOST:9870/webhdfs/v1/tmp/logs?op=MKDIRS&user.name=root" >/dev/null 2>&1; do sleep 1; done
    for d in /tmp /tmp/logs; do curl -fsS -X PUT "http://$MASTER_HOST:9870/webhdfs/v1$d?op=SETPERMISSION&permission=1777&user.name=root" >/dev/null; done
    curl -fsS -X PUT "http://$MASTER_HOST:9870/webhdfs/v1/user/root?op=MKDIRS&user.name=root" >/dev/null
    tail -F "$LOG_DIR"/nn.log "$LOG_DIR"/dn.log "$LOG_DIR"/rm.log & wait -n
    ;;
  nm*) exec "$HARNESS_DIR/daemon.sh" "$1" ;;
  *) echo "unknown role $1" >&2; exit 2 ;;
esac
