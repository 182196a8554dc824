#!/usr/bin/env bash
# Installs what building, the local test cluster and the tests need, on Debian/Ubuntu as root.
# Idempotent and quick when everything is present; the README's two commands and .ci/run call it.
set -euo pipefail

need_apt=()
have() { command -v "$1" >/dev/null 2>&1; }
have curl || need_apt+=(curl)
have jq || need_apt+=(jq)
have mvn || need_apt+=(maven)
have java || need_apt+=(openjdk-17-jdk-headless)
have unzip || need_apt+=(unzip)
have protoc || need_apt+=(protobuf-compiler)
python3 -c 'import venv, ensurepip' 2>/dev/null || need_apt+=(python3-venv)
have gcc || need_apt+=(gcc)               # condapack's fixture compiles a prefix probe
have patchelf || need_apt+=(patchelf)     # condapack's fixture gives its ELF files $ORIGIN RPATHs
# The secure test cluster's MIT KDC (integration/cluster/kdc.sh); its binaries live in /usr/sbin.
PATH=$PATH:/usr/sbin
have krb5kdc || need_apt+=(krb5-kdc)
have kadmin.local || need_apt+=(krb5-admin-server)
have kinit || need_apt+=(krb5-user)

if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "install-deps: missing ${need_apt[*]}; run as root or: sudo apt-get install -y ${need_apt[*]}" >&2
    exit 1
  fi
  echo "install-deps: apt-get install ${need_apt[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

if ! have go; then
  echo "install-deps: Go 1.26 or newer is required (go.mod); install it and put it on PATH" >&2
  exit 1
fi
go mod download
