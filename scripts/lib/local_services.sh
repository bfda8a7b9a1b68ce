# shellcheck shell=bash
# Sourced, not run: starting the local Microsoft 365 emulator and notify-host
# serve from a script and reading where they listen (their first output line
# is JSON). Used by scripts/demo.sh and tests/integration/service/load_test.sh.

# wait_for_line FILE LOG WHAT: waits up to 10 s for the first line in FILE;
# without it, prints "WHAT did not start:" and LOG, and exits 1.
wait_for_line() {
  local _
  for _ in $(seq 1 200); do [ -s "$1" ] && return 0; sleep 0.05; done
  echo "$3 did not start:"
  cat "$2"
  exit 1
}

# json_field FILE KEY: KEY of the JSON object on the first line of FILE.
json_field() {
  python3 -c "import json,sys; print(json.loads(open(sys.argv[1]).readline())[sys.argv[2]])" "$1" "$2"
}

# start_emulator BIN CONFIG WORK: starts BIN/m365-emulator with CONFIG and its
# state in WORK/emulator, sets emulator_pid, and waits for its ready line
# (WORK/ready.json; read it with json_field).
start_emulator() {
  "$1/m365-emulator" --config "$2" --state-dir "$3/emulator" >"$3/ready.json" 2>"$3/emulator.log" &
  # shellcheck disable=SC2034  # the caller's cleanup stops it
  emulator_pid=$!
  wait_for_line "$3/ready.json" "$3/emulator.log" "the emulator"
}

# write_host_properties FILE PLUGINS_DIR WORK: notify-host's settings for a
# local run: the Microsoft 365 channel from PLUGINS_DIR, the state in
# WORK/state.db, warnings only, the HTTP API on a free loopback port.
write_host_properties() {
  cat >"$1" <<PROPS
plugins.directory = $2
plugins.enabled = m365_oauth_smtp
state.url = sqlite:$3/state.db
logging.loggers.root.level = warning
http.port = 0
delivery.poll_interval_ms = 100
PROPS
}
