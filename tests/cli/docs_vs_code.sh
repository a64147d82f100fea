#!/usr/bin/env bash
# The docs name only metrics, config keys and flags the code has: every dnsprop_* metric
# of README.md and docs/*.md is exported by a running monitor, every key of the
# docs/CONFIG.md tables (and every `monitor.x`/`[web] x`/`old.x` reference) is accepted
# by --config.check, every --flag of a dnsprop command line is in some --help
# (tests/cli/lib/docs_vs_code.py does the comparing). The monitor runs on loopback only,
# with every optional migration feature, and asks closed loopback ports plus real servers
# (dnsmasq: a resolver still answering OLD; NSD: the new authoritative server already
# serving NEW), so that the metrics which need answers exist too (the latency histogram,
# the predicted OLD expiry, the time the switch was seen). A self-test runs the
# checker on docs with an invented metric, key and flag added and expects all three.
source "$(dirname "$0")/lib/daemon.bash"
: "${DNSPROP_SOURCE_DIR:?}"
checker="$(dirname "$0")/lib/docs_vs_code.py"

# Real servers from Debian on 127.0.0.1: dnsmasq as a resolver still answering the OLD
# address (TTL 300) and NSD as the new authoritative server already serving NEW.
command -v dnsmasq >/dev/null && command -v nsd >/dev/null && command -v drill >/dev/null \
  || { echo "dnsmasq, nsd or drill missing (scripts/install-deps.sh --test): skipped"; exit 77; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
resolver_port=$(free_port)
auth_port=$(free_port)
user_args=(); [[ $(id -u) == 0 ]] && user_args=(--user=root)
dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts --bind-interfaces \
  --listen-address=127.0.0.1 --port="$resolver_port" --pid-file="$tmp/dnsmasq.pid" "${user_args[@]}" \
  --address=/shop.example.test/127.0.0.10 --local-ttl=300 --log-facility="$tmp/dnsmasq.log" &
dnsmasq_pid=$!
mkdir -p "$tmp/nsd"
cat > "$tmp/nsd/shop.example.test.zone" <<'ZONE'
$ORIGIN shop.example.test.
$TTL 300
@   IN SOA ns.shop.example.test. hostmaster.shop.example.test. 1 3600 600 86400 300
@   IN NS  ns.shop.example.test.
@   IN A   127.0.0.20
www IN A   127.0.0.20
ns  IN A   127.0.0.1
ZONE
cat > "$tmp/nsd/nsd.conf" <<CONF
server:
  ip-address: 127.0.0.1@$auth_port
  port: $auth_port
  do-ip6: no
  username: ""
  chroot: ""
  zonesdir: "$tmp/nsd"
  database: ""
  zonelistfile: "$tmp/nsd/zone.list"
  xfrdfile: "$tmp/nsd/xfrd.state"
  xfrdir: "$tmp/nsd"
  pidfile: "$tmp/nsd/nsd.pid"
  server-count: 1
remote-control:
  control-enable: no
zone:
  name: "shop.example.test"
  zonefile: "shop.example.test.zone"
CONF
nsd -d -c "$tmp/nsd/nsd.conf" > "$tmp/nsd.log" 2>&1 &
nsd_pid=$!
trap 'kill "$dnsmasq_pid" "$nsd_pid" 2>/dev/null; cleanup' EXIT
# drill (ldnsutils) asks NSD directly until it serves the zone.
served() { drill -p "$auth_port" www.shop.example.test @127.0.0.1 A 2>/dev/null | grep -q '127\.0\.0\.20'; }
poll 10 served || fail "nsd does not serve the zone: $(cat "$tmp/nsd.log")"
resolver="127.0.0.1:$resolver_port"
new_server="127.0.0.1:$auth_port"

# write_config WEB_LINE OLD_LINE: the migration with every optional feature; WEB_LINE
# goes into [web], OLD_LINE into [migration.old] (either may be empty).
write_config() {
  { monitor_toml 1s "$tmp/state" "[\"127.0.0.1:9\", { address = \"$resolver\", name = \"dnsmasq\" }]" \
      | awk -v line="$1" '{ print } /^\[web\]$/ && line != "" { print line }'
    cat <<TOML
[[migration]]
domain = "shop.example.test"
watch = [{ name = "@", types = ["A"] }, { name = "www", types = ["A"] }]
switch_time = 2026-11-20T10:00:00+09:00
delegation_grace = "1d"
min_parallel = "0s"
[migration.old]
addresses = ["127.0.0.10"]
servers = ["127.0.0.1:9"]
$2
[migration.new]
addresses = ["127.0.0.20"]
servers = ["$new_server"]
# The site's addresses are loopback ones nobody serves: the fetches fail at once, and
# the web series exist (a web server with a certificate is web_e2e's business).
[migration.web]
scheme = "both"
http_port = 9
https_port = 9
must_match = ["/canary.txt"]
# Likewise the mail servers: nothing listens on port 9, each exchange is refused at once.
[migration.mail]
port = 9
fetch_ports = [9]
# An access log with one request of now, so that the traffic series exist too.
[migration.traffic]
access_log = "$tmp/access.log"
TOML
  } > "$tmp/dnsprop.toml"
}
echo "192.0.2.7 - - [$(LC_ALL=C date -u '+%d/%b/%Y:%H:%M:%S +0000')] \"GET / HTTP/1.1\" 200 5 \"-\" \"curl\"" > "$tmp/access.log"
# Keys other engineers are adding: used only once --config.check accepts them, so this
# test passes before and after they land.
web_line="external_url = \"$base/\""
old_line='stop_date = 2026-12-20T10:00:00+09:00'
write_config "$web_line" ""
"$DNSPROP" --config.file "$tmp/dnsprop.toml" --config.check >/dev/null 2>&1 || web_line=""
write_config "" "$old_line"
"$DNSPROP" --config.file "$tmp/dnsprop.toml" --config.check >/dev/null 2>&1 || old_line=""
write_config "$web_line" "$old_line"
out=$("$DNSPROP" --config.file "$tmp/dnsprop.toml" --config.check 2>&1) || fail "test config rejected: $out"

start_daemon
poll 15 metric_matches '^dnsprop_rounds_total(\{[^}]*\})? [1-9]' || fail "no round completed within 15 s"
curl -sf "$base/metrics" > "$tmp/metrics" || fail "/metrics"
kill -TERM "$pid"
wait "$pid" || fail "exit status $? after SIGTERM"
pid=""

rc=0
python3 "$checker" --dnsprop "$DNSPROP" --metrics "$tmp/metrics" --root "$DNSPROP_SOURCE_DIR" || rc=$?

# Self-test: the same docs plus an invented metric, key and flag must fail, naming each.
mkdir -p "$tmp/docs-copy/docs"
cp "$DNSPROP_SOURCE_DIR/README.md" "$tmp/docs-copy/"
cp "$DNSPROP_SOURCE_DIR"/docs/*.md "$tmp/docs-copy/docs/"
cat >> "$tmp/docs-copy/docs/CONFIG.md" <<'MD'

## `[monitor]`

| key | type | default | meaning |
|---|---|---|---|
| `invented_key` | boolean | `false` | Not in the code. |

`dnsprop_invented_metric_total` counts nothing: `dnsprop run --invented-flag`.
MD
self_rc=0
self_out=$(python3 "$checker" --dnsprop "$DNSPROP" --metrics "$tmp/metrics" --root "$tmp/docs-copy" 2>&1) || self_rc=$?
[[ $self_rc == 1 ]] || fail "self-test: exit $self_rc with an invented metric, key and flag (want 1): $self_out"
for want in "metric dnsprop_invented_metric_total" "key monitor.invented_key" "flag --invented-flag"; do
  grep -q "^docs/CONFIG.md:[0-9]*: $want: not in the code$" <<<"$self_out" \
    || fail "self-test: \"$want\" not reported: $self_out"
done

[[ $rc == 0 ]] || { echo "FAIL: the docs name what the code does not have (above)" >&2; exit 1; }
echo "docs_vs_code: ok"
