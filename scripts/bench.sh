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
# nodemailer, the pooled Node.js peer, from npm into the build tree (never
# committed); without npm or the registry its row says "not run".
node_dir="$build/tests/bench/node"
if [ ! -d "$node_dir/node_modules/nodemailer" ] && command -v npm >/dev/null; then
  mkdir -p "$node_dir"
  npm install --prefix "$node_dir" --no-audit --no-fund --loglevel=error nodemailer@6 >/dev/null ||
    echo "bench.sh: nodemailer could not be installed from npm; its row is skipped" >&2
fi
echo "load before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
start=$(date +%s)
status=0
"$build/bin/notify-bench" --out-dir "$out" "$@" || status=$?
echo "bench.sh: $(( $(date +%s) - start )) s; load after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
exit $status
