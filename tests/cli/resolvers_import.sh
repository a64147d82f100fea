#!/usr/bin/env bash
# `dnsprop resolvers import --format public-dns-info`: catalog TOML out, summary on
# stderr, the output loads again, and a CSV without the needed columns fails with a line.
set -euo pipefail
: "${DNSPROP:?}" "${DNSPROP_SOURCE_DIR:?}"
csv="$DNSPROP_SOURCE_DIR/tests/data/catalog/nameservers.csv"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$DNSPROP" resolvers import --format public-dns-info "$csv" -o "$tmp/out.toml" 2>"$tmp/err" \
  || fail "import exited $?: $(cat "$tmp/err")"
grep -q '^imported 4 resolver(s); skipped 6: error 1, reliability 1, address 1, country 1, duplicate 1, malformed 1$' "$tmp/err" \
  || fail "unexpected summary: $(cat "$tmp/err")"
grep -q '^\[\[resolver\]\]' "$tmp/out.toml" || fail "no [[resolver]] in the output"

# The written catalog loads and lists the imported entries.
"$DNSPROP" resolvers list --catalog "$tmp/out.toml" --output json >"$tmp/list.json" \
  || fail "imported catalog does not load"
python3 - "$tmp/list.json" <<'PY' || fail "imported entries wrong"
import json, sys
rows = json.load(open(sys.argv[1]))
assert [r["name"] for r in rows] == ["jp-alpha-networks-inc-1", "us-beta-fast-dns-1",
                                     "jp-alpha-networks-inc-2", "br-theta-networks-1"], rows
assert rows[0]["operator"] == "Alpha Networks, Inc."
PY

# Standard output and options: --country and --min-reliability.
"$DNSPROP" resolvers import --format public-dns-info --country JP --min-reliability 0.99 "$csv" \
  >"$tmp/stdout.toml" 2>/dev/null
[[ $(grep -c '^\[\[resolver\]\]' "$tmp/stdout.toml") -eq 1 ]] || fail "--country/--min-reliability not applied"

# A repeatable option followed by the file: the file stays the positional argument.
"$DNSPROP" resolvers import --format public-dns-info --country JP "$csv" >"$tmp/jp.toml" 2>/dev/null \
  || fail "--country JP FILE did not parse"
[[ $(grep -c '^\[\[resolver\]\]' "$tmp/jp.toml") -eq 2 ]] || fail "--country JP FILE: wrong entries"

# Missing header columns: exit 1 with file:line.
printf 'ip_address,name\n192.0.2.1,x\n' >"$tmp/bad.csv"
rc=0
"$DNSPROP" resolvers import --format public-dns-info "$tmp/bad.csv" >/dev/null 2>"$tmp/err" || rc=$?
[[ $rc -eq 1 ]] || fail "bad CSV exited $rc"
grep -q "^$tmp/bad.csv:1:0: header lacks column" "$tmp/err" || fail "no positioned error: $(cat "$tmp/err")"

# Unknown format is a usage error.
rc=0
"$DNSPROP" resolvers import --format other "$csv" >/dev/null 2>&1 || rc=$?
[[ $rc -ne 0 ]] || fail "unknown --format accepted"

echo "resolvers_import: ok"
