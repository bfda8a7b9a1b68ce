#!/usr/bin/env bash
# Builds and runs the benchmarks (tests/bench; README.md, Benchmarks) against the local
# Microsoft 365 emulator, then prints the Markdown table. Figures also go to
# bench.md and bench.json in $OUT_DIR (default: the build's tests/bench).
#   scripts/bench.sh            full run (a few minutes)
#   scripts/bench.sh --quick    small sizes, well under 2 minutes (what ctest's bench.Quick runs)
# Other arguments go to notify-bench (--only PART,... --messages N ...; see --help).
# BUILD_DIR (default ./build) and JOBS (default: all CPUs) choose the build.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
"$root/scripts/install-deps.sh"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo} \
  -DNOTIFY_BUILD_TESTS=ON -DNOTIFY_BUILD_BENCH=ON >/dev/null
cmake --build "$build" -j"${JOBS:-$(nproc)}" --target notify-bench
out=${OUT_DIR:-$build/tests/bench}
mkdir -p "$out"
echo "load before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
exec "$build/bin/notify-bench" --out-dir "$out" "$@"
