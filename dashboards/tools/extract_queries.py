#!/usr/bin/env python3
"""Prints every PromQL expression of the dnsprop mixin, variables substituted.

    python3 dashboards/tools/extract_queries.py [options] [NAME=VALUE ...]

One JSON object per line (JSON Lines), in this order:

  {"kind": "variable", "file", "dashboard", "variable", "label", "expr"}
      the series selector inside a query variable's label_values(selector, label):
      it must return series for the variable to offer values;
  {"kind": "panel", "file", "dashboard", "panel", "panel_id", "panel_type", "ref",
   "instant", "needs", "expr"}
      every target of every panel; "instant" true means Grafana runs it as an instant
      query at the end of the range, false as a range query over the dashboard range;
      "needs" is the optional part of the configuration without which the target
      returns no data (its "dnspropNeeds" marker, e.g. "migration.web"), else null;
  {"kind": "annotation", "file", "dashboard", "annotation", "needs", "expr"}
      every Prometheus annotation query (Grafana runs it as a range query over the
      dashboard range), "needs" as for panels;
  {"kind": "rule", "file", "group", "name", "type" ("record" or "alert"), "expr"}
      every recording rule and alert of the rule files.

NAME=VALUE sets a dashboard variable ($NAME, ${NAME}, ${NAME:format}, [[NAME]]).
Defaults:
  __interval=1m  __rate_interval=2m  __range=1h   (and the derived __interval_ms,
  __range_s, __range_ms); a variable with "All" defaults to its All value (".*");
  `domain` of the per-domain dashboard has no default and must be given, e.g.
  domain=shop.example.jp.
Values are inserted verbatim: give a regular expression for multi-value variables
(vantage='tokyo|frankfurt').

--format rules prints a Prometheus rule file instead, one recording rule per
expression (dnsprop_extract:expr_N), so `promtool check rules` parses them all.

Exit status: 0, or 2 when a variable without a default is not given or an expression
still holds a `$` after substitution.
"""
import argparse
import glob
import json
import os
import re
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
MIXIN = os.path.normpath(os.path.join(HERE, ".."))

VAR_RE = re.compile(r"\$\{(\w+)(?::[^}]*)?\}|\[\[(\w+)(?::[^\]]*)?\]\]|\$(\w+)")
LABEL_VALUES_RE = re.compile(r"^\s*label_values\((.*),\s*(\w+)\s*\)\s*$", re.S)
DURATION_RE = re.compile(r"^(\d+)(ms|s|m|h|d|w|y)$")
UNIT_MS = {"ms": 1, "s": 1000, "m": 60000, "h": 3600000, "d": 86400000,
           "w": 604800000, "y": 31536000000}

BUILTIN_DEFAULTS = {"__interval": "1m", "__rate_interval": "2m", "__range": "1h"}


def duration_ms(text):
    m = DURATION_RE.match(text)
    if not m:
        raise ValueError(f"not a duration: {text!r}")
    return int(m.group(1)) * UNIT_MS[m.group(2)]


