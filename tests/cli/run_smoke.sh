#!/usr/bin/env bash
# `dnsprop run` as an exporter: landing page, /metrics clean under promtool, health and
# readiness, SIGHUP with a broken config keeps the running config and says so in the
# reload metric, SIGTERM stops it with status 0. Only loopback addresses are used.
source "$(dirname "$0")/lib/daemon.bash"
write_config() {
  { monitor_toml 2s "$tmp/state" '["127.0.0.1:9"]'; cat <<TOML
[[migration]]
domain = "shop.example.test"
[migration.old]
addresses = ["192.0.2.10"]
[migration.new]
addresses = ["198.51.100.20"]
TOML
  } > "$tmp/dnsprop.toml"
}
write_config
start_daemon

curl -sf "$base/" > "$tmp/landing" || fail "landing page"
grep -q 'href="/metrics"' "$tmp/landing" || fail "landing page does not link /metrics"
grep -q 'shop.example.test.' "$tmp/landing" || fail "landing page does not list the migration"
[[ $(curl -s "$base/-/healthy") == "dnsprop is Healthy." ]] || fail "healthy"

curl -sf "$base/metrics" > "$tmp/metrics" || fail "/metrics"
grep -q '^dnsprop_build_info{.*version="' "$tmp/metrics" || fail "no dnsprop_build_info"
grep -Eq '^dnsprop_config_last_reload_successful(\{[^}]*\})? 1' "$tmp/metrics" || fail "reload metric not 1"
lint=$(promtool check metrics < "$tmp/metrics" 2>&1) || fail "promtool: $lint"
[[ -z "$lint" ]] || fail "promtool complains: $lint"

# A probe round happens (its resolver is a closed loopback port): the timestamp moves.
poll 10 metric_matches '^dnsprop_last_probe_timestamp_seconds(\{[^}]*\})? [1-9]' || fail "no probe round finished within 10 s"
# The per-target series come from the pre-rendered table (http/series_table.h): present,
# labelled like the rest, and clean under promtool together with the registry's.
curl -sf "$base/metrics" > "$tmp/metrics2" || fail "/metrics after a round"
grep -E '^dnsprop_resolver_state\{vantage="default",' "$tmp/metrics2" | grep 'name="www\.shop\.example\.test\."' \
  | grep -q 'state="error"} 1$' \
  || fail "no dnsprop_resolver_state series: $(grep -c resolver_state "$tmp/metrics2")"
[[ $(grep -c '^# TYPE dnsprop_resolver_state gauge' "$tmp/metrics2") == 1 ]] || fail "dnsprop_resolver_state family not exactly once"
lint=$(promtool check metrics < "$tmp/metrics2" 2>&1) || fail "promtool after a round: $lint"

# Broken config + SIGHUP: still serving, reload metric 0, reason logged.
echo 'intervall = "5s"' >> "$tmp/dnsprop.toml"
kill -HUP "$pid"
poll 5 metric_matches '^dnsprop_config_last_reload_successful(\{[^}]*\})? 0' || fail "failed reload not reflected in the metric"
grep -q 'config reload failed' "$tmp/log" || fail "failed reload not logged"
grep -q 'dnsprop.toml:[0-9]*:[0-9]*' "$tmp/log" || fail "reload error without file:line:column"
curl -sf "$base/-/ready" >/dev/null || fail "not serving after a failed reload"

# Fixed config + SIGHUP: back to 1.
write_config
kill -HUP "$pid"
poll 5 metric_matches '^dnsprop_config_last_reload_successful(\{[^}]*\})? 1' || fail "successful reload not reflected in the metric"

kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=""
[[ $rc == 0 ]] || fail "exit status $rc after SIGTERM"
grep -q 'dnsprop stopped' "$tmp/log" || fail "no clean stop logged"
echo "run_smoke: ok"
