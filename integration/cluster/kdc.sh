#!/usr/bin/env bash
# An MIT Kerberos KDC for the secure test cluster: Debian's krb5kdc in a private directory, its own
# realm and an unprivileged port, no systemd and nothing under /etc.
#
#   kdc.sh up      start (or reuse) the KDC, create the principals and keytabs; prints export lines
#   kdc.sh down    stop the KDC this script started (its database stays)
#   kdc.sh status  exit 0 when the KDC runs and issues tickets
#   kdc.sh env     print the export lines of a running KDC
#
# Settings (environment): ORCA_CLUSTER_HOME (/tmp/orca-yarn-cluster-secure; the KDC lives in its
# kdc/ directory), ORCA_KRB5_REALM (ORCA.TEST), ORCA_KDC_PORT (10088, TCP and UDP on 127.0.0.1),
# ORCA_KDC_FRESH=1 to recreate the database. The host names of the service principals are the
# secure cluster's (lib.sh with SECURE=1), so cluster.sh and this script always agree.
#
# Principals (all with random keys, in keytabs under kdc/keytabs/):
#   nn/, dn/, rm/, HTTP/<master>   master.keytab      nm/, HTTP/<nmN>   nmN.keytab
#   alice (the test user)          alice.keytab       proxy (may impersonate anyone)  proxy.keytab
#   bob (may impersonate no one)   bob.keytab         host/localhost (a service for client tests) service.keytab
set -euo pipefail
export ORCA_SECURE=1
# krb5kdc, kdb5_util and kadmin.local live in /usr/sbin, which a CI shell may not have on PATH.
export PATH=$PATH:/usr/sbin:/sbin
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# KDC_DIR, KRB5_REALM, KDC_PORT and KEYTAB_DIR come from secure.sh, which the cluster uses too.
REALM=$KRB5_REALM
KEYTABS=$KEYTAB_DIR
KDC_ADDR=127.0.0.1
# The MIT tools read these; they never touch /etc/krb5.conf or /etc/krb5kdc.
export KRB5_CONFIG=$KDC_DIR/krb5.conf KRB5_KDC_PROFILE=$KDC_DIR/kdc.conf

log() { echo "kdc: $*" >&2; }

kdc_alive() { [ -f "$KDC_DIR/kdc.pid" ] && kill -0 "$(cat "$KDC_DIR/kdc.pid")" 2>/dev/null; }

# principals prints "KEYTAB PRINCIPAL" pairs, one per line.
principals() {
  local i h
  for h in nn dn rm HTTP; do echo "master $h/$MASTER_HOST"; done
  for i in "${!NM_HOSTS[@]}"; do
    echo "nm$((i + 1)) nm/${NM_HOSTS[$i]}"
    echo "nm$((i + 1)) HTTP/${NM_HOSTS[$i]}"
  done
  echo "alice alice"
  echo "proxy proxy"
  echo "bob bob"
  echo "service host/localhost"
}

