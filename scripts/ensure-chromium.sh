#!/usr/bin/env bash
# Make sure a headless-capable Chromium is at /usr/bin/chromium (Debian's `chromium` package). The
# console tests (test/console/page.test.ts) drive the console's page in a real browser through
# playwright-core, which ships no browser of its own (and this project cannot download one), so
# they call this from a vitest beforeAll. Uses apt-get, through sudo only when not root and sudo
# works without a password. Exits non-zero, naming what is missing and how to install it, when that
# is impossible (no apt-get, no network, no root): the tests then fail loudly instead of skipping.
set -euo pipefail

bin=/usr/bin/chromium
[[ -x "$bin" ]] && exit 0

echo "ensure-chromium: $bin missing; installing Debian's chromium with apt-get" >&2
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: no apt-get on this machine; install Chromium by hand so that $bin exists" >&2
  exit 1
fi
sudo=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
  else
    echo "ensure-chromium: not root and no password-less sudo; run: sudo apt-get install -y chromium" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
# The package lists of a fresh machine may be empty or stale: update once, then install.
"${sudo[@]}" apt-get update -qq >&2 || true
if ! "${sudo[@]}" apt-get install -y -qq --no-install-recommends chromium >&2; then
  echo "ensure-chromium: apt-get install chromium failed (no network?)" >&2
  exit 1
fi
[[ -x "$bin" ]] || { echo "ensure-chromium: $bin still missing after installing chromium" >&2; exit 1; }
