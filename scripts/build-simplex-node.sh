#!/usr/bin/env bash
# Builds touchstone-simplex-node (release) in its own cargo workspace, adapters/simplex/node,
# with its own lockfile and target directory: the commonware dependency tree (~300 crates,
# several minutes on two cores the first time) never enters the main workspace's build.
# Idempotent: a second run with nothing changed returns at once.
# Prints the binary's path on stdout; cargo's output and everything else go to stderr.
#
#   scripts/build-simplex-node.sh                     # build (or confirm) and print the path
#   export TOUCHSTONE_SIMPLEX_NODE=$(scripts/build-simplex-node.sh)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
node="$root/adapters/simplex/node"
target="$node/target"
bin="$target/release/touchstone-simplex-node"

command -v cargo >/dev/null || {
  echo "build-simplex-node: cargo is needed (https://rustup.rs)" >&2
  exit 2
}
[ -f "$node/Cargo.toml" ] || {
  echo "build-simplex-node: $node/Cargo.toml not found" >&2
  exit 2
}

echo "build-simplex-node: cargo build --release in $node" >&2
if ! cargo build --release --locked --manifest-path "$node/Cargo.toml" --target-dir "$target" >&2; then
  echo "build-simplex-node: cargo build failed (see the errors above); nothing was installed" >&2
  exit 3
fi
[ -x "$bin" ] || {
  echo "build-simplex-node: cargo succeeded but $bin is missing" >&2
  exit 3
}
echo "$bin"
