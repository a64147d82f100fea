#!/usr/bin/env python3
"""Structural checks of the dnsprop monitoring mixin (dashboards/).

    python3 dashboards/tools/check_dashboards.py [--source-dir REPO]

Dashboards (dashboards/grafana/*.json):
  - uid set and unique, schemaVersion >= 36, tag "dnsprop", no `${DS_...}` import
    placeholders, no fixed datasource uid: every panel, target and query variable uses
    {"type": "prometheus", "uid": "${datasource}"};
  - a `datasource` variable (type datasource, query prometheus) and a `vantage` variable
    (multi-value, with All);
  - default range now-16d..now (a 14-day window and the 2 days before the switch),
    quick ranges 1h 6h 12h 24h 2d 7d 14d 16d 21d 30d;
  - every panel but rows has a title, a description, a unit and targets; every target
    an `expr`; ids unique; panels inside the 24-column grid;
  - range selectors only [$__interval], [$__rate_interval] or [$__range] (no fixed
    windows); state-timeline/status-history targets use max_over_time or min_over_time
    over [$__interval] and the panel sets a minimum interval;
  - Prometheus annotations use ${datasource} and have an `expr`; one that takes the
    series value as its time (useValueForTime) multiplies Unix seconds by 1000;
  - optional queries: a target or annotation that reads a metric existing only with an
    optional part of the configuration (OPTIONAL_METRICS: the dnsprop_web_* fetch
    series need [migration.web], the dnsprop_mail_* series [migration.mail]) carries
    "dnspropNeeds": "<part>", and one that carries
    it reads such a metric (query_prometheus.py accepts no data only from marked
    queries); no query variable reads one.
Rules (dashboards/rules/*.rules.yml):
  - alerts named DnsProp..., with `for`, a severity of critical|warning|info, a summary
    ending in a period, a templated description and the runbook_url
    <external_url of dnsprop_web_info>/runbook#<alertname in lower case> (RUNBOOK_URL);
    docs/TROUBLESHOOTING.md has a heading whose GitHub anchor is that
    #<alertname in lower case> (the monitor serves it at /runbook);
  - recording rules named level:metric:operations.
Metric names: every dnsprop_*/process_* name and every recording-rule name used in a
dashboard or rule expression is documented in docs/METRICS.md or recorded by the rules.

Prints every problem and exits 1 if there is any.
"""
import argparse
import glob
import json
import os
import re
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
QUICK = ["1h", "6h", "12h", "24h", "2d", "7d", "14d", "16d", "21d", "30d"]
DEFAULT_TIME = {"from": "now-16d", "to": "now"}
DS = {"type": "prometheus", "uid": "${datasource}"}
STATE_PANELS = {"state-timeline", "status-history"}
ALLOWED_WINDOWS = {"$__interval", "$__rate_interval", "$__range"}
SEVERITIES = {"critical", "warning", "info"}
# The monitor's own base URL (dnsprop_web_info{external_url}) of the alerting instance,
# or of any instance when it has none or is gone; then /runbook#<anchor>.
RUNBOOK_URL = ('{{ with printf "dnsprop_web_info{instance=%q}" $labels.instance | query }}'
               '{{ . | first | label "external_url" | reReplaceAll "/+$" "" }}'
               '{{ else }}{{ with query "dnsprop_web_info" }}'
               '{{ . | sortByLabel "instance" | first | label "external_url" | reReplaceAll "/+$" "" }}'
               '{{ end }}{{ end }}/runbook#')

# Optional parts of the configuration and the metrics that exist only with them. A
# dashboard query reading one is marked "dnspropNeeds": "<part>" (generate_dashboards.py
# target(..., needs=...)): where the part is not configured it has no data, and
# query_prometheus.py accepts that only from marked queries.
OPTIONAL_METRICS = {
    "migration.web": {"dnsprop_web_up", "dnsprop_web_status_code", "dnsprop_web_response_seconds",
                      "dnsprop_web_cert_expiry_timestamp_seconds", "dnsprop_web_content_drift"},
    "migration.mail": {"dnsprop_mail_accepts", "dnsprop_mail_rcpt_code", "dnsprop_mail_starttls",
                       "dnsprop_mail_response_seconds", "dnsprop_mail_checked_timestamp_seconds",
                       "dnsprop_mail_cert_expiry_timestamp_seconds", "dnsprop_mail_fetch_port_up"},
}

