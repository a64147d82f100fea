#!/usr/bin/env bash
# `dnsprop run` with nothing to probe keeps its rounds going (a regression: an empty
# round used to stall the daemon and every later reload), and a SIGHUP that adds a
# migration is applied: the landing page lists it and probes go to its resolver. POST
# /-/reload is refused until [web] enable_lifecycle is set, then reloads and answers with
# the outcome; dnsprop_web_info follows [web] external_url; /runbook serves the runbooks.
source "$(dirname "$0")/lib/daemon.bash"
monitor_toml 1s "$tmp/state" '["127.0.0.1:9"]' > "$tmp/dnsprop.toml"
start_daemon
poll 10 bash -c "[[ \$(grep -c 'probe round done' '$tmp/log') -ge 2 ]]" || fail "empty rounds do not repeat"

code=$(curl -s -o "$tmp/reply" -w '%{http_code}' -X POST "$base/-/reload")
[[ "$code" == 403 ]] || fail "POST /-/reload without enable_lifecycle: $code, expected 403"
curl -s -o "$tmp/runbook.html" "$base/runbook"
grep -q 'id="dnspropverdictcritical"' "$tmp/runbook.html" || fail "/runbook has no alert anchors"
metric_matches "^dnsprop_web_info\{[^}]*external_url=\"http://127\.0\.0\.1:$port\"\} 1\$" \
  || fail "dnsprop_web_info is not the listen address by default"
sed -i '/^\[web\]$/a enable_lifecycle = true\nexternal_url = "https://dnsprop.example.test/"' "$tmp/dnsprop.toml"
kill -HUP "$pid"
poll 10 metric_matches '^dnsprop_web_info\{[^}]*external_url="https://dnsprop\.example\.test"\} 1$' \
  || fail "dnsprop_web_info does not follow [web] external_url"

cat >> "$tmp/dnsprop.toml" <<TOML
[[migration]]
domain = "added.example.test"
[migration.old]
addresses = ["192.0.2.10"]
[migration.new]
addresses = ["198.51.100.20"]
TOML
code=$(curl -s -o "$tmp/reply" -w '%{http_code}' -X POST "$base/-/reload")
[[ "$code" == 200 ]] || fail "POST /-/reload: $code $(cat "$tmp/reply")"
# The answer comes once the reload applied: no polling needed.
[[ "$(curl -s "$base/")" == *added.example.test.* ]] || fail "reloaded migration not on the landing page"
poll 10 bash -c "grep 'probe round done' '$tmp/log' | tail -1 | grep -q 'domain=added.example.test.'" || fail "no probes for the reloaded migration"
[[ -f "$tmp/state/dnsprop.db" ]] || fail "no state database in monitor.state_dir"
series='dnsprop_propagation_ratio\{([^}]*,)?domain="added\.example\.test\.",name="www\.added\.example\.test\.",rrtype="A"[,}]'
poll 10 bash -c "curl -s '$base/metrics' | grep -qE '$series'" || fail "no series for the added migration"

# A broken config: 500 with the position, the running config kept.
cp "$tmp/dnsprop.toml" "$tmp/good.toml"
echo 'interval = ' >> "$tmp/dnsprop.toml"
code=$(curl -s -o "$tmp/reply" -w '%{http_code}' -X POST "$base/-/reload")
[[ "$code" == 500 ]] || fail "POST /-/reload of a broken config: $code"
grep -qE 'dnsprop\.toml:[0-9]+:[0-9]+' "$tmp/reply" || fail "no file:line:column in the reload error: $(cat "$tmp/reply")"
metric_matches '^dnsprop_config_last_reload_successful\{[^}]*\} 0$' || fail "failed reload not in the metrics"
cp "$tmp/good.toml" "$tmp/dnsprop.toml"

# A [migration.web] trust store that exists but holds no certificate: the reload fails
# (it is loaded with the plan, before anything changes), the daemon runs on.
echo "not a certificate" > "$tmp/junk.pem"
cat >> "$tmp/dnsprop.toml" <<TOML
[[migration]]
domain = "web.example.test"
[migration.old]
addresses = ["127.0.0.11"]
[migration.new]
addresses = ["127.0.0.12"]
[migration.web]
http_port = 9
https_port = 9
ca_file = "$tmp/junk.pem"
TOML
"$DNSPROP" --config.file "$tmp/dnsprop.toml" --config.check >/dev/null || fail "--config.check rejects a readable ca_file"
code=$(curl -s -o "$tmp/reply" -w '%{http_code}' -X POST "$base/-/reload")
[[ "$code" == 500 ]] || fail "POST /-/reload with an unusable ca_file: $code $(cat "$tmp/reply")"
grep -q "CA file" "$tmp/reply" || fail "the reload error does not name the CA file: $(cat "$tmp/reply")"
cp "$tmp/good.toml" "$tmp/dnsprop.toml"
curl -sf "$base/-/ready" -o /dev/null || fail "the daemon did not survive an unusable ca_file"

# Removing the migration again: its series go away (they do not freeze), its history stays.
sed -i '/^\[\[migration\]\]/,$d' "$tmp/dnsprop.toml"
kill -HUP "$pid"
poll 10 bash -c "! curl -s '$base/metrics' | grep -qF 'domain=\"added.example.test.\"'" || fail "series of a removed migration remain"
python3 - "$tmp/state/dnsprop.db" <<'PY' || fail "history of the removed migration is gone"
import sqlite3, sys
n = sqlite3.connect(sys.argv[1]).execute("select count(*) from targets where domain = 'added.example.test.'").fetchone()[0]
sys.exit(0 if n > 0 else 1)
PY
kill -TERM "$pid"; wait "$pid"; pid=""
echo "run_reload: ok"