write_configs() {
  mkdir -p "$KDC_DIR" "$KEYTABS" "$KDC_DIR/cc"
  # AES only: JDK 17 refuses the weak enctypes older Hadoop test setups list.
  cat >"$KDC_DIR/kdc.conf" <<EOF
[kdcdefaults]
 kdc_listen = $KDC_ADDR:$KDC_PORT
 kdc_tcp_listen = $KDC_ADDR:$KDC_PORT
[realms]
 $REALM = {
  database_name = $KDC_DIR/principal
  key_stash_file = $KDC_DIR/stash
  acl_file = $KDC_DIR/kadm5.acl
  max_life = 1d
  max_renewable_life = 7d
  master_key_type = aes256-cts-hmac-sha1-96
  supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal
 }
[logging]
 kdc = FILE:$KDC_DIR/kdc.log
 admin_server = FILE:$KDC_DIR/kadmin.log
 default = FILE:$KDC_DIR/krb5lib.log
EOF
  # No DNS anywhere: the realm's hosts exist only in /etc/hosts. TCP first (udp_preference_limit=1)
  # because Java otherwise tries UDP and retries slowly when a reply is large.
  cat >"$KDC_DIR/krb5.conf" <<EOF
[libdefaults]
 default_realm = $REALM
 dns_lookup_realm = false
 dns_lookup_kdc = false
 dns_canonicalize_hostname = false
 rdns = false
 udp_preference_limit = 1
 forwardable = true
 ticket_lifetime = 24h
 renew_lifetime = 7d
 default_tkt_enctypes = aes256-cts-hmac-sha1-96 aes128-cts-hmac-sha1-96
 default_tgs_enctypes = aes256-cts-hmac-sha1-96 aes128-cts-hmac-sha1-96
 permitted_enctypes = aes256-cts-hmac-sha1-96 aes128-cts-hmac-sha1-96
[realms]
 $REALM = {
  kdc = $KDC_ADDR:$KDC_PORT
 }
[domain_realm]
 .orca.test = $REALM
 orca.test = $REALM
 localhost = $REALM
EOF
  echo "*/admin@$REALM *" >"$KDC_DIR/kadm5.acl"
}

settings() { echo "realm=$REALM port=$KDC_PORT principals=$(principals | awk '{print $2}' | tr '\n' ,)"; }

create_db() {
  rm -f "$KDC_DIR"/principal* "$KDC_DIR/stash"
  rm -rf "$KEYTABS" && mkdir -p "$KEYTABS"
  # The master password only protects the stash file of a throwaway test database.
  kdb5_util create -s -r "$REALM" -P "orca-test-kdc-$RANDOM$RANDOM" >"$KDC_DIR/create.log" 2>&1 ||
    { cat "$KDC_DIR/create.log" >&2; return 1; }
}

