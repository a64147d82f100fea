#!/usr/bin/env bash
# `dnsprop check`, `status` and `history` run by a user who may only read the state
# database (root owns the folder, 0755, and the files, 0644; the readers run as uid/gid
# 65534 through setpriv), on a loopback daemon whose resolvers are closed ports:
#   - daemon running (its -wal/-shm exist): a verdict (exit 0-2), never UNKNOWN;
#   - daemon killed with -9 (-wal/-shm left behind): a verdict, the last committed round
#     is seen, and no file in the folder changes;
#   - daemon stopped cleanly (no -wal/-shm, and the reader cannot create them): a
#     verdict (the immutable fallback), and the folder listing and the database's bytes
#     and mtime are unchanged;
#   - a -wal file without its -shm (committed data the reader cannot index): refused
#     with a reason naming the -wal file (exit 3), nothing created.
# Needs root to own the files and drop privileges; without it, skipped (exit 77).
set -euo pipefail
if [[ $(id -u) -ne 0 ]]; then
  echo "read_only_state: skipped (needs root: the database must belong to another user and the readers run as uid 65534 via setpriv)"
  exit 77
fi
if ! command -v setpriv > /dev/null; then
  echo "read_only_state: skipped (setpriv from util-linux is missing)"
  exit 77
fi
umask 022
source "$(dirname "$0")/lib/daemon.bash"
chmod 0755 "$tmp"  # mktemp -d is 0700: let the unprivileged user reach the config and state
state="$tmp/state"
{ monitor_toml 1s "$state" '["127.0.0.1:9", { address = "127.0.0.2:9", name = "closed-two" }]'; cat <<TOML
[[migration]]
domain = "shop.example.test"
watch = [{ name = "www", types = ["A"] }]
[migration.old]
addresses = ["192.0.2.10"]
[migration.new]
addresses = ["198.51.100.20"]
TOML
} > "$tmp/dnsprop.toml"
unprivileged() { setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"; }
unprivileged "$DNSPROP" version > /dev/null 2>&1 || {
  echo "read_only_state: skipped (uid 65534 cannot run $DNSPROP: a folder on its path is not searchable)"
  exit 77
}
# The folder listing with sizes, nanosecond mtimes, owners and modes, and every file's hash.
snapshot() { (cd "$state" && stat -c '%n %s %y %U %a' -- * && sha256sum -- *) | sort; }
rounds() { grep -c 'probe round done' "$tmp/log" || true; }

# Runs check, status and history as uid 65534 and asserts a verdict from the database.
# $1 names the phase in failure messages.
readers_give_a_verdict() {
  local phase=$1 rc
  rc=0; unprivileged "$DNSPROP" --config.file "$tmp/dnsprop.toml" check > "$tmp/out" 2> "$tmp/err" || rc=$?
  [[ $rc -le 2 ]] || fail "$phase: check as uid 65534 exit $rc, want a verdict (0-2): $(cat "$tmp/out" "$tmp/err")"
  head -1 "$tmp/out" | grep -Eq '^(SAFE|NOT_YET|CRITICAL): shop\.example\.test\. - ' \
    || fail "$phase: check has no verdict line: $(cat "$tmp/out" "$tmp/err")"
  grep -q "^source: $state/dnsprop.db$" "$tmp/out" || fail "$phase: check did not read the database: $(cat "$tmp/out")"
  if grep -q 'UNKNOWN' "$tmp/out" "$tmp/err" || grep -Eqi 'state database|read-?only|unable to open' "$tmp/out" "$tmp/err"; then
    fail "$phase: check reports a database problem: $(cat "$tmp/out" "$tmp/err")"
  fi
  rc=0; unprivileged "$DNSPROP" --config.file "$tmp/dnsprop.toml" status -o json > "$tmp/status.json" 2> "$tmp/err" || rc=$?
  [[ $rc -eq 0 ]] || fail "$phase: status as uid 65534 exit $rc, want 0: $(cat "$tmp/err")"
  python3 - "$tmp/status.json" <<'PY' || fail "$phase: status JSON"
import json, sys
(m,) = json.load(open(sys.argv[1]))["migrations"]
assert m["verdict"]["status"] in ("SAFE", "NOT_YET", "CRITICAL"), m["verdict"]
assert m["round"] >= 1, m
assert [r["name"] for r in m["resolvers"]] == ["127.0.0.1:9", "closed-two"], m["resolvers"]
PY
  rc=0; unprivileged "$DNSPROP" --config.file "$tmp/dnsprop.toml" history > /dev/null 2> "$tmp/err" || rc=$?
  [[ $rc -eq 0 ]] || fail "$phase: history as uid 65534 exit $rc, want 0: $(cat "$tmp/err")"
  echo "$phase: $(head -1 "$tmp/out")"
}
status_round() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["migrations"][0]["round"])' "$tmp/status.json"; }