def builtins(given):
    values = dict(BUILTIN_DEFAULTS)
    values.update({k: v for k, v in given.items() if k in BUILTIN_DEFAULTS})
    values["__interval_ms"] = str(duration_ms(values["__interval"]))
    values["__range_ms"] = str(duration_ms(values["__range"]))
    values["__range_s"] = str(duration_ms(values["__range"]) // 1000)
    return values


def substitute(expr, values, where):
    missing = set()

    def repl(m):
        name = m.group(1) or m.group(2) or m.group(3)
        if name not in values:
            missing.add(name)
            return m.group(0)
        return values[name]

    out = VAR_RE.sub(repl, expr)
    if missing:
        raise KeyError(f"{where}: no value for {', '.join('$' + n for n in sorted(missing))}"
                       " (give NAME=VALUE)")
    return out


def dashboard_values(dash, given):
    values = builtins(given)
    for v in dash.get("templating", {}).get("list", []):
        name = v.get("name")
        if v.get("type") == "datasource":
            values.setdefault(name, given.get(name, "prometheus"))
            continue
        if name in given:
            values[name] = given[name]
        elif v.get("includeAll"):
            values[name] = v.get("allValue") or ".*"
    for k, val in given.items():
        values.setdefault(k, val)
    return values


def walk_panels(panels):
    for p in panels:
        yield p
        yield from walk_panels(p.get("panels", []))


def dashboard_queries(path, given):
    with open(path, encoding="utf-8") as f:
        dash = json.load(f)
    uid = dash.get("uid", os.path.basename(path))
    values = dashboard_values(dash, given)
    rel = os.path.relpath(path, os.path.dirname(MIXIN))
    for v in dash.get("templating", {}).get("list", []):
        if v.get("type") != "query":
            continue
        q = v.get("query")
        if isinstance(q, dict):
            q = q.get("query", "")
        m = LABEL_VALUES_RE.match(q or "")
        if not m:
            continue
        expr = substitute(m.group(1), values, f"{uid} variable {v['name']}")
        yield {"kind": "variable", "file": rel, "dashboard": uid, "variable": v["name"],
               "label": m.group(2), "expr": expr}
    for p in walk_panels(dash.get("panels", [])):
        for t in p.get("targets", []):
            if "expr" not in t:
                continue
            where = f"{uid} panel {p.get('title')!r} {t.get('refId')}"
            yield {"kind": "panel", "file": rel, "dashboard": uid, "panel": p.get("title"),
                   "panel_id": p.get("id"), "panel_type": p.get("type"),
                   "ref": t.get("refId"), "instant": bool(t.get("instant")) and not t.get("range"),
                   "needs": t.get("dnspropNeeds"),
                   "expr": substitute(t["expr"], values, where)}


def annotation_queries(path, given):
    with open(path, encoding="utf-8") as f:
        dash = json.load(f)
    uid = dash.get("uid", os.path.basename(path))
    values = dashboard_values(dash, given)
    rel = os.path.relpath(path, os.path.dirname(MIXIN))
    for a in dash.get("annotations", {}).get("list", []):
        if "expr" not in a:
            continue
        yield {"kind": "annotation", "file": rel, "dashboard": uid, "annotation": a.get("name"),
               "needs": a.get("dnspropNeeds"),
               "expr": substitute(a["expr"], values, f"{uid} annotation {a.get('name')!r}")}


def rule_queries(path):
    with open(path, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    rel = os.path.relpath(path, os.path.dirname(MIXIN))
    for g in doc.get("groups", []):
        for r in g.get("rules", []):
            kind = "record" if "record" in r else "alert"
            yield {"kind": "rule", "file": rel, "group": g["name"], "name": r[kind],
                   "type": kind, "expr": r["expr"].strip()}


def main():
    ap = argparse.ArgumentParser(description="Print every expression of the dnsprop mixin.",
                                 epilog="See the module docstring (--help-long) for details.")
    ap.add_argument("assignments", nargs="*", metavar="NAME=VALUE")
    ap.add_argument("--dashboard", action="append", default=None,
                    help="dashboard JSON (repeatable; default dashboards/grafana/*.json)")
    ap.add_argument("--rules", action="append", default=None,
                    help="rule file (repeatable; default dashboards/rules/*.rules.yml)")
    ap.add_argument("--only", choices=["variable", "panel", "annotation", "rule"], action="append",
                    help="print only these kinds (repeatable)")
    ap.add_argument("--format", choices=["jsonl", "rules"], default="jsonl")
    ap.add_argument("--help-long", action="store_true", help="print the full description")
    args = ap.parse_args()
    if args.help_long:
        print(__doc__)
        return 0
    given = {}
    for a in args.assignments:
        if "=" not in a:
            ap.error(f"expected NAME=VALUE, got {a!r}")
        k, v = a.split("=", 1)
        given[k.lstrip("$")] = v
    dashboards = args.dashboard or sorted(glob.glob(os.path.join(MIXIN, "grafana", "*.json")))
    rules = args.rules or sorted(p for p in glob.glob(os.path.join(MIXIN, "rules", "*.rules.yml")))

    out = []
    try:
        for d in dashboards:
            out.extend(dashboard_queries(d, given))
            out.extend(annotation_queries(d, given))
    except (KeyError, ValueError) as e:
        print(f"extract_queries: {e.args[0]}", file=sys.stderr)
        return 2
    for r in rules:
        out.extend(rule_queries(r))
    if args.only:
        out = [q for q in out if q["kind"] in args.only]
    for q in out:
        if "$" in q["expr"]:
            print(f"extract_queries: unsubstituted variable in {q}", file=sys.stderr)
            return 2

    if args.format == "jsonl":
        for q in out:
            print(json.dumps(q, ensure_ascii=False))
    else:
        rules_doc = {"groups": [{"name": "dnsprop_extract", "rules": [
            {"record": f"dnsprop_extract:expr_{i}", "expr": q["expr"]} for i, q in enumerate(out)]}]}
        print("# generated by dashboards/tools/extract_queries.py --format rules")
        print(yaml.safe_dump(rules_doc, sort_keys=False, width=1000), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
