#!/usr/bin/env bash
# Runs every test of the project, installing what the tests need first (anvil from npm,
# Debian's chromium, minisign and prometheus) and building the Simplex validator node. This is the
# README's test command and exactly what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "tools the tests need"
if [ -x scripts/install-anvil.sh ] || [ -f scripts/install-anvil.sh ]; then
  bash scripts/install-anvil.sh
fi
# etcd 3.4 for the slow_etcd_* tests (they start and stop their own cluster with
# scripts/etcd-cluster.py; python3 is needed too, for the etcd adapter and the template).
bash scripts/install-etcd.sh \
  || echo "warning: could not install etcd; the slow_etcd_* tests will fail and say so"
# Prometheus 2.42 for the slow_prometheus_* tests of `touchstone monitor` (they start and stop
# their own server on 127.0.0.1).
bash scripts/install-prometheus.sh \
  || echo "warning: could not install prometheus; the slow_prometheus_* tests will fail and say so"
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
      || echo "warning: could not install chromium; the slow_chromium_* test will fail and say so"
  elif command -v sudo >/dev/null 2>&1; then
    (sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
      || echo "warning: could not install chromium; the slow_chromium_* test will fail and say so"
  fi
fi

if ! command -v minisign >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq minisign >/dev/null) \
      || echo "warning: could not install minisign; the slow_minisign_* test will try again and say so"
  elif command -v sudo >/dev/null 2>&1; then
    (sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq minisign >/dev/null) \
      || echo "warning: could not install minisign; the slow_minisign_* test will try again and say so"
  fi
fi

step "the Simplex validator node (its own cargo workspace; the slow_simplex_* tests run it)"
# Several minutes the first time (the commonware tree), seconds after. A failed build stops
# here with cargo's errors: the slow_simplex_* tests would fail anyway, naming this script.
TOUCHSTONE_SIMPLEX_NODE="$(bash scripts/build-simplex-node.sh)"
export TOUCHSTONE_SIMPLEX_NODE
# The node's own tests (ledger, chain, trace, a 4-node cluster), on the release dependencies just
# built: only the node crate compiles again.
cargo test --release --locked --manifest-path adapters/simplex/node/Cargo.toml \
  --target-dir adapters/simplex/node/target

step "format"
cargo fmt --all --check
cargo fmt --manifest-path adapters/simplex/node/Cargo.toml --all --check

step "lints"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "tests"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --locked --profile ci
  cargo test --workspace --locked --doc
else
  cargo test --workspace --locked
fi
