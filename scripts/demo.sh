#!/usr/bin/env bash
# One command on a fresh Debian 12 machine: install, build, start the local
# Microsoft 365 emulator with its demo tenant, save one ruleset per sending
# route of the Microsoft 365 channel (live validation, step by step): "demo"
# for an app with SMTP.SendAsApp (SMTP), "demo-graph" for an app set up as the
# administrator's guide says, Microsoft Graph Mail.Send only (Graph sendMail,
# transport left at auto); send a notification through each and show what
# Exchange (the emulator) received, with the route it came by; then run the
# host as a service, post a notification with curl and show it delivered.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/lib/local_services.sh"
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
build=${BUILD_DIR:-$root/build}
bin=$build/bin

work=$(mktemp -d)
emulator_pid=
serve_pid=
cleanup() {
  [ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null
  [ -n "$emulator_pid" ] && kill "$emulator_pid" 2>/dev/null && wait "$emulator_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

start_emulator "$bin" "$root/tests/emulator/demo-config.json" "$work"
field() { json_field "$work/ready.json" "$1"; }
authority=$(field authority)
smtp_port=$(field smtp_port)
ca_file=$(field ca_file)
spool=$(field spool_dir)
graph_url=$(field graph_url)

write_host_properties "$work/notify-host.properties" "$build/lib" "$work"
host() { "$bin/notify-host" --config "$work/notify-host.properties" "$@"; }
settings=(--set server_name=demo --set smtp_host=localhost --set "port=$smtp_port"
  --set timeout=10 --set from_email=notify@contoso.onmicrosoft.com
  --set client_id=0b9d7e4c-6a21-4f3b-8e5d-7c1a2b3c4d5e
  --set tenant_id=4f7c2a51-0d3e-4b8a-9c61-2e5f8d7a1b30
  --set "authority_url=$authority" --set "ca_file=$ca_file")

echo "== notify-host plugins"
host plugins
echo
echo "== Save with the secret's ID pasted instead of its Value (a common mistake)"
# The secret goes in on standard input, never on the command line (ps shows that).
echo 9a8b7c6d-1e2f-4a3b-8c4d-5e6f7a8b9c0d |
  host ruleset save demo --channel m365_oauth_smtp "${settings[@]}" --secret-stdin ||
  echo "(exit $?: nothing stored)"
echo
echo "== Save with a wrong secret Value (Entra ID refuses it: the token step fails)"
echo 'Xq8~Wrong.Secret_Value-000000000000000000' |
  host ruleset save demo --channel m365_oauth_smtp "${settings[@]}" --secret-stdin ||
  echo "(exit $?: nothing stored)"
echo
echo "== Save with the secret's Value"
echo 'Xq8~Demo.Secret_Value-1234567890abcdefgh' |
  host ruleset save demo --channel m365_oauth_smtp "${settings[@]}" --secret-stdin
echo
echo "== notify-host ruleset show demo"
host ruleset show demo
echo
echo "== notify-host send"
host send --ruleset demo --to ops@contoso.com,oncall@contoso.com \
  --subject "Disk almost full on db-01 – 92 %" --body "Volume /var is 92 % full. Please act."
echo
echo "== Save the guide's app (Microsoft Graph Mail.Send only; transport left at auto)"
graph_settings=(--set server_name=demo-graph --set timeout=10
  --set from_email=notify@contoso.onmicrosoft.com
  --set client_id=5d1e9c7a-2b4f-4c8e-a3d6-9f0b1c2d3e4f
  --set tenant_id=4f7c2a51-0d3e-4b8a-9c61-2e5f8d7a1b30
  --set "authority_url=$authority" --set "graph_url=$graph_url" --set "ca_file=$ca_file")
echo 'Gr8~Demo.Graph_Secret-0987654321zyxwvuts' |
  host ruleset save demo-graph --channel m365_oauth_smtp "${graph_settings[@]}" \
    --test-to admin@contoso.com --secret-stdin
echo
echo "== notify-host send through the Graph route"
host send --ruleset demo-graph --to ops@contoso.com \
  --subject "Backup finished on db-01" --body "The nightly backup of db-01 finished."
echo
echo "== What the emulated Exchange Online received"
for f in "$spool"/*.eml; do
  [ -e "$f" ] || { echo "(nothing)"; break; }
  route=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1])).get('route', 'smtp'))" \
    "${f%.eml}.json" 2>/dev/null || echo smtp)
  echo "-- $(basename "$f") (route: $route)"
  sed -n '1,/^\r\?$/p' "$f"
done
echo
echo "== notify-host serve: the service (HTTP API on loopback, outbox, workers)"
key=$(host api-key create demo 2>/dev/null)
# Not through host(): $! must be notify-host itself, so that the SIGTERM below
# reaches the service and not only a subshell.
"$bin/notify-host" --config "$work/notify-host.properties" serve >"$work/serve.json" 2>"$work/serve.log" &
serve_pid=$!
wait_for_line "$work/serve.json" "$work/serve.log" "serve"
url=$(json_field "$work/serve.json" listening)
echo "listening on $url"
echo "\$ curl -X POST $url/api/v1/notifications -H 'Authorization: Bearer nhk_...' -d '{...}'"
answer=$(curl -sS -X POST "$url/api/v1/notifications" -H "Authorization: Bearer $key" \
  -H 'Content-Type: application/json' \
  -d '{"ruleset":"demo","to":["ops@contoso.com"],"subject":"Backup finished","body":"db-01: 42 GB in 6 min."}')
echo "$answer"
id=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['id'])" "$answer")
for _ in $(seq 1 100); do
  status=$(curl -sS "$url/api/v1/notifications/$id" -H "Authorization: Bearer $key")
  case "$status" in *'"status":"delivered"'*) break ;; esac
  sleep 0.2
done
echo "\$ curl $url/api/v1/notifications/$id"
echo "$status"
message_id=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['message_id'])" "$status")
echo
echo "== The message the service delivered (Message-ID $message_id)"
f=$(grep -l -F "Message-ID: $message_id" "$spool"/*.eml | head -1)
[ -n "$f" ] && sed -n '1,/^\r\?$/p' "$f"
kill -TERM "$serve_pid"; wait "$serve_pid"; serve_pid=
echo "(serve stopped on SIGTERM, exit 0)"
