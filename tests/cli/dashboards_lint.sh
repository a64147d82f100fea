#!/usr/bin/env bash
# The monitoring mixin in dashboards/ (docs/DASHBOARDS.md): rules lint clean and pass
# their unit tests, the example prometheus.yml is valid, the dashboards are valid JSON,
# generated from dashboards/tools/generate_dashboards.py, follow the conventions
# (dashboards/tools/check_dashboards.py), and every dashboard expression parses once
# its variables are substituted. Needs promtool (Debian package prometheus) and
# python3 with PyYAML (python3-yaml).
set -euo pipefail
: "${DNSPROP_SOURCE_DIR:?}"
mixin="$DNSPROP_SOURCE_DIR/dashboards"
promtool=${PROMTOOL:-promtool}

fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "--- $*"; }

command -v "$promtool" >/dev/null || fail "promtool not found (scripts/install-deps.sh --test installs prometheus)"
command -v python3 >/dev/null || fail "python3 not found"
python3 -c 'import yaml' 2>/dev/null || fail "python3 cannot import yaml (install python3-yaml)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

step "promtool check rules --lint=all --lint-fatal"
"$promtool" check rules --lint=all --lint-fatal "$mixin/rules/dnsprop.rules.yml" \
  || fail "promtool check rules"

step "promtool test rules"
# rule_files in the test file are relative to it.
(cd "$mixin/rules" && "$promtool" test rules dnsprop.rules.test.yml) || fail "promtool test rules"

step "promtool check config (example prometheus.yml and the rules it loads)"
# rule_files are resolved relative to the config file, so it is checked in place.
"$promtool" check config --lint=all --lint-fatal "$mixin/prometheus.yml" || fail "promtool check config"
grep -q -- '--storage.tsdb.retention.time=21d' "$mixin/prometheus.yml" \
  || fail "prometheus.yml does not document a retention of at least 21d"

step "dashboards are valid JSON"
shopt -s nullglob
dashboards=("$mixin"/grafana/*.json)
(( ${#dashboards[@]} >= 2 )) || fail "expected at least 2 dashboards in $mixin/grafana"
for f in "${dashboards[@]}"; do
  python3 -m json.tool "$f" >/dev/null || fail "$f is not valid JSON"
done

step "dashboards match dashboards/tools/generate_dashboards.py"
python3 "$mixin/tools/generate_dashboards.py" --check || fail "dashboards out of date"

step "structure, conventions and metric names"
python3 "$mixin/tools/check_dashboards.py" --source-dir "$DNSPROP_SOURCE_DIR" \
  || fail "check_dashboards.py"

step "provisioning files"
python3 - "$mixin/provisioning" <<'EOF' || fail "provisioning files"
import sys, yaml
root = sys.argv[1]
ds = yaml.safe_load(open(f"{root}/datasources/dnsprop.yaml"))
assert ds["apiVersion"] == 1, "datasources: apiVersion 1"
assert any(d["type"] == "prometheus" for d in ds["datasources"]), "datasources: no prometheus"
db = yaml.safe_load(open(f"{root}/dashboards/dnsprop.yaml"))
assert db["apiVersion"] == 1, "dashboards: apiVersion 1"
p = db["providers"][0]
assert p["type"] == "file" and p["options"]["path"].endswith("/dashboards/grafana"), "dashboards: file provider path"
EOF

step "every dashboard and rule expression parses (variables substituted)"
python3 "$mixin/tools/extract_queries.py" domain=example.test. >"$tmp/queries.jsonl" \
  || fail "extract_queries.py"
n=$(wc -l <"$tmp/queries.jsonl")
(( n > 0 )) || fail "extract_queries.py printed nothing"
python3 "$mixin/tools/extract_queries.py" --format rules domain=example.test. >"$tmp/exprs.rules.yml"
"$promtool" check rules "$tmp/exprs.rules.yml" >/dev/null || {
  "$promtool" check rules "$tmp/exprs.rules.yml" >&2 || true
  fail "an extracted expression does not parse"
}
echo "$n expressions parse"

echo "dashboards_lint: ok"
