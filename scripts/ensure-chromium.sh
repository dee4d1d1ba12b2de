#!/usr/bin/env bash
# Make sure a headless-capable Chromium is at /usr/bin/chromium (Debian's `chromium` package). The
# console tests (test/console/page.test.ts) drive the console's page in a real browser through
# playwright-core, which ships no browser of its own (and this project cannot download one), so
# they call this from a vitest beforeAll. Installs through apt-install.sh; exits non-zero when
# that is impossible: the tests then fail loudly instead of skipping.
set -euo pipefail

bin=/usr/bin/chromium
[[ -x "$bin" ]] && exit 0

echo "ensure-chromium: $bin missing; installing Debian's chromium with apt-get" >&2
"$(dirname "$0")/apt-install.sh" ensure-chromium chromium
[[ -x "$bin" ]] || { echo "ensure-chromium: $bin still missing after installing chromium" >&2; exit 1; }
