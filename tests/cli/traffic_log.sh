#!/usr/bin/env bash
# [migration.traffic] with a real `dnsprop run`: it follows an access log (combined
# format), counts the requests of the window (its own web checks, user agent dnsprop/,
# and lines older than the window left out), exports dnsprop_old_requests, and `check`'s
# condition `traffic` holds while there are at most max_requests and fails once a line
# more is appended.
source "$(dirname "$0")/lib/daemon.bash"
stamp() { LC_ALL=C date -u -d "$1" '+%d/%b/%Y:%H:%M:%S +0000'; }
line() { echo "192.0.2.7 - - [$(stamp "$1")] \"GET $2 HTTP/1.1\" 200 512 \"-\" \"$3\""; }
{
  line '2 days ago' / 'Mozilla/5.0'           # older than the window: the log covers it all
  line '10 minutes ago' / 'Mozilla/5.0'
  line '5 minutes ago' /order/ 'Mozilla/5.0'
  line '1 minute ago' / 'dnsprop/1.0'          # the monitor's own web check
  echo 'not an access log line'
} > "$tmp/access.log"
{ monitor_toml 1s "$tmp/state" '["127.0.0.1:9"]'
  cat <<TOML
[[migration]]
domain = "shop.example.test"
min_parallel = "0s"
parent_servers = ["127.0.0.1:9"]
[migration.old]
addresses = ["127.0.0.10"]
[migration.new]
addresses = ["127.0.0.20"]
[migration.traffic]
access_log = "$tmp/access.log"
max_requests = 2
TOML
} > "$tmp/dnsprop.toml"
start_daemon
poll 10 metric_matches '^dnsprop_old_requests\{[^}]*domain="shop.example.test."[^}]*\} 2$' \
  || fail "dnsprop_old_requests is not 2: $(curl -s "$base/metrics" | grep old_requests)"
metric_matches '^dnsprop_old_last_request_timestamp_seconds\{[^}]*\} [0-9]' || fail "no last request time"

# check exits 1 (NOT_YET: the resolver asked is a closed port): only its JSON matters here.
traffic() { { "$DNSPROP" --config.file "$tmp/dnsprop.toml" check -o json 2>/dev/null || true; } \
  | python3 -c 'import json,sys; d=json.load(sys.stdin); c=[c for c in d["migrations"][0]["conditions"] if c["id"]=="traffic"][0]; print(("met " if c["met"] else "failed ") + c["detail"])'; }
out=$(traffic)
[[ $out == "met the old server received 2 request(s) in the last 1d 0h (at most 2 allowed)" ]] \
  || fail "with 2 requests: $out"

line 'now' /contact/ 'Mozilla/5.0' >> "$tmp/access.log"
quiet_no_more() { out=$(traffic); [[ $out == "failed the old server received 3 request(s) in the last 1d 0h (at most 2 allowed), the last at "* ]]; }
poll 10 quiet_no_more || fail "an appended request did not fail the condition: $out"
kill -TERM "$pid"; wait "$pid" || fail "exit status $? after SIGTERM"; pid=""
echo "traffic_log: ok"
