#!/usr/bin/env bash
# Make sure redis-cli and redis-benchmark (Debian's redis-tools) are installed, and redis-server too
# with --server (the benchmark compares against it). The mini-redis tests call this from a vitest
# beforeAll, so a fresh CI machine gets them without a manual step. Uses apt-get, through sudo
# only when not root and sudo works without a password. Exits non-zero, naming what is missing
# and how to install it, when that is impossible (no apt-get, no network, no root): the tests
# then fail loudly instead of skipping.
set -euo pipefail

need=(redis-cli redis-benchmark)
pkgs=(redis-tools)
if [[ "${1:-}" == "--server" ]]; then
  need+=(redis-server)
  pkgs+=(redis-server)
fi

missing=()
for bin in "${need[@]}"; do command -v "$bin" >/dev/null 2>&1 || missing+=("$bin"); done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "ensure-redis-tools: ${missing[*]} missing; installing ${pkgs[*]} with apt-get" >&2
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-redis-tools: no apt-get on this machine; install ${pkgs[*]} (redis-cli, redis-benchmark) by hand" >&2
  exit 1
fi
sudo=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
  else
    echo "ensure-redis-tools: not root and no password-less sudo; run: sudo apt-get install -y ${pkgs[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
# The package lists of a fresh machine may be empty or stale: update once, then install.
"${sudo[@]}" apt-get update -qq >&2 || true
if ! "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >&2; then
  echo "ensure-redis-tools: apt-get install ${pkgs[*]} failed (no network?)" >&2
  exit 1
fi
for bin in "${need[@]}"; do
  command -v "$bin" >/dev/null 2>&1 || { echo "ensure-redis-tools: $bin still missing after install" >&2; exit 1; }
done
