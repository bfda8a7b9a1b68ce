#!/usr/bin/env bash
# Second CI pass: builds with AddressSanitizer + UndefinedBehaviorSanitizer
# (-DNOTIFY_SANITIZE=ON) into ./build-asan (or $ASAN_BUILD_DIR) and runs the
# unit and integration tests. Left out, and not built: the benchmarks and the
# emulator's own tests (they check the stand-in for Microsoft against its
# facts and other clients, not our code; they run in the first pass, and the
# emulator itself runs sanitized inside every integration test). Left out of
# the run: the out-of-tree SDK consumer build (a second CMake project,
# compiled without sanitizers).
# Any sanitizer report fails the test that triggered it, and so this script.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${ASAN_BUILD_DIR:-$root/build-asan}
jobs=${JOBS:-$(nproc)}
"$root/scripts/install-deps.sh"
# -O1 -g1 (line tables): what sanitizer reports need, at a quarter of the
# compile time of -O2 -g on this code; NDEBUG as in the main build.
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNOTIFY_SANITIZE=ON \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
  -DNOTIFY_BUILD_BENCH=OFF -DNOTIFY_BUILD_EMULATOR_TESTS=OFF >/dev/null
cmake --build "$build" -j"$jobs"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
if [ -f "$root/tests/sanitizer/lsan.supp" ]; then
  export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$root/tests/sanitizer/lsan.supp:print_suppressions=0}
fi
cd "$build"
# The tests' servers are on loopback; a proxy from the environment would carry
# the channel's HTTPS to it (docs/channel-settings.md, HTTPS proxy).
unset https_proxy HTTPS_PROXY
ctest --output-on-failure -j"$jobs" --timeout 600 -LE long \
  -E '^host\.SdkConsumerBuildsSamplePluginOutOfTree$'
