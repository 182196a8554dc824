#!/usr/bin/env bash
# verify.sh: prove that a running test cluster works, using the Hadoop jars' own clients (the
# reference implementation the Go code is compared with). Exit 0 when every check passed.
#
#   SECURE=1 integration/cluster/verify.sh   the Kerberized cluster: as alice (from her keytab,
#                                            in a private ticket cache) list /, write and read
#                                            back a file, list the YARN nodes; proxy may act as
#                                            alice, bob may not; no ticket and a weaker QOP than
#                                            the cluster's are refused
#   integration/cluster/verify.sh            the insecure cluster: the first three checks
#
# It only reads the cluster's settings (lib.sh) and never starts or stops anything.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

export HADOOP_CONF_DIR=$CONF_ROOT/client
# The running cluster's protections, not this shell's ORCA_* variables.
conf_value() { sed -n "s|.*<name>$1</name><value>\([^<]*\)</value>.*|\1|p" "$HADOOP_CONF_DIR/$2"; }
RPC_PROTECTION=$(conf_value hadoop.rpc.protection core-site.xml)
DATA_PROTECTION=$(conf_value dfs.data.transfer.protection hdfs-site.xml)
WORK=$(mktemp -d /tmp/orca-verify.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
failed=0

# hcli CLASS ARGS... runs one Hadoop client command; the output goes to $WORK/out.
hcli() {
  # shellcheck disable=SC2046,SC2086
  timeout 120 $(java_bin) $JPMS_OPTS $LEAN_OPTS -Xmx256m $(security_jvm_opts) \
    -Dhadoop.root.logger=WARN,console -Dlog4j.configuration=file:$HADOOP_CONF_DIR/log4j.properties \
    -Dlog4j2.configurationFile=$HADOOP_CONF_DIR/log4j2.properties \
    -cp "$HADOOP_CONF_DIR:$LIB_DIR/*" "$@" >"$WORK/out" 2>&1
}

pass() { echo "ok: $*"; }
fail() {
  echo "FAIL: $*"
  grep -v '^[[:space:]]*at ' "$WORK/out" | tail -n 5 | sed 's/^/    /'
  failed=1
}

# check NAME CLASS ARGS... expects success; refused NAME PATTERN CLASS ARGS... expects a failure
# whose output matches PATTERN (a refusal for the right reason, not any error).
check() { local name=$1; shift; if hcli "$@"; then pass "$name"; else fail "$name"; fi; }
refused() {
  local name=$1 pattern=$2; shift 2
  if hcli "$@"; then fail "$name (it was allowed)"; elif grep -q "$pattern" "$WORK/out"; then pass "$name";
  else fail "$name (failed, but not with '$pattern')"; fi
}

login() { KRB5CCNAME=FILE:$WORK/cc.$1 kinit -k -t "$KEYTAB_DIR/$1.keytab" "$1@$KRB5_REALM"; }

user=$SUPERUSER
if [ "$SECURE_CLUSTER" = 1 ]; then
  export KRB5_CONFIG=$KDC_DIR/krb5.conf
  login alice && login proxy && login bob
  export KRB5CCNAME=FILE:$WORK/cc.alice
  user=alice
else
  export HADOOP_USER_NAME=$SUPERUSER
fi

head -c 1500000 /dev/urandom >"$WORK/data"
check "list / as $user" org.apache.hadoop.fs.FsShell -ls /
check "write a 1.5 MB file as $user" org.apache.hadoop.fs.FsShell -put -f "$WORK/data" "/user/$user/orca-verify"
if hcli org.apache.hadoop.fs.FsShell -get "/user/$user/orca-verify" "$WORK/back" && cmp -s "$WORK/data" "$WORK/back"; then
  pass "read it back, byte for byte"
else
  fail "read it back, byte for byte"
fi
hcli org.apache.hadoop.fs.FsShell -rm -skipTrash "/user/$user/orca-verify" || true
if hcli org.apache.hadoop.yarn.client.cli.NodeCLI -list && grep -q "Total Nodes:${#NM_HOSTS[@]}" "$WORK/out"; then
  pass "YARN lists ${#NM_HOSTS[@]} RUNNING nodes"
else
  fail "YARN lists ${#NM_HOSTS[@]} RUNNING nodes"
fi

if [ "$SECURE_CLUSTER" = 1 ]; then
  KRB5CCNAME=FILE:$WORK/cc.proxy HADOOP_PROXY_USER=alice \
    check "proxy impersonates alice (HDFS)" org.apache.hadoop.fs.FsShell -ls /user/alice
  KRB5CCNAME=FILE:$WORK/cc.bob HADOOP_PROXY_USER=alice \
    refused "bob may not impersonate alice (HDFS)" "not allowed to impersonate" org.apache.hadoop.fs.FsShell -ls /user/alice
  KRB5CCNAME=FILE:$WORK/cc.bob HADOOP_PROXY_USER=alice \
    refused "bob may not impersonate alice (YARN)" "not allowed to impersonate" org.apache.hadoop.yarn.client.cli.NodeCLI -list
  KRB5CCNAME=FILE:$WORK/cc.none \
    refused "no ticket is refused" "Client cannot authenticate via" org.apache.hadoop.fs.FsShell -ls /
  if [ "$RPC_PROTECTION" != authentication ]; then
    refused "RPC at QOP authentication is refused by a $RPC_PROTECTION cluster" "No common protection layer" \
      org.apache.hadoop.fs.FsShell -D hadoop.rpc.protection=authentication -ls /
  fi
fi

[ $failed -eq 0 ] && echo "verify: all checks passed ($([ "$SECURE_CLUSTER" = 1 ] && echo "secure, rpc $RPC_PROTECTION, data transfer $DATA_PROTECTION" || echo insecure))"
exit $failed
