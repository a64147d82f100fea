#!/usr/bin/env bash
# `dnsprop --config.check`: 0 for every shipped example, 1 with file:line:column for a bad one.
set -euo pipefail
: "${DNSPROP:?}" "${DNSPROP_SOURCE_DIR:?}"
cd "$DNSPROP_SOURCE_DIR"
for f in config/*.toml; do
  out=$("$DNSPROP" --config.file "$f" --config.check) || { echo "FAIL: $f rejected: $out" >&2; exit 1; }
  [[ "$out" == *"OK"* ]] || { echo "FAIL: $f: unexpected output: $out" >&2; exit 1; }
done
bad=$(mktemp); trap 'rm -f "$bad"' EXIT
printf '[monitor]\ninterval = 300\n' > "$bad"
rc=0; err=$("$DNSPROP" --config.file "$bad" --config.check 2>&1) || rc=$?
[[ $rc == 1 ]] || { echo "FAIL: exit $rc for a bad config (want 1)" >&2; exit 1; }
[[ "$err" == "$bad:2:12: "* ]] || { echo "FAIL: error not positioned: $err" >&2; exit 1; }
rc=0; "$DNSPROP" --config.file /nonexistent/dnsprop.toml --config.check 2>/dev/null || rc=$?
[[ $rc == 1 ]] || { echo "FAIL: exit $rc for a missing config (want 1)" >&2; exit 1; }
echo "config_check: ok"
