#!/usr/bin/env bash
# Runs the fast suites (SDK, plugin unit tests, emulator) with the wall clock
# moved to another date by Debian's faketime, so that a test or a server that
# depends on the day is caught on the day it is written, not on the 1st of
# some month. Monotonic time is not faked: timeouts keep real time.
#   scripts/test-on-date.sh                          the 1st of a month (default)
#   scripts/test-on-date.sh "2028-02-29 23:59:58"    any date, UTC
# Needs a build (scripts/build.sh); BUILD_DIR chooses it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
date=${1:-2027-02-01 00:00:05}
"$root/scripts/install-deps.sh"
[ -f "$build/CTestTestfile.cmake" ] || "$root/scripts/build.sh"
export FAKETIME_DONT_FAKE_MONOTONIC=1
echo "== fast suites with the clock at $date UTC (faketime)"
cd "$build"
# The tests' servers are on loopback; a proxy from the environment would carry
# the channel's HTTPS to it (docs/channel-settings.md, HTTPS proxy).
unset https_proxy HTTPS_PROXY
TZ=UTC faketime -f "@$date" ctest --output-on-failure -j"$(nproc)" --timeout 600 \
  -R '^(sdk|plugin|emulator)\.'
