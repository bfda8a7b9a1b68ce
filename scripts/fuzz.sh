#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) into build-fuzz and
# runs each for FUZZ_SECONDS (default 30) over a copy of its seed corpus.
# Exits non-zero when a fuzzer finds a crash; the reproducer is kept in
# build-fuzz/findings.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
seconds=${FUZZ_SECONDS:-30}
"$root/scripts/install-deps.sh"
# -O1 -g1 (line tables), as the sanitizer pass: what a finding's report needs,
# at a fraction of the compile time of -O2 -g; CI runs each target briefly.
CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
  -DNOTIFY_BUILD_FUZZERS=ON -DNOTIFY_BUILD_TESTS=OFF >/dev/null
targets=$(cd "$root/tests/fuzz" && ls fuzz_*.cpp | sed 's/\.cpp$//')
cmake --build "$build" -j"$(nproc)" --target $targets
mkdir -p "$build/findings"
# One target per core at a time: each is a single process, so the pass takes
# the time of the targets divided by the cores, and each still gets its
# FUZZ_SECONDS.
run_target() {
  local t=$1 corpus=$build/corpus/$1
  mkdir -p "$corpus"
  cp -n "$root/tests/fuzz/corpus/${t#fuzz_}"/* "$corpus"/ 2>/dev/null || true
  if ! "$build/bin/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="$build/findings/$t-" -print_final_stats=1 "$corpus" 2>"$build/$t.log"; then
    tail -40 "$build/$t.log"; echo "$t found a problem: see $build/findings"; return 1
  fi
  echo "== $t for ${seconds}s: $(grep -E "stat::number_of_executed_units" "$build/$t.log" | tail -1)"
}
export -f run_target
export build root seconds
printf '%s\n' $targets | xargs -P "$(nproc)" -I{} bash -c 'run_target "$1"' _ {} ||
  { echo "fuzzers: a target found a problem (above)"; exit 1; }
echo "fuzzers: no findings"