problems = []


def problem(where, msg):
    problems.append(f"{where}: {msg}")


# ------------------------------------------------------------------ metric names

STRING_RE = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
BRACKET_RE = re.compile(r"\[[^\]]*\]")
NAME_RE = re.compile(r"(?<![\w:])[a-zA-Z_:][a-zA-Z0-9_:]*")


def metric_names(expr):
    """dnsprop_*, process_* and colon names (recording rules) used in a PromQL expr."""
    text = BRACKET_RE.sub(" ", STRING_RE.sub('""', expr))
    names = set()
    for tok in NAME_RE.findall(text):
        if tok.startswith(("dnsprop_", "process_")) or ":" in tok:
            names.add(tok)
    return names


def documented_metrics(metrics_md):
    """(names, histogram names, prefixes) from the tables of docs/METRICS.md."""
    names, histograms, prefixes = set(), set(), set()
    with open(metrics_md, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^\|\s*`([a-zA-Z_:][a-zA-Z0-9_:*]*)`\s*\|\s*([^|]*)\|", line)
            if not m:
                continue
            name, mtype = m.group(1), m.group(2).strip()
            if name.endswith("*"):
                prefixes.add(name[:-1])
                continue
            names.add(name)
            if mtype.startswith("histogram") or mtype.startswith("summary"):
                histograms.add(name)
    return names, histograms, prefixes


def check_names(where, expr, known, histograms, prefixes):
    for n in sorted(metric_names(expr)):
        if n in known or any(n.startswith(p) for p in prefixes):
            continue
        base = re.sub(r"_(bucket|sum|count)$", "", n)
        if base in histograms:
            continue
        problem(where, f"metric {n} is neither in docs/METRICS.md nor a recording rule")


def check_needs(where, obj, expr):
    """The dnspropNeeds marker of a target or annotation matches what its expr reads."""
    names = metric_names(expr)
    want = sorted(part for part, ms in OPTIONAL_METRICS.items() if names & ms)
    got = obj.get("dnspropNeeds")
    if got is not None and got not in OPTIONAL_METRICS:
        problem(where, f"dnspropNeeds {got!r} is not one of {sorted(OPTIONAL_METRICS)}")
    elif len(want) > 1:
        problem(where, f"reads metrics of several optional parts {want}: split the query")
    elif want and got != want[0]:
        problem(where, f"reads {sorted(names & OPTIONAL_METRICS[want[0]])}, which exist only with "
                       f"{want[0]}: mark it \"dnspropNeeds\": \"{want[0]}\"")
    elif got and not want:
        problem(where, f"marked dnspropNeeds {got!r} but reads none of its metrics "
                       f"{sorted(OPTIONAL_METRICS[got])}")


# ------------------------------------------------------------------ runbook anchors


def heading_slug(text):
    """GitHub's heading anchor (as src/http/runbook_page.h headingSlug()): lower case,
    spaces to '-', ASCII other than letters, digits, '-' and '_' dropped (non-ASCII
    letters are kept)."""
    text = re.sub(r"`([^`]*)`", r"\1", text.strip()).lower()
    return "".join("-" if c == " " else c for c in text
                   if not c.isascii() or c.isalnum() or c in "-_ ")


def runbook_anchors(path):
    anchors = set()
    fence = False
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("```"):
                fence = not fence
            m = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
            if m and not fence:
                anchors.add(heading_slug(m.group(1)))
    return anchors


# ------------------------------------------------------------------ dashboards


def walk(panels):
    for p in panels:
        yield p
        yield from walk(p.get("panels", []))


def check_dashboard(path, uids, known, histograms, prefixes):
    where = os.path.basename(path)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        dash = json.loads(text)
    except json.JSONDecodeError as e:
        problem(where, f"invalid JSON: {e}")
        return
    if "${DS_" in text or "__inputs" in dash:
        problem(where, "uses import placeholders (${DS_...}/__inputs); use ${datasource}")
    uid = dash.get("uid")
    if not uid:
        problem(where, "no uid")
    elif uid in uids:
        problem(where, f"uid {uid} also used by {uids[uid]}")
    else:
        uids[uid] = where
    if not isinstance(dash.get("schemaVersion"), int) or dash["schemaVersion"] < 36:
        problem(where, f"schemaVersion {dash.get('schemaVersion')} (want >= 36, Grafana 9/10)")
    if "dnsprop" not in dash.get("tags", []):
        problem(where, "missing tag dnsprop")
    if not dash.get("title"):
        problem(where, "no title")

    # variables
    variables = {v.get("name"): v for v in dash.get("templating", {}).get("list", [])}
    ds = variables.get("datasource")
    if not ds or ds.get("type") != "datasource" or ds.get("query") != "prometheus":
        problem(where, "no datasource variable {type: datasource, query: prometheus}")
    van = variables.get("vantage")
    if not van or not van.get("multi") or not van.get("includeAll"):
        problem(where, "no vantage variable with multi-value and All")
    for name, v in variables.items():
        if v.get("type") == "query" and v.get("datasource") != DS:
            problem(where, f"variable {name}: datasource {v.get('datasource')} is not ${{datasource}}")
        if v.get("type") == "query":
            q = v.get("query")
            q = q.get("query") if isinstance(q, dict) else q
            check_names(f"{where} variable {name}", q or "", known, histograms, prefixes)
            for part, ms in OPTIONAL_METRICS.items():
                if metric_names(q or "") & ms:
                    problem(f"{where} variable {name}", f"reads a metric that exists only with {part}")

    # annotations
    for a in dash.get("annotations", {}).get("list", []):
        if a.get("builtIn"):
            continue
        aw = f"{where} annotation {a.get('name')!r}"
        if a.get("datasource") != DS:
            problem(aw, f"datasource {a.get('datasource')} is not ${{datasource}}")
        expr = a.get("expr") or ""
        if not expr.strip():
            problem(aw, "no expr")
            continue
        check_needs(aw, a, expr)
        if a.get("useValueForTime") and not re.search(r"\*\s*1000\s*$", expr):
            problem(aw, "useValueForTime needs milliseconds: end the expr in * 1000")
        for w in re.findall(r"\[([^\]]*)\]", STRING_RE.sub('""', expr)):
            if w not in ALLOWED_WINDOWS:
                problem(aw, f"range [{w}]: use [$__interval], [$__rate_interval] or [$__range]")
        check_names(aw, expr, known, histograms, prefixes)

    # time
    if dash.get("time") != DEFAULT_TIME:
        problem(where, f"default time {dash.get('time')} (want {DEFAULT_TIME['from']}..now)")
    tp = dash.get("timepicker", {})
    if [o for o in QUICK if o not in tp.get("time_options", [])]:
        problem(where, f"timepicker.time_options {tp.get('time_options')} lacks some of {QUICK}")
    froms = {r.get("from") for r in tp.get("quick_ranges", []) if r.get("to") == "now"}
    if [q for q in QUICK if "now-" + q not in froms]:
        problem(where, f"timepicker.quick_ranges lacks some of {QUICK}")

    # panels
    ids = set()
    for p in walk(dash.get("panels", [])):
        title = p.get("title") or f"panel id {p.get('id')}"
        pw = f"{where} panel {title!r}"
        pid = p.get("id")
        if pid in ids:
            problem(pw, f"duplicate id {pid}")
        ids.add(pid)
        g = p.get("gridPos", {})
        if not g or g.get("x", 0) + g.get("w", 0) > 24 or g.get("w", 0) <= 0 or g.get("h", 0) <= 0:
            problem(pw, f"bad gridPos {g}")
        if p.get("type") == "row":
            continue
        if not p.get("title"):
            problem(pw, "no title")
        if not p.get("description"):
            problem(pw, "no description")
        if not p.get("fieldConfig", {}).get("defaults", {}).get("unit"):
            problem(pw, "no unit")
        if p.get("datasource") != DS:
            problem(pw, f"datasource {p.get('datasource')} is not ${{datasource}}")
        targets = p.get("targets") or []
        if not targets:
            problem(pw, "no targets")
        if p.get("type") in STATE_PANELS and not p.get("interval"):
            problem(pw, "state panel without a minimum interval")
        refs = set()
        for t in targets:
            tw = f"{pw} target {t.get('refId')}"
            if t.get("refId") in refs:
                problem(tw, "duplicate refId")
            refs.add(t.get("refId"))
            if t.get("datasource") != DS:
                problem(tw, f"datasource {t.get('datasource')} is not ${{datasource}}")
            expr = t.get("expr")
            if not expr or not expr.strip():
                problem(tw, "no expr")
                continue
            for w in re.findall(r"\[([^\]]*)\]", STRING_RE.sub('""', expr)):
                if w not in ALLOWED_WINDOWS:
                    problem(tw, f"range [{w}]: use [$__interval], [$__rate_interval] or [$__range]")
            if p.get("type") in STATE_PANELS:
                if not re.search(r"(max|min)_over_time\([^\[]*\[\$__interval\]\)", expr):
                    problem(tw, "state panel query without max_over_time/min_over_time(...[$__interval])")
            if re.search(r"\b(rate|increase|irate)\(", expr) and not t.get("instant") \
                    and "$__rate_interval" not in expr:
                problem(tw, "rate()/increase() in a range query without [$__rate_interval]")
            check_needs(tw, t, expr)
            check_names(tw, expr, known, histograms, prefixes)


# ------------------------------------------------------------------ rules


def check_rules(path, known, histograms, prefixes, anchors):
    where = os.path.basename(path)
    with open(path, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    for g in doc.get("groups", []):
        for r in g.get("rules", []):
            if "record" in r:
                name = r["record"]
                rw = f"{where} record {name}"
                if not re.match(r"^[a-z_]+:[a-z0-9_]+:[a-z0-9_]+$", name):
                    problem(rw, "not named level:metric:operations")
            else:
                name = r.get("alert", "?")
                rw = f"{where} alert {name}"
                if not re.match(r"^DnsProp[A-Z][A-Za-z0-9]*$", name):
                    problem(rw, "alert name must be CamelCase starting with DnsProp")
                if "for" not in r:
                    problem(rw, "no for:")
                sev = r.get("labels", {}).get("severity")
                if sev not in SEVERITIES:
                    problem(rw, f"severity {sev!r} not one of {sorted(SEVERITIES)}")
                ann = r.get("annotations", {})
                summary = ann.get("summary", "")
                if not summary.endswith(".") or "{{" in summary:
                    problem(rw, "summary must be a static sentence ending in a period")
                if "$labels." not in ann.get("description", ""):
                    problem(rw, "description must be templated with $labels")
                if ann.get("runbook_url") != RUNBOOK_URL + name.lower():
                    problem(rw, f"runbook_url must be {RUNBOOK_URL}{name.lower()}")
                if name.lower() not in anchors:
                    problem(rw, f"docs/TROUBLESHOOTING.md has no heading {name} (anchor #{name.lower()})")
            check_names(rw, r.get("expr", ""), known, histograms, prefixes)


def main():
    ap = argparse.ArgumentParser(description="Structural checks of the dnsprop mixin.")
    ap.add_argument("--source-dir", default=os.path.normpath(os.path.join(HERE, "..", "..")))
    args = ap.parse_args()
    src = args.source_dir
    known, histograms, prefixes = documented_metrics(os.path.join(src, "docs", "METRICS.md"))
    if not known:
        problem("docs/METRICS.md", "no metric table found")
    rule_files = sorted(glob.glob(os.path.join(src, "dashboards", "rules", "*.rules.yml")))
    if not rule_files:
        problem("dashboards/rules", "no *.rules.yml")
    for rf in rule_files:
        with open(rf, encoding="utf-8") as f:
            for g in yaml.safe_load(f).get("groups", []):
                known.update(r["record"] for r in g.get("rules", []) if "record" in r)
    anchors = runbook_anchors(os.path.join(src, "docs", "TROUBLESHOOTING.md"))
    for rf in rule_files:
        check_rules(rf, known, histograms, prefixes, anchors)
    uids = {}
    dashboards = sorted(glob.glob(os.path.join(src, "dashboards", "grafana", "*.json")))
    if len(dashboards) < 2:
        problem("dashboards/grafana", f"expected the overview and the per-domain dashboard, found {dashboards}")
    for d in dashboards:
        check_dashboard(d, uids, known, histograms, prefixes)
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        print(f"check_dashboards: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print(f"check_dashboards: ok ({len(dashboards)} dashboards, {len(rule_files)} rule file(s))")
    return 0


if __name__ == "__main__":
    sys.exit(main())
