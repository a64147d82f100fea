#!/usr/bin/env bash
# `dnsprop resolvers list`: the Japan set by country, JSON output, filters, and
# positioned errors for a bad catalog. Runs from the source tree so ./resolvers is found.
set -euo pipefail
: "${DNSPROP:?}" "${DNSPROP_SOURCE_DIR:?}"
cd "$DNSPROP_SOURCE_DIR"
unset DNSPROP_RESOLVERS_DIR
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# --- the Japan set, as a table ---
"$DNSPROP" resolvers list --country JP >"$tmp/jp.txt" || fail "list --country JP exited $?"
head -n1 "$tmp/jp.txt" | grep -Eq '^NAME +ADDRESS +OPERATOR +COUNTRY +REGION +ACCESS +FILTERING +DNSSEC$' \
  || fail "bad table header: $(head -n1 "$tmp/jp.txt")"
grep -Eq '^iij-public-1 +103\.2\.57\.5 +IIJ Public DNS +JP .* encrypted-only ' "$tmp/jp.txt" \
  || fail "IIJ row missing or not encrypted-only"
grep -Eq ' isp-only ' "$tmp/jp.txt" || fail "no isp-only row in the Japan list"

# Exactly the entries of resolvers/jp.toml (compared by name, via JSON).
"$DNSPROP" resolvers list --country jp --output json >"$tmp/jp.json"
python3 - "$tmp/jp.json" resolvers/jp.toml <<'PY' || fail "JSON Japan set differs from resolvers/jp.toml"
import json, sys, tomllib
got = [r["name"] for r in json.load(open(sys.argv[1]))]
want = [r["name"] for r in tomllib.load(open(sys.argv[2], "rb"))["resolver"]]
assert got == want, (got, want)
assert all(r["country"] == "JP" for r in json.load(open(sys.argv[1])))
PY
[[ $(wc -l <"$tmp/jp.txt") -eq $(( $(python3 -c 'import json,sys;print(len(json.load(open(sys.argv[1]))))' "$tmp/jp.json") + 1 )) ]] \
  || fail "table and JSON disagree on the number of Japan entries"

# --open-only hides restricted entries: nothing in Japan is open on port 53.
"$DNSPROP" resolvers list --country JP --open-only >"$tmp/open.txt"
[[ $(wc -l <"$tmp/open.txt") -eq 1 ]] || fail "--open-only still lists restricted entries"

# --- JSON for everything is valid and carries the public catalog ---
"$DNSPROP" resolvers list --output json >"$tmp/all.json"
python3 -m json.tool "$tmp/all.json" >/dev/null || fail "--output json is not valid JSON"
python3 - "$tmp/all.json" <<'PY' || fail "public entries missing from JSON"
import json, sys
rows = json.load(open(sys.argv[1]))
open_rows = [r for r in rows if r["access"] == "open"]
assert len(open_rows) >= 30, len(open_rows)
assert {r["family"] for r in open_rows} == {"ipv4", "ipv6"}
assert any(r["name"] == "google-1" and r["address"] == "8.8.8.8" and r["port"] == 53 for r in rows)
PY

# --family and --tag narrow the list.
"$DNSPROP" resolvers list --tag jp-pop --family ipv6 --output json >"$tmp/v6.json"
python3 - "$tmp/v6.json" <<'PY' || fail "--tag/--family filter wrong"
import json, sys
rows = json.load(open(sys.argv[1]))
assert rows and all(r["family"] == "ipv6" and "jp-pop" in r["tags"] for r in rows), rows
PY

# DNSPROP_RESOLVERS_DIR takes precedence over ./resolvers.
DNSPROP_RESOLVERS_DIR="$DNSPROP_SOURCE_DIR/tests/data/catalog" "$DNSPROP" resolvers list >"$tmp/env.txt"
grep -q '^alpha-v4 ' "$tmp/env.txt" || fail "DNSPROP_RESOLVERS_DIR ignored"
grep -q '^google-1 ' "$tmp/env.txt" && fail "DNSPROP_RESOLVERS_DIR did not replace ./resolvers"

# --- a bad catalog: exit 1 and file:line:col on stderr ---
rc=0
"$DNSPROP" resolvers list --catalog tests/data/catalog/bad/wrong_type.toml >"$tmp/out" 2>"$tmp/err" || rc=$?
[[ $rc -eq 1 ]] || fail "bad catalog exited $rc, want 1"
grep -Eq '^tests/data/catalog/bad/wrong_type\.toml:11:11: resolver\.anycast: expected a boolean' "$tmp/err" \
  || fail "no file:line:col error, got: $(cat "$tmp/err")"
[[ ! -s "$tmp/out" ]] || fail "bad catalog still printed a table"

rc=0
"$DNSPROP" resolvers list --catalog tests/data/catalog/bad/syntax.toml 2>"$tmp/err" >/dev/null || rc=$?
[[ $rc -eq 1 ]] && grep -Eq '^tests/data/catalog/bad/syntax\.toml:6:10: ' "$tmp/err" \
  || fail "TOML syntax error not reported with position (rc=$rc): $(cat "$tmp/err")"

echo "resolvers_list: ok"
