#!/usr/bin/env bash
# daemon.sh ROLE: run one Hadoop daemon (nn, dn, rm, nm1, nm2, ...) in the foreground. cluster.sh runs
# it in the background; the docker-hadoop image uses it as its entrypoint, so both start the JVMs alike.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
role=${1:?usage: daemon.sh ROLE}
read -r conf heap class <<<"$(daemon_spec "$role")"
# Containers inherit the NM's HADOOP_CONF_DIR through yarn.nodemanager.env-whitelist; that is how an
# ApplicationMaster finds the RM scheduler address, exactly as on a real cluster.
export HADOOP_CONF_DIR=$conf
export JAVA_HOME=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(java_bin)")")")}
# shellcheck disable=SC2046
exec $(java_cmd "$conf" "$heap" "$role") "$class"
