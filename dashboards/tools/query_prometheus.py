#!/usr/bin/env python3
"""Runs every expression of the dnsprop mixin against a Prometheus and reports which
ones fail or return no data.

    python3 dashboards/tools/query_prometheus.py --prometheus http://127.0.0.1:9090 \
        domain=shop.example.jp. __interval=5s __rate_interval=20s __range=5m

Variables are given as for extract_queries.py (same defaults). Each expression runs
the way Grafana would run it: panel targets marked instant as an instant query at
"now", other panel targets and annotation queries as a range query over the last
$__range with step $__interval, variable selectors and rule expressions as instant
queries.

By default panels, annotations, variables and recording rules must return data;
alerts are run only to check that they execute (an alert that does not fire returns
nothing). --allow-empty REGEX (repeatable) accepts no data from expressions whose
label ("dashboard / panel [ref]", "dashboard / annotation name", "dashboard /
variable name", "rule name") matches.

Optional queries: a panel target or annotation marked "dnspropNeeds": "<part>" in the
dashboard JSON (generate_dashboards.py target(..., needs=...)) reads series that exist
only where that optional part of the configuration is set up (e.g. "migration.web":
[migration.web]). No data from it is accepted (reported as "empty, needs <part>") unless
--configured <part> (repeatable) says this Prometheus scrapes a dnsprop with that part
configured, for the selected domain; then it must return data like any other query.
An error is an error either way.

Prints one line per expression (ok / EMPTY / ERROR) and exits 1 if any failed.
Uses only the Python standard library plus extract_queries.py.
"""
import argparse
import json
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import extract_queries as eq  # noqa: E402


def api(base, path, params, timeout):
    url = base.rstrip("/") + path
    data = urllib.parse.urlencode(params).encode()
    req = urllib.request.Request(url, data=data, method="POST",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return json.load(r)
    except urllib.error.HTTPError as e:
        try:
            return json.load(e)
        except ValueError:
            return {"status": "error", "error": f"HTTP {e.code}"}
    except (urllib.error.URLError, OSError) as e:
        return {"status": "error", "error": str(e)}


def main():
    ap = argparse.ArgumentParser(description="Run the mixin's expressions against Prometheus.")
    ap.add_argument("assignments", nargs="*", metavar="NAME=VALUE")
    ap.add_argument("--prometheus", required=True, help="base URL, e.g. http://127.0.0.1:9090")
    ap.add_argument("--allow-empty", action="append", default=[], metavar="REGEX")
    ap.add_argument("--configured", action="append", default=[], metavar="PART",
                    help="an optional part of the configuration (e.g. migration.web) the "
                         "scraped dnsprop has: queries that need it must return data too")
    ap.add_argument("--timeout", type=float, default=30)
    ap.add_argument("--quiet", action="store_true", help="print only failures")
    args = ap.parse_args()

    given = {}
    for a in args.assignments:
        if "=" not in a:
            ap.error(f"expected NAME=VALUE, got {a!r}")
        k, v = a.split("=", 1)
        given[k.lstrip("$")] = v
    b = eq.builtins(given)
    step_s = eq.duration_ms(b["__interval"]) / 1000
    range_s = eq.duration_ms(b["__range"]) / 1000

    queries = []
    try:
        for d in sorted(eq.glob.glob(os.path.join(eq.MIXIN, "grafana", "*.json"))):
            queries.extend(eq.dashboard_queries(d, given))
            queries.extend(eq.annotation_queries(d, given))
    except (KeyError, ValueError) as e:
        print(f"query_prometheus: {e.args[0]}", file=sys.stderr)
        return 2
    for r in sorted(eq.glob.glob(os.path.join(eq.MIXIN, "rules", "*.rules.yml"))):
        queries.extend(eq.rule_queries(r))

    now = time.time()
    failed = 0
    for q in queries:
        label = {"panel": lambda: f"{q['dashboard']} / {q['panel']} [{q['ref']}]",
                 "variable": lambda: f"{q['dashboard']} / variable {q['variable']}",
                 "annotation": lambda: f"{q['dashboard']} / annotation {q['annotation']}",
                 "rule": lambda: f"rule {q['name']}"}[q["kind"]]()
        must_have_data = not (q["kind"] == "rule" and q["type"] == "alert")
        if any(re.search(p, label) for p in args.allow_empty):
            must_have_data = False
        needs = q.get("needs")
        if needs and needs not in args.configured:
            must_have_data = False
        if (q["kind"] == "panel" and not q["instant"]) or q["kind"] == "annotation":
            res = api(args.prometheus, "/api/v1/query_range",
                      {"query": q["expr"], "start": f"{now - range_s:.3f}", "end": f"{now:.3f}",
                       "step": f"{step_s:g}"}, args.timeout)
        else:
            res = api(args.prometheus, "/api/v1/query", {"query": q["expr"], "time": f"{now:.3f}"},
                      args.timeout)
        if res.get("status") != "success":
            failed += 1
            print(f"ERROR  {label}: {res.get('error')}\n       {q['expr']}")
            continue
        result = res["data"]["result"]
        n = len(result) if isinstance(result, list) else 1
        if n == 0 and must_have_data:
            failed += 1
            print(f"EMPTY  {label}\n       {q['expr']}")
        elif n == 0 and needs and needs not in args.configured:
            if not args.quiet:
                print(f"ok     {label}: empty, needs {needs} (not --configured)")
        elif not args.quiet:
            print(f"ok     {label}: {n} series")
    print(f"query_prometheus: {len(queries) - failed}/{len(queries)} ok")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
