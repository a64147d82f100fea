#!/usr/bin/env bash
# `dnsprop status` and `dnsprop history` on a loopback daemon whose resolvers are closed
# ports (every answer an error): no database is exit 3; with data, the table has a row
# per resolver and a column per watched name, JSON has its documented shape, the history
# shows a timeline per resolver and the NEW-share sparkline (UTF-8 or ASCII per locale),
# and colour appears on a terminal only (never piped, never with NO_COLOR); `survey`
# shows progress on a terminal and is silent when piped.
# OLD/NEW data and transitions: tests/integration/daemon/status_history_test.cc.
source "$(dirname "$0")/lib/daemon.bash"
{ monitor_toml 1s "$tmp/state" '["127.0.0.1:9", { address = "127.0.0.2:9", name = "closed-two" }]'; cat <<TOML
[[migration]]
domain = "shop.example.test"
watch = [{ name = "www", types = ["A"] }, { name = "api", types = ["A"] }]
[migration.old]
addresses = ["192.0.2.10"]
[migration.new]
addresses = ["198.51.100.20"]
TOML
} > "$tmp/dnsprop.toml"
d() { "$DNSPROP" --config.file "$tmp/dnsprop.toml" "$@"; }

# ---- no data: exit 3 with the reason on stderr ----
rc=0; d status > "$tmp/out" 2> "$tmp/err" || rc=$?
[[ $rc -eq 3 ]] || fail "status without a database: exit $rc, want 3"
grep -q "no state database" "$tmp/err" || fail "status without a database does not say why: $(cat "$tmp/err")"
rc=0; d history > /dev/null 2>&1 || rc=$?
[[ $rc -eq 3 ]] || fail "history without a database: exit $rc, want 3"
rc=0; d history --since yesterday > /dev/null 2>&1 || rc=$?
[[ $rc -eq 64 ]] || fail "history --since yesterday: exit $rc, want 64"

# ---- a daemon records a few rounds ----
start_daemon
poll 15 bash -c "[[ \$(grep -c 'probe round done' '$tmp/log') -ge 3 ]]" || fail "no rounds"

d status > "$tmp/status" || fail "status with data: exit $?"
cat "$tmp/status"
head -1 "$tmp/status" | grep -Eq '^(NOT_YET|UNKNOWN|CRITICAL): shop\.example\.test\. - ' || fail "no verdict summary line"
grep -Eq '^data: round [0-9]+ at 20[0-9-]+T' "$tmp/status" || fail "no data line"
grep -Eq '^RESOLVER +www A +api A +OLD EXPIRY$' "$tmp/status" || fail "table header"
grep -Eq '^127\.0\.0\.1:9 +ERROR [0-9]+[smhd] +ERROR [0-9]+[smhd] +-$' "$tmp/status" || fail "row of 127.0.0.1:9"
grep -Eq '^closed-two +ERROR [0-9]+[smhd] +ERROR [0-9]+[smhd] +-$' "$tmp/status" || fail "row of closed-two"
if grep -q $'\x1b' "$tmp/status"; then fail "status piped has ANSI escapes"; fi
# --state-dir works without a readable config
"$DNSPROP" --config.file "$tmp/missing.toml" status --state-dir "$tmp/state" | grep -q '^closed-two ' \
  || fail "status --state-dir without a config"
# --domain of a migration without data: exit 3
rc=0; d status --domain other.example.test > /dev/null || rc=$?
[[ $rc -eq 3 ]] || fail "status --domain without data: exit $rc, want 3"

d status -o json > "$tmp/status.json" || fail "status -o json: exit $?"
python3 - "$tmp/status.json" <<'PY' || fail "status JSON shape"
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["source"].endswith("dnsprop.db"), doc["source"]
(m,) = doc["migrations"]
assert m["domain"] == "shop.example.test.", m
assert m["verdict"]["status"] in ("NOT_YET", "UNKNOWN", "CRITICAL"), m["verdict"]
assert m["round"] >= 1 and m["data_at"].endswith("Z")
assert [w["name"] for w in m["watch"]] == ["www.shop.example.test.", "api.shop.example.test."], m["watch"]
names = [r["name"] for r in m["resolvers"]]
assert names == ["127.0.0.1:9", "closed-two"], names
for r in m["resolvers"]:
    assert r["old_expiry"] is None and r["excluded"] is False
    assert [t["class"] for t in r["targets"]] == ["error", "error"], r
    assert all(t["since"].endswith("Z") for t in r["targets"])
