#!/usr/bin/env bash
# Builds the Debian packages from the CI's build tree (cpack), checks them with
# lintian, installs them with apt, runs the installed host, builds the sample
# plugin out of tree against the installed notify-host-dev and loads it, then
# purges both packages and checks that nothing of them is left
# (docs/installation.md). Needs root on a machine where notify-host is not
# installed; CI runs it after the tests.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
conf=/etc/notify-host/notify-host.properties
started=$(date +%s)

[ "$(id -u)" -eq 0 ] || { echo "package-test: run as root (it installs and purges packages)"; exit 1; }
if dpkg-query -W -f='${Status}' notify-host notify-host-dev 2>/dev/null | grep -q installed; then
  echo "package-test: notify-host is installed here already; purge it first"; exit 1
fi
step() { echo "== $*"; }
fail() { echo "package-test: FAILED: $*"; exit 1; }

work=$(mktemp -d)
installed=0
cleanup() {
  if [ "$installed" = 1 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq notify-host notify-host-dev >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

step "build the packages (cpack, build tree $build)"
[ -f "$build/CMakeCache.txt" ] || "$root/scripts/build.sh"
cmake "$build" >/dev/null
cmake --build "$build" --target notify-host m365_oauth_smtp eml_file notify_sdk >/dev/null
cpack --config "$build/CPackConfig.cmake" -B "$work/debs" >/dev/null
host_deb=$(ls "$work"/debs/notify-host_*.deb)
dev_deb=$(ls "$work"/debs/notify-host-dev_*.deb)
dpkg-deb -f "$host_deb" Depends

step "lintian"
lintian --allow-root --fail-on error,warning "$host_deb" "$dev_deb" || fail "lintian reports errors or warnings"

step "the unit's exposure (systemd-analyze security --offline=true)"
dpkg-deb -x "$host_deb" "$work/unpacked"
systemd-analyze security --offline=true --threshold=20 \
  "$work/unpacked/lib/systemd/system/notify-host.service" | tail -1 \
  || fail "the unit's exposure is above 2.0"

step "install with apt"
installed=1
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$host_deb" "$dev_deb" >/dev/null
dpkg-query -W -f='${Conffiles}\n' notify-host | grep -q " $conf " || fail "$conf is not a conffile"
getent passwd notify-host >/dev/null || fail "no notify-host user"
[ "$(stat -c '%a %U %G' /var/lib/notify-host)" = "700 notify-host notify-host" ] \
  || fail "/var/lib/notify-host is $(stat -c '%a %U %G' /var/lib/notify-host), want 700 notify-host notify-host"
step "install again (the maintainer scripts run twice)"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --reinstall "$host_deb" >/dev/null

step "the installed host, as the notify-host user"
out=$(runuser -u notify-host -- /usr/bin/notify-host --config "$conf" plugins)
echo "$out"
grep -q "^m365_oauth_smtp	" <<<"$out" || fail "the installed host did not load m365_oauth_smtp"
# Without --config the installed host finds /etc/notify-host's settings.
runuser -u notify-host -- /usr/bin/notify-host plugins | grep -q "^m365_oauth_smtp	" \
  || fail "notify-host without --config did not find $conf"
# A command that opens the state database: the host creates its key and
# database in /var/lib/notify-host, which purge must remove.
runuser -u notify-host -- /usr/bin/notify-host --config "$conf" ruleset show none >/dev/null 2>&1 || true
ls -la /var/lib/notify-host

step "the sample plugin, built out of tree against notify-host-dev"
cmake -S "$root/samples/eml_plugin" -B "$work/plugin-build" -G Ninja \
  -DCMAKE_LIBRARY_OUTPUT_DIRECTORY="$work/plugins" >/dev/null
grep -q "^NotifySDK_DIR:PATH=/usr/lib/cmake/NotifySDK$" "$work/plugin-build/CMakeCache.txt" \
  || fail "find_package(NotifySDK) did not use the installed package"
cmake --build "$work/plugin-build" >/dev/null
printf 'plugins.directory = %s\nplugins.enabled = eml_file\n' "$work/plugins" >"$work/host.properties"
out=$(/usr/bin/notify-host --config "$work/host.properties" plugins)
echo "$out"
grep -q "^eml_file	" <<<"$out" || fail "the installed host did not load the out-of-tree plugin"

step "purge"
files=$(dpkg -L notify-host notify-host-dev | sort -u)
DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq notify-host notify-host-dev >/dev/null
installed=0
left=()
while IFS= read -r f; do
  [ -e "$f" ] || continue
  [ -d "$f" ] && [ -n "$(ls -A "$f")" ] && continue  # a shared directory (/usr/lib, ...)
  [ -d "$f" ] && [ "$(dpkg -S "$f" 2>/dev/null)" ] && continue  # an empty one another package owns
  left+=("$f")
done <<<"$files"
[ ${#left[@]} -eq 0 ] || fail "left after purge: ${left[*]}"
for d in /etc/notify-host /var/lib/notify-host /usr/lib/notify-host; do
  [ ! -e "$d" ] || fail "$d is left after purge"
done
! getent passwd notify-host >/dev/null || fail "the notify-host user is left after purge"
! getent group notify-host >/dev/null || fail "the notify-host group is left after purge"

echo "package-test: passed in $(( $(date +%s) - started )) s"
