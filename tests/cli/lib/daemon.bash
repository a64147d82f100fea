# Shared by the tests/cli/*.sh scripts that start `dnsprop run` (sourced, not a test).
# Provides: $tmp (removed on exit), $pid (killed on exit), $port (a free 127.0.0.1 port),
# fail MESSAGE (prints the daemon log), poll SECONDS COMMAND... (every 0.1 s),
# monitor_toml INTERVAL STATE_DIR EXTRA (the loopback-only [monitor], [web] and
# [resolvers] tables every test config starts with), start_daemon, metric_matches.
set -euo pipefail
: "${DNSPROP:?}"
tmp=$(mktemp -d)
pid=""
cleanup() { [[ -n "$pid" ]] && kill -9 "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; echo "--- log:" >&2; cat "$tmp/log" >&2 || true; exit 1; }
poll() {
  local n=$(( $1 * 10 )); shift
  for _ in $(seq 1 "$n"); do "$@" && return 0; sleep 0.1; done
  return 1
}
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
# monitor_toml INTERVAL STATE_DIR EXTRA: probes only closed loopback ports (EXTRA is the
# TOML array of [resolvers] extra) and discovers parents from a closed loopback port, so
# nothing ever leaves the machine.
monitor_toml() {
  cat <<TOML
[monitor]
interval = "$1"
timeout = "200ms"
retries = 0
state_dir = "$2"
root_hints = ["127.0.0.1:9"]  # discovery stays on loopback (a closed port)
[web]
listen = ["127.0.0.1:$port"]
[resolvers]
extra = $3
TOML
}
# start_daemon: runs `dnsprop run` on $tmp/dnsprop.toml (log in $tmp/log) and waits
# up to 10 s for /-/ready.
start_daemon() {
  "$DNSPROP" --config.file "$tmp/dnsprop.toml" run > "$tmp/log" 2>&1 &
  pid=$!
  poll 10 curl -sf "$base/-/ready" -o /dev/null || fail "not ready within 10 s"
}
# metric_matches REGEX: /metrics has a line matching the extended regex. (Read whole
# first: `curl | grep -q` fails under pipefail when grep stops reading early.)
metric_matches() { local body; body=$(curl -s "$base/metrics") && grep -Eq "$1" <<<"$body"; }