PY

# ---- history ----
d history --transitions > "$tmp/history" || fail "history: exit $?"
cat "$tmp/history"
grep -Eq '^shop\.example\.test\.  20[0-9-]+T.* \.\. 20[0-9-]+T.*\(60 buckets of ' "$tmp/history" || fail "history heading"
grep -Eq '^127\.0\.0\.1:9 +\|-{59}\?\|$' "$tmp/history" || fail "timeline of 127.0.0.1:9 (60 buckets, data in the last)"
grep -Eq '^closed-two +\|-{59}\?\|$' "$tmp/history" || fail "timeline of closed-two"
grep -q '^legend: N new  O old  M mixed' "$tmp/history" || fail "no legend"
grep -q '^transitions:' "$tmp/history" || fail "--transitions lists nothing"
grep -q '(none in the window)' "$tmp/history" || fail "errors only: no transitions expected"
if grep -q $'\x1b' "$tmp/history"; then fail "history piped has ANSI escapes"; fi
# The sparkline: unicode blocks on a UTF-8 locale, ASCII otherwise.
LC_ALL=C.UTF-8 d history --since 1h --width 20 | grep -Eq '^NEW share +\|[ ▁]{19}▁\| now 0%$' || fail "UTF-8 sparkline"
LC_ALL= LC_CTYPE= LANG=C d history --since 1h --width 20 | grep -Eq '^NEW share +\|[ _]{19}_\| now 0%$' || fail "ASCII sparkline"
# --resolver narrows to one line and lists its transitions.
d history --resolver closed-two > "$tmp/one"
grep -q '^closed-two ' "$tmp/one" && ! grep -q '^127\.0\.0\.1:9 ' "$tmp/one" && grep -q '^transitions:' "$tmp/one" \
  || fail "history --resolver"

d history -o json --width 30 > "$tmp/history.json" || fail "history -o json: exit $?"
python3 - "$tmp/history.json" <<'PY' || fail "history JSON shape"
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["buckets"] == 30 and doc["bucket_seconds"] > 0
(m,) = doc["migrations"]
assert m["domain"] == "shop.example.test."
assert [r["name"] for r in m["resolvers"]] == ["127.0.0.1:9", "closed-two"]
for r in m["resolvers"]:
    assert len(r["timeline"]) == 30 and r["timeline"].endswith("?"), r
    assert r["transitions"] == [], r
assert len(m["new_ratio"]) >= 3 and all(p[1] == 0 for p in m["new_ratio"]), m["new_ratio"]
PY

# ---- colour: only on a terminal, and never with NO_COLOR ----
tty_run() { script -qec "$*" /dev/null; }
cmd="'$DNSPROP' --config.file '$tmp/dnsprop.toml'"
tty_run "$cmd status" > "$tmp/tty" || fail "status on a terminal: exit $?"
grep -q $'\x1b\\[' "$tmp/tty" || fail "status on a terminal is not coloured"
tty_run "$cmd history" > "$tmp/tty" || fail "history on a terminal: exit $?"
grep -q $'\x1b\\[' "$tmp/tty" || fail "history on a terminal is not coloured"
NO_COLOR=1 tty_run "$cmd status" > "$tmp/tty" || fail "status NO_COLOR: exit $?"
if grep -q $'\x1b' "$tmp/tty"; then fail "NO_COLOR status has ANSI escapes"; fi
NO_COLOR=1 tty_run "$cmd history" > "$tmp/tty" || fail "history NO_COLOR: exit $?"
if grep -q $'\x1b' "$tmp/tty"; then fail "NO_COLOR history has ANSI escapes"; fi

# ---- survey progress: "probing N/M" on a terminal's stderr, nothing when piped ----
survey="'$DNSPROP' --config.file '$tmp/dnsprop.toml' survey --resolver 127.0.0.1:9 --resolver 127.0.0.2:9 --name www.example.test --timeout 200ms --retries 0"
bash -c "$survey" > /dev/null 2> "$tmp/err" || fail "survey piped: exit $?"
[[ ! -s "$tmp/err" ]] || fail "survey piped writes to stderr: $(cat "$tmp/err")"
tty_run "$survey" > "$tmp/tty" || fail "survey on a terminal: exit $?"
grep -q 'probing 2/2' "$tmp/tty" || fail "survey on a terminal shows no progress"

kill -TERM "$pid"; wait "$pid"; pid=""
echo "status_history: ok"