# ensure_principals adds missing principals and writes missing keytabs. -norandkey keeps each key
# stable, so a principal can live in several keytabs and a keytab can be rewritten safely.
ensure_principals() {
  local kt p
  while read -r kt p; do
    if ! kadmin.local -q "getprinc $p@$REALM" 2>/dev/null | grep -q "^Principal: $p@$REALM"; then
      kadmin.local -q "addprinc -randkey $p@$REALM" >>"$KDC_DIR/kadmin.out" 2>&1
    fi
    if ! klist -k "$KEYTABS/$kt.keytab" 2>/dev/null | grep -q " $p@$REALM\$"; then
      kadmin.local -q "ktadd -k $KEYTABS/$kt.keytab -norandkey $p@$REALM" >>"$KDC_DIR/kadmin.out" 2>&1
    fi
    klist -k "$KEYTABS/$kt.keytab" 2>/dev/null | grep -q " $p@$REALM\$" ||
      { log "could not write $p into $KEYTABS/$kt.keytab (see $KDC_DIR/kadmin.out)"; return 1; }
  done < <(principals)
  chmod 600 "$KEYTABS"/*.keytab
}

start_kdc() {
  if (exec 3<>"/dev/tcp/$KDC_ADDR/$KDC_PORT") 2>/dev/null; then
    log "$KDC_ADDR:$KDC_PORT is already in use by another process (set ORCA_KDC_PORT)"
    return 1
  fi
  # -n: stay in the foreground (no fork), so the PID we record is the KDC's own.
  # 9>&-: the KDC must not inherit (and so hold forever) the lock of this script.
  nohup krb5kdc -n -r "$REALM" >>"$KDC_DIR/krb5kdc.out" 2>&1 </dev/null 9>&- &
  echo $! >"$KDC_DIR/kdc.pid"
  local i
  for i in $(seq 1 50); do
    if ! kdc_alive; then log "krb5kdc exited: $(tail -n 5 "$KDC_DIR/krb5kdc.out" "$KDC_DIR/kdc.log" 2>/dev/null)"; return 1; fi
    (exec 3<>"/dev/tcp/$KDC_ADDR/$KDC_PORT") 2>/dev/null && return 0
    sleep 0.1
  done
  log "krb5kdc does not listen on $KDC_ADDR:$KDC_PORT"
  return 1
}

# issues_tickets proves the KDC end to end: a TGT from a keytab, then a service ticket.
issues_tickets() {
  local cc=$KDC_DIR/cc/probe
  KRB5CCNAME=FILE:$cc kinit -k -t "$KEYTABS/alice.keytab" "alice@$REALM" 2>/dev/null &&
    KRB5CCNAME=FILE:$cc kvno "nn/$MASTER_HOST@$REALM" >/dev/null 2>&1
  local rc=$?
  rm -f "$cc"
  return $rc
}

print_env() {
  echo "export KRB5_CONFIG=$KDC_DIR/krb5.conf ORCA_KRB5_REALM=$REALM"
  echo "export ORCA_TEST_KEYTAB=$KEYTABS/alice.keytab ORCA_TEST_PRINCIPAL=alice@$REALM"
  echo "export ORCA_PROXY_KEYTAB=$KEYTABS/proxy.keytab ORCA_PROXY_PRINCIPAL=proxy@$REALM"
  echo "export ORCA_BOB_KEYTAB=$KEYTABS/bob.keytab ORCA_BOB_PRINCIPAL=bob@$REALM"
  echo "export ORCA_SERVICE_KEYTAB=$KEYTABS/service.keytab ORCA_SERVICE_PRINCIPAL=host/localhost@$REALM"
}

cmd_up() {
  if ! command -v krb5kdc >/dev/null || ! command -v kadmin.local >/dev/null || ! command -v kinit >/dev/null; then
    log "MIT Kerberos is missing: apt-get install -y krb5-kdc krb5-admin-server krb5-user"
    return 1
  fi
  mkdir -p "$KDC_DIR"
  # cluster.sh and a test may both call up at once; one of them does the work.
  exec 9>"$KDC_DIR/.lock"
  flock 9
  local want; want=$(settings)
  if [ "${ORCA_KDC_FRESH:-0}" != 1 ] && kdc_alive && [ "$(cat "$KDC_DIR/settings" 2>/dev/null)" = "$want" ] &&
    issues_tickets; then
    log "reusing the KDC for $REALM on $KDC_ADDR:$KDC_PORT"
    print_env
    return 0
  fi
  kdc_alive && cmd_down
  local old; old=$(cat "$KDC_DIR/settings" 2>/dev/null || true)
  write_configs
  # A new realm means a new database; a new port or new host names keep the keys.
  if [ "${ORCA_KDC_FRESH:-0}" = 1 ] || [ ! -f "$KDC_DIR/principal" ] ||
    [ "${old%% port=*}" != "${want%% port=*}" ]; then
    create_db
  fi
  ensure_principals
  start_kdc
  issues_tickets || { log "the KDC runs but issues no tickets: see $KDC_DIR/kdc.log"; return 1; }
  echo "$want" >"$KDC_DIR/settings"
  log "KDC for $REALM ready on $KDC_ADDR:$KDC_PORT ($KDC_DIR)"
  print_env
}

cmd_down() {
  if kdc_alive; then
    kill "$(cat "$KDC_DIR/kdc.pid")" 2>/dev/null || true
    local i
    for i in $(seq 1 50); do kdc_alive || break; sleep 0.1; done
  fi
  rm -f "$KDC_DIR/kdc.pid"
  log "stopped"
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) kdc_alive && issues_tickets && echo "kdc: running (pid $(cat "$KDC_DIR/kdc.pid")), $REALM on $KDC_ADDR:$KDC_PORT" ;;
  env) kdc_alive && print_env ;;
  *) echo "usage: $0 up|down|status|env" >&2; exit 2 ;;
esac
