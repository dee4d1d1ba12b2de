#!/usr/bin/env bash
# Install Debian packages for a test's prerequisites: `apt-install.sh <who> <package>...`. Used by
# ensure-chromium.sh and ensure-redis-tools.sh. Uses apt-get, through sudo only when not root and
# sudo works without a password. Exits non-zero, naming what is missing and how to install it, when
# that is impossible (no apt-get, no network, no root): the tests then fail loudly instead of
# skipping.
set -euo pipefail

who=$1
shift
pkgs=("$@")
if ! command -v apt-get >/dev/null 2>&1; then
  echo "$who: no apt-get on this machine; install ${pkgs[*]} by hand" >&2
  exit 1
fi
sudo=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
  else
    echo "$who: not root and no password-less sudo; run: sudo apt-get install -y ${pkgs[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
# The package lists of a fresh machine may be empty or stale: update once, then install.
"${sudo[@]}" apt-get update -qq >&2 || true
if ! "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >&2; then
  echo "$who: apt-get install ${pkgs[*]} failed (no network?)" >&2
  exit 1
fi
