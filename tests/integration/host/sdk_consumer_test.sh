#!/usr/bin/env bash
# Installs the SDK from the build tree into a temporary prefix, builds the
# sample plugin out of tree with find_package(NotifySDK), and has notify-host
# load the result.
set -euo pipefail
build=$1 plugin_src=$2 host=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
cmake -S "$plugin_src" -B "$work/build" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" \
  -DCMAKE_LIBRARY_OUTPUT_DIRECTORY="$work/plugins" >/dev/null
cmake --build "$work/build" >/dev/null
cat >"$work/host.properties" <<PROPS
plugins.directory = $work/plugins
plugins.enabled = eml_file
PROPS
out=$("$host" --config "$work/host.properties" plugins)
echo "$out"
grep -q "^eml_file	" <<<"$out" || { echo "the out-of-tree plugin was not loaded"; exit 1; }
echo "out-of-tree plugin built against the installed SDK and loaded"
