#!/usr/bin/env bash
# Installs Debian's Prometheus server (2.42 on Debian 12) for the slow_prometheus_* tests of
# `touchstone monitor`: they start their own server on 127.0.0.1 with a scrape config pointing
# at the monitor, and stop it. Idempotent: does nothing when `prometheus` is on PATH.
# The package's service is not kept running (the tests own their server and its port).
#
#   scripts/install-prometheus.sh
set -euo pipefail

if command -v prometheus >/dev/null 2>&1; then
  echo "install-prometheus: $(prometheus --version 2>&1 | head -n1) already installed" >&2
  exit 0
fi

apt() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
    echo "install-prometheus: root or sudo is needed to apt-get install prometheus" >&2
    exit 2
  fi
}
apt env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get update -qq
apt env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 \
  apt-get install -y -qq --no-install-recommends prometheus >/dev/null
if command -v systemctl >/dev/null 2>&1; then
  apt systemctl disable --now prometheus >/dev/null 2>&1 || true
fi
command -v prometheus >/dev/null 2>&1 \
  || { echo "install-prometheus: prometheus is still not on PATH after installing" >&2; exit 2; }
echo "install-prometheus: $(prometheus --version 2>&1 | head -n1)" >&2
