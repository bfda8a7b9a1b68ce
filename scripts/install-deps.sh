#!/usr/bin/env bash
# Installs every Debian 12 package the build, the tests, the demo and the
# benchmarks need. Safe to run again; needs root (or sudo).
set -euo pipefail
packages=(
  cmake ninja-build g++ pkg-config
  # libpoco-dev brings Poco::Data with its SQLite connector (libpocodatasqlite80,
  # on the system libsqlite3) for the host's state database; it also brings the
  # PostgreSQL connector (libpocodatapostgresql80), whose headers need libpq-dev
  # (several hosts on one PostgreSQL, docs/several-hosts.md). sqlite3 (below):
  # the tests dump the database with it.
  libpoco-dev libpq-dev libboost-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  openssl ca-certificates curl python3 msmtp faketime
  sqlite3
  # The PostgreSQL tests start their own server (initdb, pg_ctl) in a
  # temporary directory, and read it with psql.
  postgresql
  # The HTTPS proxy tests start a real tinyproxy on loopback (never the
  # package's own service: the tests run it in the foreground with their
  # own config).
  tinyproxy
  # scripts/package-test.sh: checks the Debian packages cpack builds.
  lintian
  clang libclang-rt-14-dev
  prometheus-cpp-dev prometheus wrk
  nodejs
  # The settings page: the admin password's Argon2id hash (libsodium), and
  # its browser tests (Debian's chromium driven by chromedriver and selenium).
  libsodium-dev chromium chromium-driver python3-selenium
)
# npm installs nodemailer for the benchmarks (scripts/bench.sh); some nodejs
# builds bring their own npm.
command -v npm >/dev/null || packages+=(npm)
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
