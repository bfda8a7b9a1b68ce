#!/usr/bin/env bash
# Load proof of notify-host serve (docs/service.md): Debian's wrk posts
# notifications for DURATION seconds (post.lua beside this script) while the
# emulator accepts them; prints accepted requests/s, the p99 accept latency,
# the time the queue takes to drain, the service's peak RSS, and fails
# unless every accepted notification was delivered exactly once.
#   load_test.sh BUILD_DIR SOURCE_DIR [DURATION]
set -euo pipefail
build=$1
src=$2
duration=${3:-5}
bin=$build/bin
. "$src/scripts/lib/local_services.sh"
work=$(mktemp -d)
emulator_pid=
serve_pid=
cleanup() {
  [ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null || true
  [ -n "$emulator_pid" ] && kill "$emulator_pid" 2>/dev/null && wait "$emulator_pid" 2>/dev/null || true
  [ -n "${KEEP:-}" ] && cp "$work/serve.log" /tmp/serve-load-serve.log
  rm -rf "$work"
}
trap cleanup EXIT

# The demo tenant without the 30 messages/minute pacing and the 10,000
# recipients/day quota (60 s of load posts more): the host is measured here.
python3 - "$src/tests/emulator/demo-config.json" "$work/emulator.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c.setdefault("limits", {})["messages_per_minute"] = 10000000
c["limits"]["recipients_per_day"] = 10000000
json.dump(c, open(sys.argv[2], "w"))
PY
start_emulator "$bin" "$work/emulator.json" "$work"
authority=$(json_field "$work/ready.json" authority)
smtp_port=$(json_field "$work/ready.json" smtp_port)
ca_file=$(json_field "$work/ready.json" ca_file)
stats_url=$(json_field "$work/ready.json" stats_url)

mkdir -m 0755 "$work/plugins"
install -m 0755 "$build/lib/m365_oauth_smtp.so" "$work/plugins/"
write_host_properties "$work/host.properties" "$work/plugins" "$work"
host() { "$bin/notify-host" --config "$work/host.properties" "$@"; }
echo 'Xq8~Demo.Secret_Value-1234567890abcdefgh' |
  host ruleset save load --channel m365_oauth_smtp --set server_name=load --set smtp_host=localhost \
    --set "port=$smtp_port" --set timeout=30 --set batch_size=large \
    --set from_email=notify@contoso.onmicrosoft.com \
    --set client_id=0b9d7e4c-6a21-4f3b-8e5d-7c1a2b3c4d5e \
    --set tenant_id=4f7c2a51-0d3e-4b8a-9c61-2e5f8d7a1b30 \
    --set "authority_url=$authority" --set "ca_file=$ca_file" --secret-stdin >/dev/null
key=$(host api-key create load 2>/dev/null)
"$bin/notify-host" --config "$work/host.properties" serve >"$work/serve.json" 2>"$work/serve.log" &
serve_pid=$!
wait_for_line "$work/serve.json" "$work/serve.log" "serve"
url=$(json_field "$work/serve.json" listening)

API_KEY=$key wrk -t2 -c16 -d"${duration}s" --latency -s "$src/tests/integration/service/post.lua" \
  "$url/api/v1/notifications" >"$work/wrk.txt"
load_end=$(date +%s.%N)
metric() { curl -sS "$url/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }
emulator_received() {
  curl -sS --cacert "$ca_file" "$stats_url" |
    python3 -c "import json,sys; print(json.load(sys.stdin)['messages_accepted'])"
}
# Settled: nothing waiting or being sent, and the counters read the same twice
# in a row. A request wrk had in flight at its end may still be committed,
# counted as accepted and delivered after wrk returns, so one read is not
# enough. All three equal -> pass; counters that stay unequal for
# mismatch_window seconds -> a notification was lost or sent twice -> fail.
deadline=$(($(date +%s) + 240))
mismatch_window=10
previous=
mismatch_since=
drained=
while :; do
  depth=$(metric notify_queue_depth)
  accepted=$(metric notify_notifications_accepted_total)
  delivered=$(metric 'notify_notifications{status="delivered"}')
  emulator_accepted=$(emulator_received)
  [ "${depth%.*}" = 0 ] && [ -z "$drained" ] && drained=$(date +%s.%N)
  reading="${depth%.*} ${accepted%.*} ${delivered%.*} $emulator_accepted"
  if [ "${depth%.*}" = 0 ] && [ "$reading" = "$previous" ]; then
    [ "${accepted%.*}" = "${delivered%.*}" ] && [ "$emulator_accepted" = "${accepted%.*}" ] && break
    [ -n "$mismatch_since" ] || mismatch_since=$(date +%s)
    [ $(($(date +%s) - mismatch_since)) -lt "$mismatch_window" ] || break
  else
    mismatch_since=
  fi
  [ "$(date +%s)" -lt "$deadline" ] || break
  previous=$reading
  sleep 0.1
done
[ -n "$drained" ] || drained=$(date +%s.%N)
rss_kb=$(awk '/VmHWM/ { print $2 }' "/proc/$serve_pid/status")
rps=$(awk '/Requests\/sec/ { print $2 }' "$work/wrk.txt")
p99=$(awk '$1 == "99%" { print $2 }' "$work/wrk.txt")
non2xx=$(awk '/Non-2xx/ { print $5 }' "$work/wrk.txt")
printf 'load: %ss of POSTs (wrk -t2 -c16): %s accepted req/s, p99 accept latency %s, ' \
  "$duration" "$rps" "$p99"
printf 'accepted %s, drain %.1f s after the load, peak RSS %d MB, delivered %s (emulator: %s), non-2xx %s\n' \
  "${accepted%.*}" "$(python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$load_end" "$drained")" $((rss_kb / 1024)) "${delivered%.*}" \
  "$emulator_accepted" "${non2xx:-0}"
[ "${depth%.*}" = 0 ] || { echo "FAIL: the queue did not drain"; exit 1; }
[ "${delivered%.*}" = "${accepted%.*}" ] || { echo "FAIL: not every accepted notification was delivered"; exit 1; }
[ "$emulator_accepted" = "${accepted%.*}" ] || { echo "FAIL: the emulator received $emulator_accepted"; exit 1; }
kill -TERM "$serve_pid"; wait "$serve_pid"; serve_pid=
echo "1 passed, 0 failed"
