#!/usr/bin/env bash
# Installs the pinned anvil (Foundry's local Ethereum node) from npm into tools/anvil
# (git-ignored), for the Ethereum adapter's tests and the ethereum-* scenarios.
# Idempotent: a second run with the right version installed does nothing.
# Prints the binary's path on stdout; everything else goes to stderr.
#
#   scripts/install-anvil.sh            # install (or confirm) and print the path
#   export TOUCHSTONE_ANVIL=$(scripts/install-anvil.sh)
set -euo pipefail

ANVIL_VERSION="1.7.1"
PACKAGE="@foundry-rs/anvil-linux-amd64"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prefix="$root/tools/anvil"
bin="$prefix/node_modules/$PACKAGE/bin/anvil"

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) ;;
  *) echo "install-anvil: only linux x86_64 is packaged here ($PACKAGE); install anvil $ANVIL_VERSION yourself and set TOUCHSTONE_ANVIL" >&2; exit 2 ;;
esac

installed_version() {
  [ -x "$bin" ] || return 1
  "$bin" --version 2>/dev/null | head -n1 | grep -o '[0-9]\+\.[0-9]\+\.[0-9]\+' | head -n1
}

if [ "$(installed_version || true)" != "$ANVIL_VERSION" ]; then
  command -v npm >/dev/null || { echo "install-anvil: npm is needed (apt-get install npm)" >&2; exit 2; }
  mkdir -p "$prefix"
  echo "install-anvil: installing $PACKAGE@$ANVIL_VERSION into $prefix" >&2
  npm install --prefix "$prefix" --no-audit --no-fund --no-save --loglevel=error \
    "$PACKAGE@$ANVIL_VERSION" >&2
  chmod +x "$bin"
  got="$(installed_version || true)"
  if [ "$got" != "$ANVIL_VERSION" ]; then
    echo "install-anvil: installed binary reports version '${got:-none}', expected $ANVIL_VERSION" >&2
    exit 3
  fi
fi
echo "$bin"
