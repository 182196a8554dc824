# shellcheck shell=bash
# The Kerberized cluster's part of lib.sh (SECURE=1): settings, config overlays, the HTTPS keystore
# and the harness's own Kerberos login. Sourced by lib.sh; every function is inert when
# SECURE_CLUSTER=0, so the insecure cluster and docker-hadoop are unchanged.
#
# Settings (environment), read only when SECURE=1:
#   ORCA_KRB5_REALM (ORCA.TEST), ORCA_KDC_PORT (10088)              see kdc.sh
#   ORCA_RPC_PROTECTION   hadoop.rpc.protection, as on the insecure cluster
#   ORCA_DATA_PROTECTION  dfs.data.transfer.protection (default: ORCA_RPC_PROTECTION)
#   ORCA_TOKEN_RENEW_INTERVAL_MS, ORCA_TOKEN_MAX_LIFETIME_MS         HDFS and RM delegation tokens
#   ORCA_HTTP_AUTH        YARN web UIs and REST: simple (anonymous, default) | kerberos (SPNEGO);
#                         the HDFS web servers (HTTPS) always want SPNEGO
#   ORCA_RM_PROXY_USER_PRIVILEGES  yarn.resourcemanager.proxy-user-privileges.enabled (true)
#   ORCA_HADOOP_AUTHORIZATION      hadoop.security.authorization (false). true does not work here:
#                         daemons connect from 127.0.0.1 (the aliases are not interface addresses),
#                         so the NN and RM expect dn/localhost and nm/localhost and refuse them
#   ORCA_KRB5_DEBUG=1     Kerberos debug output in every daemon log

KDC_DIR=$CLUSTER_HOME/kdc
KRB5_REALM=${ORCA_KRB5_REALM:-ORCA.TEST}
# Below the ephemeral range (32768-60999 here), so no client socket can be holding it.
KDC_PORT=${ORCA_KDC_PORT:-10088}
KEYTAB_DIR=$KDC_DIR/keytabs
TLS_DIR=$CLUSTER_HOME/tls
DATA_PROTECTION=${ORCA_DATA_PROTECTION:-$RPC_PROTECTION}
TOKEN_RENEW_MS=${ORCA_TOKEN_RENEW_INTERVAL_MS:-86400000}
TOKEN_MAX_MS=${ORCA_TOKEN_MAX_LIFETIME_MS:-604800000}
HTTP_AUTH=${ORCA_HTTP_AUTH:-simple}
RM_PROXY_PRIVILEGES=${ORCA_RM_PROXY_USER_PRIVILEGES:-true}
HADOOP_AUTHORIZATION=${ORCA_HADOOP_AUTHORIZATION:-false}
# The harness's own ticket cache (the HDFS superuser, for base directories and health checks):
# never the user's default cache.
HARNESS_CCACHE=FILE:$KDC_DIR/cc/harness
SHIM_SRC=$HARNESS_DIR/shim/org/apache/hadoop/io/SecureIOUtils.java

if [ "$SECURE_CLUSTER" = 1 ]; then
  # The NameNode's short name (auth_to_local maps nn/ to hdfs) is the HDFS superuser.
  # shellcheck disable=SC2034 # read by lib.sh's users
  SUPERUSER=hdfs
fi

# hdfs_conf_dir is where the NameNode and DataNode read their config: the master's, except on the
# secure cluster, whose HDFS web servers need SPNEGO while the RM's on the same host may not.
hdfs_conf_dir() {
  if [ "$SECURE_CLUSTER" = 1 ]; then echo "$CONF_ROOT/hdfs"; else echo "$CONF_ROOT/master"; fi
}

# security_jvm_opts prints what every JVM of the secure cluster needs: Java reads neither
# KRB5_CONFIG nor a default realm of its own.
security_jvm_opts() {
  [ "$SECURE_CLUSTER" = 1 ] || return 0
  printf '%s' "-Djava.security.krb5.conf=$KDC_DIR/krb5.conf"
  [ "${ORCA_KRB5_DEBUG:-0}" = 1 ] && printf ' %s' "-Dsun.security.krb5.debug=true -Dsun.security.spnego.debug=true"
  return 0
}

# secure_settings is the part of the cluster's settings line that needs a restart when it changes.
secure_settings() {
  [ "$SECURE_CLUSTER" = 1 ] || return 0
  echo " realm=$KRB5_REALM kdc-port=$KDC_PORT data-protection=$DATA_PROTECTION token-renew=${TOKEN_RENEW_MS}ms" \
    "token-max=${TOKEN_MAX_MS}ms http-auth=$HTTP_AUTH rm-proxy-privileges=$RM_PROXY_PRIVILEGES" \
    "authorization=$HADOOP_AUTHORIZATION templates-secure=$(secure_sources_hash)"
}

