# Shared by the tests/cli/*.sh scripts that start `dnsprop run` (sourced, not a test).
# Provides: $tmp (removed on exit), $pid (killed on exit), $port (a free 127.0.0.1 port),
# fail MESSAGE (prints the daemon log), poll SECONDS COMMAND... (every 0.1 s).
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
