#!/usr/bin/env bash
# `check --url` judges a running monitor's verdict against the config it is given: a
# migration whose config asks for mail, web or traffic checks the monitor's verdict has no
# condition for (not reloaded, a failed reload, an older dnsprop) is never SAFE. A SAFE
# status document (the fixture made SAFE and fresh) is served by a plain HTTP server on
# loopback; with a config without server checks check says SAFE (exit 0), with
# [migration.mail] NOT_YET (exit 1) naming the unapplied table.
source "$(dirname "$0")/lib/daemon.bash"
: "${DNSPROP_SOURCE_DIR:?}"
mkdir -p "$tmp/www"
python3 - "$DNSPROP_SOURCE_DIR/tests/data/status/not_yet.json" "$tmp/www/status.json" <<'PY'
import datetime, json, re, sys
doc = json.load(open(sys.argv[1]))
fmt = "%Y-%m-%dT%H:%M:%S.%fZ"
def parse(s): return datetime.datetime.strptime(s, fmt)
shift = datetime.datetime.utcnow() - parse(doc["generated_at"])
def move(x):
    if isinstance(x, dict): return {k: move(v) for k, v in x.items()}
    if isinstance(x, list): return [move(v) for v in x]
    if isinstance(x, str) and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", x):
        return (parse(x) + shift).strftime(fmt)[:-4] + "Z"
    return x
doc = move(doc)
v = doc["migrations"][0]["verdict"]
v["status"] = "SAFE"
v["summary"] = "SAFE: shop.example.jp. - test"
for c in v["conditions"]: c["met"] = True
json.dump(doc, open(sys.argv[2], "w"))
PY
python3 -m http.server --bind 127.0.0.1 --directory "$tmp/www" "$port" > "$tmp/http.log" 2>&1 &
http_pid=$!
trap 'kill "$http_pid" 2>/dev/null; cleanup' EXIT
poll 10 curl -sf -o /dev/null "$base/status.json" || fail "the test HTTP server did not start"

write_config() {
  { monitor_toml 5m "$tmp/state" '["127.0.0.1:9"]'
    cat <<TOML
[[migration]]
domain = "shop.example.jp"
[migration.old]
addresses = ["192.0.2.10"]
[migration.new]
addresses = ["198.51.100.20"]
$1
TOML
  } > "$tmp/dnsprop.toml"
}
write_config ""
out=$("$DNSPROP" --config.file "$tmp/dnsprop.toml" check --url "$base") && rc=0 || rc=$?
[[ $rc == 0 ]] || fail "without server checks: exit $rc, want 0 (SAFE): $out"

write_config $'[migration.mail]\nport = 2525'
out=$("$DNSPROP" --config.file "$tmp/dnsprop.toml" check --url "$base") && rc=0 || rc=$?
[[ $rc == 1 ]] || fail "with [migration.mail] the monitor did not apply: exit $rc, want 1: $out"
grep -q "^NOT_YET: shop.example.jp. - mail: configured here, but the monitor has not applied \[migration.mail\]" <<<"$out" \
  || fail "the summary does not name the unapplied mail checks: $out"
echo "check_url_config: ok"