# ---- daemon running: its -wal/-shm exist (root's, 0644), the reader uses them as is ----
start_daemon
poll 15 bash -c "[[ \$(grep -c 'probe round done' '$tmp/log') -ge 2 ]]" || fail "no rounds"
[[ $(stat -c '%U %a' "$state") == "root 755" ]] || fail "state folder: $(stat -c '%U %a' "$state")"
[[ $(stat -c '%U %a' "$state/dnsprop.db") == "root 644" ]] || fail "database: $(stat -c '%U %a' "$state/dnsprop.db")"
[[ -e "$state/dnsprop.db-wal" && -e "$state/dnsprop.db-shm" ]] || fail "a running daemon has no -wal/-shm"
if unprivileged touch "$state/probe" 2> /dev/null; then fail "uid 65534 can write the state folder"; fi
readers_give_a_verdict "daemon running"

# ---- daemon killed: -wal (with committed rounds) and -shm stay behind ----
kill -9 "$pid"; wait "$pid" 2> /dev/null || true; pid=""
[[ -s "$state/dnsprop.db-wal" && -e "$state/dnsprop.db-shm" ]] || fail "kill -9 left no -wal/-shm"
before=$(snapshot)
readers_give_a_verdict "daemon killed"
after=$(snapshot)
[[ "$before" == "$after" ]] || fail "readers changed the state folder after kill -9:"$'\n'"$before"$'\n---\n'"$after"
# The rounds in the WAL are seen: the daemon numbers its rounds from 1 and logs each one
# after committing it, so the round read is at least the number of rounds logged.
[[ $(status_round) -ge $(rounds) ]] || fail "reader sees round $(status_round), the daemon logged $(rounds) rounds"

# ---- daemon stopped cleanly: no -wal/-shm, and uid 65534 cannot create them ----
start_daemon
n=$(rounds)
poll 15 bash -c "[[ \$(grep -c 'probe round done' '$tmp/log') -gt $n ]]" || fail "no round after the restart"
kill -TERM "$pid"; wait "$pid"; pid=""
[[ ! -e "$state/dnsprop.db-wal" && ! -e "$state/dnsprop.db-shm" ]] || fail "a clean stop left -wal/-shm: $(ls -l "$state")"
before=$(snapshot)
readers_give_a_verdict "daemon stopped"
after=$(snapshot)
[[ "$before" == "$after" ]] || fail "readers changed the state folder after a clean stop:"$'\n'"$before"$'\n---\n'"$after"

# ---- a -wal without its -shm: the reader can neither index it nor ignore it ----
: > "$state/dnsprop.db-wal"
before=$(snapshot)
rc=0; unprivileged "$DNSPROP" --config.file "$tmp/dnsprop.toml" check > "$tmp/out" 2> "$tmp/err" || rc=$?
[[ $rc -eq 3 ]] || fail "-wal without -shm: check exit $rc, want 3: $(cat "$tmp/out" "$tmp/err")"
grep -q 'dnsprop.db-wal exists' "$tmp/out" || fail "-wal without -shm: no reason given: $(cat "$tmp/out" "$tmp/err")"
[[ "$before" == "$(snapshot)" ]] || fail "the refused read changed the state folder"
rm -f "$state/dnsprop.db-wal"

echo "read_only_state: ok"
