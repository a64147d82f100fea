#!/usr/bin/env bash
# `dnsprop run` with nothing to probe keeps its rounds going (a regression: an empty
# round used to stall the daemon and every later reload), and a SIGHUP that adds a
# migration is applied: the landing page lists it and probes go to its resolver.
set -euo pipefail
: "${DNSPROP:?}"
tmp=$(mktemp -d)
pid=""
cleanup() { [[ -n "$pid" ]] && kill -9 "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; echo "--- log:" >&2; cat "$tmp/log" >&2 || true; exit 1; }
poll() {  # poll SECONDS COMMAND...
  local n=$(( $1 * 10 )); shift
  for _ in $(seq 1 "$n"); do "$@" && return 0; sleep 0.1; done
  return 1
}
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$tmp/dnsprop.toml" <<TOML
[monitor]
interval = "1s"
timeout = "200ms"
retries = 0
state_dir = "$tmp/state"
[web]
listen = ["127.0.0.1:$port"]
[resolvers]
extra = ["127.0.0.1:9"]
TOML
"$DNSPROP" --config.file "$tmp/dnsprop.toml" run > "$tmp/log" 2>&1 &
pid=$!
base="http://127.0.0.1:$port"
poll 10 curl -sf "$base/-/ready" -o /dev/null || fail "not ready"
rounds() { grep -c 'probe round done' "$tmp/log" || true; }
poll 10 bash -c "[[ \$(grep -c 'probe round done' '$tmp/log') -ge 2 ]]" || fail "empty rounds do not repeat"

cat >> "$tmp/dnsprop.toml" <<TOML
[[migration]]
domain = "added.example.test"
[migration.old]
addresses = ["192.0.2.10"]
[migration.new]
addresses = ["198.51.100.20"]
TOML
kill -HUP "$pid"
poll 10 bash -c "curl -s '$base/' | grep -q 'added.example.test.'" || fail "reloaded migration not on the landing page"
poll 10 bash -c "grep 'probe round done' '$tmp/log' | tail -1 | grep -q 'domain=added.example.test.'" || fail "no probes for the reloaded migration"
[[ -f "$tmp/state/dnsprop.db" ]] || fail "no state database in monitor.state_dir"
kill -TERM "$pid"; wait "$pid"; pid=""
echo "run_reload: ok"
