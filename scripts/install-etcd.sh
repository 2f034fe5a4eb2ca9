#!/usr/bin/env bash
# Installs Debian's etcd 3.4 (etcd-server, etcd-client) for the etcd adapter's tests and the
# etcd-* scenarios. Idempotent: does nothing when etcd and etcdctl 3.4 are on PATH.
# The package's service is not started (the project's scripts run their own cluster on
# 127.0.0.1: scripts/etcd-cluster.py).
#
#   scripts/install-etcd.sh
set -euo pipefail

have() {
  command -v etcd >/dev/null 2>&1 && command -v etcdctl >/dev/null 2>&1 \
    && etcd --version 2>/dev/null | grep -q 'etcd Version: 3\.4\.'
}

if have; then
  echo "install-etcd: $(etcd --version | head -n1) already installed" >&2
  exit 0
fi

apt() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
    echo "install-etcd: root or sudo is needed to apt-get install etcd-server etcd-client" >&2
    exit 2
  fi
}
# policy-rc.d keeps Debian from starting the packaged service (and its default ports).
apt env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get update -qq
apt env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -qq etcd-server etcd-client >/dev/null
if command -v systemctl >/dev/null 2>&1; then
  apt systemctl disable --now etcd >/dev/null 2>&1 || true
fi
have || { echo "install-etcd: etcd 3.4 is still not on PATH after installing" >&2; exit 2; }
echo "install-etcd: $(etcd --version | head -n1)" >&2