secure_sources_hash() { cat "$HARNESS_DIR"/templates-secure/* "$SHIM_SRC" | sha256sum | cut -c1-12; }

# security_classpath prints what goes before Hadoop's jars: the SecureIOUtils stand-in (see
# shim/.../SecureIOUtils.java for why the secure cluster needs it without libhadoop).
security_classpath() {
  [ "$SECURE_CLUSTER" = 1 ] && printf '%s' "$CLUSTER_HOME/shim:"
  return 0
}

# ensure_shim compiles the stand-in against this Hadoop version's jars when it is missing or stale.
ensure_shim() {
  [ "$SECURE_CLUSTER" = 1 ] || return 0
  local stamp
  stamp="$HADOOP_VERSION $(sha256sum <"$SHIM_SRC" | cut -c1-12)"
  [ "$(cat "$CLUSTER_HOME/shim/.stamp" 2>/dev/null)" = "$stamp" ] && return 0
  local javac
  javac=$(dirname "$(readlink -f "$(java_bin)")")/javac
  [ -x "$javac" ] || { echo "javac not found next to java: install a JDK (openjdk-17-jdk-headless)" >&2; return 1; }
  rm -rf "$CLUSTER_HOME/shim" && mkdir -p "$CLUSTER_HOME/shim"
  "$javac" --release 11 -nowarn -cp "$LIB_DIR/*" -d "$CLUSTER_HOME/shim" "$SHIM_SRC" >&2 || return 1
  echo "$stamp" >"$CLUSTER_HOME/shim/.stamp"
}

check_secure_settings() {
  local v
  for v in "$RPC_PROTECTION" "$DATA_PROTECTION"; do
    case "$v" in authentication | integrity | privacy) ;; *)
      echo "protection must be authentication, integrity or privacy, not '$v'" >&2; return 1 ;;
    esac
  done
  case "$HTTP_AUTH" in simple | kerberos) ;; *) echo "ORCA_HTTP_AUTH must be simple or kerberos" >&2; return 1 ;; esac
  [[ "$TOKEN_RENEW_MS" =~ ^[0-9]+$ && "$TOKEN_MAX_MS" =~ ^[0-9]+$ ]] ||
    { echo "ORCA_TOKEN_RENEW_INTERVAL_MS and ORCA_TOKEN_MAX_LIFETIME_MS must be milliseconds" >&2; return 1; }
}

# merge_overlay FILE OVERLAY: every property the overlay names replaces the same-named one in FILE;
# the overlay's body goes just before </configuration>. Both keep one <name> per line, which the
# templates do, so no XML tool is needed.
merge_overlay() {
  awk '
    NR == FNR {
      if ($0 ~ /<\/configuration>/) { inbody = 0 }
      if (inbody) { body[++n] = $0; if (match($0, /<name>[^<]*<\/name>/)) drop[substr($0, RSTART, RLENGTH)] = 1 }
      if ($0 ~ /<configuration>/) { inbody = 1 }
      next
    }
    /<\/configuration>/ { for (i = 1; i <= n; i++) print body[i] }
    match($0, /<name>[^<]*<\/name>/) && (substr($0, RSTART, RLENGTH) in drop) { next }
    { print }' "$2" "$1" >"$1.merged" && mv "$1.merged" "$1"
}

# render_secure_overlays DIR NM_HOST: DIR's basename says whose conf it is (master, nmN, client).
render_secure_overlays() {
  [ "$SECURE_CLUSTER" = 1 ] || return 0
  local dir=$1 nm_host=$2 role keytab nm_principal_host f http_auth=$HTTP_AUTH
  local http_filters=org.apache.hadoop.http.lib.StaticUserWebFilter
  [ "$HTTP_AUTH" = kerberos ] && http_filters=org.apache.hadoop.security.AuthenticationFilterInitializer
  role=$(basename "$dir")
  case "$role" in
    hdfs)
      keytab=$KEYTAB_DIR/master.keytab nm_principal_host=_HOST http_auth=kerberos
      # HDFS's own initializer: it lets WebHDFS requests that carry a delegation token through.
      http_filters=org.apache.hadoop.hdfs.web.AuthFilterInitializer ;;
    master) keytab=$KEYTAB_DIR/master.keytab nm_principal_host=_HOST ;;
    nm[0-9]*) keytab=$KEYTAB_DIR/$role.keytab nm_principal_host=$nm_host ;;
    *) keytab="" nm_principal_host=_HOST ;; # clients log in as themselves, never from a service keytab
  esac
  local kv=(REALM="$KRB5_REALM" KEYTAB="$keytab" NM_PRINCIPAL_HOST="$nm_principal_host" MASTER_HOST="$MASTER_HOST"
    DATA_PROTECTION="$DATA_PROTECTION" TOKEN_RENEW_MS="$TOKEN_RENEW_MS" TOKEN_MAX_MS="$TOKEN_MAX_MS"
    HTTP_AUTH="$http_auth" HTTP_FILTERS="$http_filters" RM_PROXY_PRIVILEGES="$RM_PROXY_PRIVILEGES" AUTHORIZATION="$HADOOP_AUTHORIZATION"
    TLS_DIR="$TLS_DIR" TLS_PASSWORD="$(tls_password)")
  for f in core-site.xml hdfs-site.xml yarn-site.xml; do
    render_template "$HARNESS_DIR/templates-secure/$f" "$dir/$f.overlay" "${kv[@]}" || return 1
    merge_overlay "$dir/$f" "$dir/$f.overlay" && rm -f "$dir/$f.overlay" || return 1
  done
  for f in ssl-server.xml ssl-client.xml; do
    render_template "$HARNESS_DIR/templates-secure/$f" "$dir/$f" "${kv[@]}" || return 1
  done
  [ "$role" = client ] && rm -f "$dir/ssl-server.xml"
  chmod 600 "$dir"/ssl-*.xml
}

# tls_password is the keystore password of this cluster home, made once. It only guards a
# throwaway self-signed key of a test cluster, but still lives in a 0600 file, not in the repo.
tls_password() {
  if [ ! -s "$TLS_DIR/password" ]; then
    mkdir -p "$TLS_DIR" && chmod 700 "$TLS_DIR"
    (umask 077 && head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$TLS_DIR/password")
  fi
  cat "$TLS_DIR/password"
}

# ensure_tls makes one self-signed certificate for every host of the cluster (the HDFS web
# servers need HTTPS), a PKCS12 keystore and truststore for Java, and ca.pem for curl and Go.
ensure_tls() {
  [ "$SECURE_CLUSTER" = 1 ] || return 0
  [ -s "$TLS_DIR/keystore.p12" ] && [ -s "$TLS_DIR/truststore.p12" ] && [ -s "$TLS_DIR/ca.pem" ] &&
    [ "$(cat "$TLS_DIR/hosts" 2>/dev/null)" = "$MASTER_HOST ${NM_HOSTS[*]}" ] && return 0
  local pw san h keytool
  pw=$(tls_password)
  keytool=$(dirname "$(readlink -f "$(java_bin)")")/keytool
  san="dns:$MASTER_HOST,ip:$MASTER_IP"
  for h in "${NM_HOSTS[@]}"; do san+=",dns:$h"; done
  for h in "${NM_IPS[@]}"; do san+=",ip:$h"; done
  rm -f "$TLS_DIR"/{keystore.p12,truststore.p12,ca.pem}
  echo "generating the HTTPS keystore in $TLS_DIR" >&2
  "$keytool" -genkeypair -alias orca -keyalg RSA -keysize 2048 -validity 3650 -dname "CN=$MASTER_HOST,O=orca-yarn test" \
    -ext "SAN=$san" -storetype pkcs12 -keystore "$TLS_DIR/keystore.p12" -storepass "$pw" -keypass "$pw" >&2 &&
    "$keytool" -exportcert -rfc -alias orca -keystore "$TLS_DIR/keystore.p12" -storepass "$pw" \
      -file "$TLS_DIR/ca.pem" >&2 &&
    "$keytool" -importcert -noprompt -alias orca -file "$TLS_DIR/ca.pem" -storetype pkcs12 \
      -keystore "$TLS_DIR/truststore.p12" -storepass "$pw" >&2 || return 1
  chmod 600 "$TLS_DIR"/*.p12
  echo "$MASTER_HOST ${NM_HOSTS[*]}" >"$TLS_DIR/hosts"
}

# harness_login gets the harness a ticket as the NameNode (the HDFS superuser) in its own cache.
harness_login() {
  KRB5_CONFIG=$KDC_DIR/krb5.conf KRB5CCNAME=$HARNESS_CCACHE \
    kinit -k -t "$KEYTAB_DIR/master.keytab" "nn/$MASTER_HOST@$KRB5_REALM"
}

# web_curl ARGS... is curl for the cluster's web endpoints: on the secure cluster it trusts the
# cluster's certificate and answers SPNEGO with the harness's ticket.
web_curl() {
  if [ "$SECURE_CLUSTER" = 1 ]; then
    KRB5_CONFIG=$KDC_DIR/krb5.conf KRB5CCNAME=$HARNESS_CCACHE \
      curl -fsS --cacert "$TLS_DIR/ca.pem" --negotiate -u : "$@"
  else
    curl -fsS "$@"
  fi
}
