#!/usr/bin/env bash
# Make sure redis-cli and redis-benchmark (Debian's redis-tools) are installed, and redis-server too
# with --server (the benchmark compares against it). The mini-redis tests call this from a vitest
# beforeAll, so a fresh CI machine gets them without a manual step. Installs through
# apt-install.sh; exits non-zero when that is impossible: the tests then fail loudly instead of
# skipping.
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
"$(dirname "$0")/apt-install.sh" ensure-redis-tools "${pkgs[@]}"
for bin in "${need[@]}"; do
  command -v "$bin" >/dev/null 2>&1 || { echo "ensure-redis-tools: $bin still missing after install" >&2; exit 1; }
done
