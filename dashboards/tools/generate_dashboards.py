#!/usr/bin/env python3
"""Writes the dnsprop Grafana dashboards (dashboards/grafana/*.json).

The JSON files are generated: edit this file, then run

    python3 dashboards/tools/generate_dashboards.py          # rewrite the JSON
    python3 dashboards/tools/generate_dashboards.py --check  # exit 1 if out of date

tests/cli/dashboards_lint.sh runs --check, so a hand edit of the JSON that is not
carried over here fails the lint. docs/DASHBOARDS.md explains every panel.

Conventions (../shared/ECOSYSTEM.md, docs/DASHBOARDS.md):
- every panel and target uses the `${datasource}` variable, never a fixed uid;
- every panel has a title, a description and a unit;
- state panels take max_over_time/min_over_time over [$__interval] with a minimum
  interval of 1m, so a flip shorter than one pixel's worth of time stays visible;
- rate() takes $__rate_interval; instant "over the whole range" panels take $__range;
- a target that returns data only with an optional part of the configuration carries
  "dnspropNeeds": "<part>" (target(..., needs=WEB or MAIL)): query_prometheus.py accepts no data
  from it unless told the part is configured (--configured <part>), and
  check_dashboards.py requires the marker on every target reading that part's metrics
  (docs/DASHBOARDS.md "Optional queries").
"""
import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.normpath(os.path.join(HERE, "..", "grafana"))

DS = {"type": "prometheus", "uid": "${datasource}"}

# Quick ranges of the time picker: 1h to 30d. A migration is watched for 1 to 14 days
# after the switch, with days of preparation before it and a tail after it.
QUICK = ["1h", "6h", "12h", "24h", "2d", "7d", "14d", "16d", "21d", "30d"]
QUICK_TEXT = {"1h": "Last 1 hour", "6h": "Last 6 hours", "12h": "Last 12 hours",
              "24h": "Last 24 hours", "2d": "Last 2 days", "7d": "Last 7 days",
              "14d": "Last 14 days", "16d": "Last 16 days", "21d": "Last 21 days",
              "30d": "Last 30 days"}
# Default range: a 14-day window after the switch plus the 2 days before it. Grafana
# cannot default to a time taken from a metric; the overview's domain links open the
# per-domain dashboard at the switch - 2 days instead (SWITCH_MARGIN).
DEFAULT_FROM = "now-16d"
SWITCH_MARGIN = 2 * 86400
# The link never opens more than 30 days back, nor less than a day.
LINK_MAX_BACK = 30 * 86400
LINK_MIN_BACK = 86400

# Minimum step of time-range panels: two scrapes at the example 30s scrape interval,
# so every [$__interval] window holds at least one sample.
MIN_INTERVAL = "1m"
# Points per state timeline: 14 days / 500 = ~40 min windows, each at least ~2 px wide
# on a full-width panel. Time series panels keep Grafana's default (panel width).
STATE_MAX_POINTS = 500

# ------------------------------------------------------------------ value mappings


def value_map(entries):
    """entries: list of (value, text, color)."""
    return [{"type": "value", "options": {
        str(v): {"text": t, "color": c, "index": i} for i, (v, t, c) in enumerate(entries)}}]


VERDICT_MAP = value_map([
    (0, "no verdict", "text"),
    (1, "SAFE", "green"),
    (2, "NOT YET", "yellow"),
    (3, "UNKNOWN", "purple"),
    (4, "CRITICAL", "red"),
])
RESOLVER_STATE_MAP = value_map([
    (0, "none", "transparent"),
    (1, "new", "green"),
    (2, "error", "#8e8e8e"),
    (3, "negative", "blue"),
    (4, "other", "yellow"),
    (5, "stale", "purple"),
    (6, "mixed", "orange"),
    (7, "old", "red"),
])
DELEGATION_MAP = value_map([
    (1, "new / unchanged", "green"),
    (2, "unknown", "#8e8e8e"),
    (3, "other", "purple"),
    (4, "old", "orange"),
    (5, "both (F10)", "red"),
])
DNSSEC_MAP = value_map([
    (1, "valid", "green"),
    (2, "unsigned", "blue"),
    (3, "unknown", "#8e8e8e"),
    (4, "broken", "red"),
])
CONDITION_MAP = value_map([
    (0, "does not hold", "red"),
    (1, "holds", "green"),
])
# The earliest safe time is +Inf while open-ended and NaN while unknown. Queries clamp
# +Inf to FAR (2100-01-01) so they always return a number, and these mappings show
# "open-ended" for FAR and "unknown" for NaN instead of a date.
FAR = 4102444800
EARLIEST_SAFE_MAP = [
    {"type": "range", "options": {"from": FAR * 1000, "to": 1e308,
                                  "result": {"text": "open-ended", "color": "orange", "index": 0}}},
    {"type": "special", "options": {"match": "nan",
                                    "result": {"text": "unknown", "color": "#8e8e8e", "index": 1}}},
]
TIME_LEFT_MAP = [
    {"type": "range", "options": {"from": 1e9, "to": 1e308,
                                  "result": {"text": "open-ended", "color": "orange", "index": 0}}},
    {"type": "special", "options": {"match": "nan",
                                    "result": {"text": "unknown", "color": "#8e8e8e", "index": 1}}},
]
# The same for a number of days (open-ended: tens of thousands of days).
DAYS_LEFT_MAP = [
    {"type": "range", "options": {"from": 1e4, "to": 1e308,
                                  "result": {"text": "open-ended", "color": "orange", "index": 0}}},
    {"type": "special", "options": {"match": "nan",
                                    "result": {"text": "unknown", "color": "#8e8e8e", "index": 1}}},
]
YES_NO_MAP = value_map([(0, "no", "red"), (1, "yes", "green")])
NEVER_MAP = value_map([(0, "never", "green")])
# HTTP status of a web fetch: 0 is no response at all; below 400 the site is served
# (value shown, green), from 400 an error (red).
HTTP_STATUS_MAP = [
    {"type": "value", "options": {"0": {"text": "no response", "color": "red", "index": 0}}},
    {"type": "range", "options": {"from": 100, "to": 399,
                                  "result": {"color": "green", "index": 1}}},
    {"type": "range", "options": {"from": 400, "to": 999,
                                  "result": {"color": "red", "index": 2}}},
]
# Days a certificate has left: expired (red), under 14 days (orange, the verdict's
# finding and DnsPropCertificateExpiring), more (green); the number stays shown.
CERT_DAYS_MAP = [
    {"type": "range", "options": {"from": -1e308, "to": 0,
                                  "result": {"text": "expired", "color": "red", "index": 0}}},
    {"type": "range", "options": {"from": 0, "to": 14,
                                  "result": {"color": "orange", "index": 1}}},
    {"type": "range", "options": {"from": 14, "to": 1e308,
                                  "result": {"color": "green", "index": 2}}},
]

# Reply code to RCPT TO of a mail exchange: 0 is no reply (the dialogue ended before),
# 2xx accepted (green), 4xx deferred (orange: greylisting, not accepted yet), 5xx refused
# (red); the code stays shown.
RCPT_CODE_MAP = [
    {"type": "value", "options": {"0": {"text": "no reply", "color": "red", "index": 0}}},
    {"type": "range", "options": {"from": 200, "to": 299,
                                  "result": {"color": "green", "index": 1}}},
    {"type": "range", "options": {"from": 400, "to": 499,
                                  "result": {"color": "orange", "index": 2}}},
    {"type": "range", "options": {"from": 500, "to": 599,
                                  "result": {"color": "red", "index": 3}}},
]

# Optional parts of the configuration whose series exist only where they are configured
# (see target(needs=...)).
WEB = "migration.web"
MAIL = "migration.mail"

# ------------------------------------------------------------------ building blocks


class Layout:
    """Places panels left to right, top to bottom on Grafana's 24-column grid."""

    def __init__(self):
        self.x = 0
        self.y = 0
        self.row_h = 0
        self.next_id = 1

    def place(self, w, h):
        if self.x + w > 24:
            self.newline()
        pos = {"h": h, "w": w, "x": self.x, "y": self.y}
        self.x += w
        self.row_h = max(self.row_h, h)
        return pos

    def newline(self):
        self.y += self.row_h
        self.x = 0
        self.row_h = 0

    def take_id(self):
        i = self.next_id
        self.next_id += 1
        return i


def target(expr, legend="", ref="A", instant=False, fmt="time_series", needs=None):
    """needs: the optional part of the configuration (WEB, MAIL) without which the query
    returns no data; stored as "dnspropNeeds" for query_prometheus.py."""
    t = {
        "datasource": DS,
        "editorMode": "code",
        "expr": expr,
        "legendFormat": legend or "__auto",
        "range": not instant,
        "instant": instant,
        "refId": ref,
    }
    if fmt != "time_series":
        t["format"] = fmt
    if needs:
        t["dnspropNeeds"] = needs
    return t


def row(lay, title):
    lay.newline()
    p = {"type": "row", "title": title, "collapsed": False, "id": lay.take_id(),
         "gridPos": lay.place(24, 1), "panels": []}
    lay.newline()
    return p


def base(lay, ptype, title, description, w, h, targets, unit, mappings=None,
         custom=None, options=None, overrides=None, **extra):
    defaults = {"unit": unit, "mappings": mappings or [],
                "color": {"mode": "thresholds" if mappings else "palette-classic"},
                "thresholds": {"mode": "absolute",
                               "steps": [{"color": "green", "value": None}]}}
    if custom is not None:
        defaults["custom"] = custom
    p = {
        "type": ptype,
        "title": title,
        "description": description,
        "id": lay.take_id(),
        "gridPos": lay.place(w, h),
        "datasource": DS,
        "targets": targets,
        "fieldConfig": {"defaults": defaults, "overrides": overrides or []},
        "options": options or {},
    }
    p.update(extra)
    return p


def state_timeline(lay, title, description, targets, mappings, w=24, h=8, overrides=None):
    return base(lay, "state-timeline", title, description, w, h, targets, "none",
                mappings=mappings,
                custom={"fillOpacity": 80, "lineWidth": 0, "spanNulls": False,
                        "hideFrom": {"legend": False, "tooltip": False, "viz": False}},
                options={"mergeValues": True, "showValue": "never", "alignValue": "left",
                         "rowHeight": 0.9,
                         "legend": {"showLegend": True, "displayMode": "list",
                                    "placement": "bottom"},
                         "tooltip": {"mode": "single", "sort": "none"}},
                overrides=overrides,
                interval=MIN_INTERVAL, maxDataPoints=STATE_MAX_POINTS)


def timeseries(lay, title, description, targets, unit, w=12, h=8, minv=None, maxv=None,
               overrides=None, decimals=None):
    custom = {"drawStyle": "line", "lineWidth": 1, "fillOpacity": 10,
              "showPoints": "never", "spanNulls": False, "lineInterpolation": "linear",
              "stacking": {"mode": "none", "group": "A"},
              "hideFrom": {"legend": False, "tooltip": False, "viz": False}}
    p = base(lay, "timeseries", title, description, w, h, targets, unit, custom=custom,
             options={"legend": {"showLegend": True, "displayMode": "table",
                                 "placement": "bottom", "calcs": ["min", "max", "lastNotNull"]},
                      "tooltip": {"mode": "multi", "sort": "desc"}},
             overrides=overrides, interval=MIN_INTERVAL)
    d = p["fieldConfig"]["defaults"]
    if minv is not None:
        d["min"] = minv
    if maxv is not None:
        d["max"] = maxv
    if decimals is not None:
        d["decimals"] = decimals
    return p


def stat(lay, title, description, targets, unit, mappings=None, w=4, h=5, no_value=None,
         color_mode="background", thresholds=None):
    p = base(lay, "stat", title, description, w, h, targets, unit, mappings=mappings,
             options={"reduceOptions": {"calcs": ["lastNotNull"], "fields": "",
                                        "values": False},
                      "colorMode": color_mode, "graphMode": "none", "justifyMode": "auto",
                      "orientation": "auto", "textMode": "auto"})
    d = p["fieldConfig"]["defaults"]
    if mappings:
        d["color"] = {"mode": "thresholds"}
    if thresholds:
        d["thresholds"] = {"mode": "absolute", "steps": thresholds}
    if no_value:
        d["noValue"] = no_value
    return p


def bargauge(lay, title, description, targets, unit, w=12, h=10, minv=None, maxv=None):
    p = base(lay, "bargauge", title, description, w, h, targets, unit,
             options={"reduceOptions": {"calcs": ["lastNotNull"], "fields": "",
                                        "values": False},
                      "displayMode": "gradient", "orientation": "horizontal",
                      "showUnfilled": True, "valueMode": "color", "namePlacement": "left",
                      "minVizHeight": 10, "minVizWidth": 0})
    d = p["fieldConfig"]["defaults"]
    d["color"] = {"mode": "continuous-RdYlGr"} if unit == "percentunit" else {"mode": "continuous-GrYlRd"}
    if minv is not None:
        d["min"] = minv
    if maxv is not None:
        d["max"] = maxv
    return p


def table(lay, title, description, targets, columns, w=24, h=10, sort_by=None, links=None):
    """columns: list of (refId, header, unit, mappings[, cell type]). Labels become
    columns too. Mapped columns are coloured: background by default, or the given cell
    type ("color-text"). Cell type "hidden": the column is kept for data links
    (${__data.fields["header"]}) but not shown; its value is printed without decimals."""
    overrides = []
    rename = {}
    for col in columns:
        ref, header, unit, mappings = col[:4]
        cell = col[4] if len(col) > 4 else "color-background"
        rename["Value #" + ref] = header
        props = [{"id": "unit", "value": unit}]
        if cell == "hidden":
            props += [{"id": "decimals", "value": 0}, {"id": "custom.hidden", "value": True}]
        elif mappings:
            props.append({"id": "mappings", "value": mappings})
            props.append({"id": "custom.cellOptions",
                          "value": {"type": cell, "mode": "basic"} if cell == "color-background"
                          else {"type": cell}})
            props.append({"id": "color", "value": {"mode": "thresholds"}})
        overrides.append({"matcher": {"id": "byName", "options": header}, "properties": props})
    if links:
        for field, link in links:
            overrides.append({"matcher": {"id": "byName", "options": field},
                              "properties": [{"id": "links", "value": [link]}]})
    p = base(lay, "table", title, description, w, h, targets, "none",
             custom={"align": "auto", "cellOptions": {"type": "auto"}, "inspect": False,
                     "filterable": True},
             options={"showHeader": True, "cellHeight": "sm",
                      "footer": {"show": False, "reducer": ["sum"], "fields": ""},
                      "sortBy": [{"displayName": sort_by[0], "desc": sort_by[1]}] if sort_by else []},
             overrides=overrides,
             transformations=[
                 {"id": "merge", "options": {}},
                 {"id": "organize", "options": {
                     "excludeByName": {"Time": True, "__name__": True},
                     "renameByName": rename, "indexByName": {}}},
             ])
    # Unmapped cells keep the text colour.
    p["fieldConfig"]["defaults"]["thresholds"]["steps"][0]["color"] = "text"
    return p


# ------------------------------------------------------------------ variables


def datasource_var():
    return {"type": "datasource", "name": "datasource", "label": "Data source",
            "query": "prometheus", "current": {}, "hide": 0, "includeAll": False,
            "multi": False, "options": [], "refresh": 1, "regex": "", "skipUrlSync": False}


def query_var(name, label, query, multi, include_all, description):
    v = {"type": "query", "name": name, "label": label, "description": description,
         "datasource": DS, "definition": query, "query": query,
         "refresh": 2, "regex": "", "sort": 1, "hide": 0,
         "multi": multi, "includeAll": include_all, "current": {}, "options": [],
         "skipUrlSync": False}
    if include_all:
        v["allValue"] = ".*"
    return v


JOB_VAR = query_var("job", "Job", "label_values(dnsprop_build_info, job)", True, True,
                    "Prometheus job(s) that scrape dnsprop.")
VANTAGE_VAR = query_var("vantage", "Vantage",
                        'label_values(dnsprop_build_info{job=~"$job"}, vantage)', True, True,
                        "Where the dnsprop instances ask from. Aggregates show the worst "
                        "of the selected vantages.")


def annotation(name, expr, color, title, text):
    """A Prometheus annotation placed at the time the series' value names (Unix seconds
    x 1000: Grafana's "Series value as timestamp" expects milliseconds). Every sample of
    the range carries the same value, so Grafana merges them into one mark."""
    return {"datasource": DS, "enable": True, "hide": False, "iconColor": color,
            "name": name, "expr": expr, "step": "5m", "titleFormat": title,
            "textFormat": text, "tagKeys": "domain", "useValueForTime": True}


def dashboard(uid, title, description, panels, variables, links, annotations=()):
    return {
        "annotations": {"list": [{
            "builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"},
            "enable": True, "hide": True, "iconColor": "rgba(0, 211, 255, 1)",
            "name": "Annotations & Alerts", "type": "dashboard"}] + list(annotations)},
        "description": description,
        "editable": True,
        "fiscalYearStartMonth": 0,
        "graphTooltip": 1,
        "id": None,
        "links": links,
        "liveNow": False,
        "panels": panels,
        "refresh": "5m",
        "schemaVersion": 38,
        "style": "dark",
        "tags": ["dnsprop", "dns"],
        "templating": {"list": variables},
        "time": {"from": DEFAULT_FROM, "to": "now"},
        "timepicker": {
            "refresh_intervals": ["1m", "5m", "15m", "30m", "1h"],
            # Grafana <= 10 (schema field, used by older pickers).
            "time_options": QUICK,
            # Grafana versions with per-dashboard quick ranges (grafana#93724).
            "quick_ranges": [{"display": QUICK_TEXT[q], "from": "now-" + q, "to": "now"}
                             for q in QUICK],
        },
        "timezone": "",
        "title": title,
        "uid": uid,
        "version": 1,
        "weekStart": "",
    }


DASH_LINKS = [{"type": "dashboards", "tags": ["dnsprop"], "asDropdown": True,
               "includeVars": True, "keepTime": True, "title": "dnsprop",
               "icon": "external link", "tooltip": "", "url": "", "targetBlank": False}]

# ------------------------------------------------------------------ overview


def overview():
    lay = Layout()
    S = 'job=~"$job", vantage=~"$vantage", domain=~"$domain"'
    J = 'job=~"$job", vantage=~"$vantage"'
    verdict_now = f'max by (domain) (vantage_domain:dnsprop_verdict_code:max{{{S}}})'
    es = f'max by (domain) (dnsprop_earliest_safe_timestamp_seconds{{{S}}})'
    # Where the per-domain dashboard opens (ms): the switch (recorded: the earlier of
    # switch_time and the switch seen) minus 2 days, but at least a day and at most 30
    # days back; without a switch that lies in the past (or less than a day ahead), the
    # default 16 days.
    link_from = (f'floor(('
                 f'(clamp_min(min by (domain) (vantage_domain:dnsprop_switch_timestamp_seconds:min{{{S}}})'
                 f' - {SWITCH_MARGIN}, time() - {LINK_MAX_BACK}) < time() - {LINK_MIN_BACK})'
                 f' or group by (domain) (dnsprop_verdict{{{S}}}) * (time() - {16 * 86400})'
                 f') * 1000)')
    domain_link = ("Per-domain dashboard",
                   {"title": "Open ${__data.fields.domain} from 2 days before its switch",
                    "url": "/d/dnsprop-domain/dnsprop-domain?var-domain=${__data.fields.domain}"
                           "&${datasource:queryparam}&${job:queryparam}&${vantage:queryparam}"
                           '&from=${__data.fields["Range from"]}&to=now'})
    panels = [
        row(lay, "Verdicts"),
        stat(lay, "Verdict now",
             "The verdict of every migration, worst over the selected vantages: SAFE only "
             "when every vantage says SAFE. A vantage whose verdict state set has no state "
             "at 1 counts as UNKNOWN. From the recording rule "
             "vantage_domain:dnsprop_verdict_code:max (load dashboards/rules).",
             [target(verdict_now, "{{domain}}", instant=True)], "none",
             mappings=VERDICT_MAP, w=24, h=4),
        state_timeline(lay, "Verdict over time",
                       "The worst verdict per migration in each time slot: a slot shows "
                       "NOT YET or CRITICAL if that happened at any moment inside it, so a "
                       "short relapse stays visible on a 14-day range.",
                       [target(f'max by (domain) (max_over_time(vantage_domain:dnsprop_verdict_code:max{{{S}}}[$__interval]))',
                               "{{domain}}")],
                       VERDICT_MAP, h=7),
        table(lay, "Earliest safe times",
              "Per migration: the verdict; the earliest time no resolver can still serve "
              "OLD, latest over the selected vantages (open-ended while the parent still "
              "delegates to OLD or the old server still serves the zone, unknown before "
              "ground truth is established: docs/MODEL.md); the time left until then; the "
              "last OLD answer seen; the worst propagation ratio; the days since the switch "
              "was first seen (days in parallel); the old server's planned stop date "
              "([migration.old] stop_date, when set). Click a domain for its dashboard, "
              "opened from 2 days before its switch.",
              [target(verdict_now, "", "A", True, "table"),
               target(f'clamp_max({es}, {FAR}) * 1000', "", "B", True, "table"),
               target(f'clamp_min(clamp_max({es}, {FAR}) - time(), 0)', "", "C", True, "table"),
               target(f'max by (domain) (dnsprop_last_old_seen_timestamp_seconds{{{S}}}) * 1000',
                      "", "D", True, "table"),
               target(f'min by (domain) (dnsprop_propagation_ratio{{{S}}})', "", "E", True, "table"),
               target(f'(time() - min by (domain) (dnsprop_switch_seen_timestamp_seconds{{{S}}})) / 86400',
                      "", "F", True, "table"),
               target(f'min by (domain) (dnsprop_old_stop_timestamp_seconds{{{S}}}) * 1000',
                      "", "G", True, "table"),
               target(link_from, "", "H", True, "table")],
              [("A", "Verdict", "none", VERDICT_MAP),
               ("B", "Earliest safe", "dateTimeAsIso", EARLIEST_SAFE_MAP, "color-text"),
               ("C", "Time left", "dtdurations", TIME_LEFT_MAP, "color-text"),
               ("D", "Last OLD answer", "dateTimeAsIso", NEVER_MAP, "color-text"),
               ("E", "Worst propagation", "percentunit", None),
               ("F", "Days in parallel", "d", None),
               ("G", "Old server stops", "dateTimeAsIso", None),
               ("H", "Range from", "none", None, "hidden")],
              h=8, sort_by=("Verdict", True), links=[("domain", domain_link[1])]),
        row(lay, "Propagation"),
        timeseries(lay, "Propagation ratio (worst selected vantage)",
                   "Share of resolvers whose last answer is NEW, per migration and watched "
                   "name, the lowest over the selected vantages and over each time slot "
                   "(min_over_time), so a dip is never averaged away.",
                   [target(f'min by (domain, name, rrtype) (min_over_time(dnsprop_propagation_ratio{{{S}}}[$__interval]))',
                           "{{domain}} {{name}} {{rrtype}}")],
                   "percentunit", minv=0, maxv=1),
        timeseries(lay, "Resolvers still answering OLD (worst name and vantage)",
                   "Resolvers whose last answer is OLD or MIXED, per migration: the highest "
                   "count over its watched names, the selected vantages and each time slot.",
                   [target(f'max by (domain) (sum without (state) (max_over_time(dnsprop_resolvers{{{S}, state=~"old|mixed"}}[$__interval])))',
                           "{{domain}}")],
                   "short", minv=0, decimals=0),
        row(lay, "dnsprop instances"),
    ]
    ver = f' * on (vantage, instance) group_left (version) max by (vantage, instance, version) (dnsprop_build_info{{{J}}})'
    panels += [
        table(lay, "Instances",
              "One row per dnsprop instance (vantage): version, time since its last "
              "completed probe round, whether its last configuration (re)load succeeded and "
              "when, and store/internal errors over the dashboard's time range.",
              [target(f'(time() - max by (vantage, instance) (dnsprop_last_probe_timestamp_seconds{{{J}}})){ver}',
                      "", "A", True, "table"),
               target(f'min by (vantage, instance) (dnsprop_config_last_reload_successful{{{J}}}){ver}',
                      "", "B", True, "table"),
               target(f'max by (vantage, instance) (dnsprop_config_last_reload_success_timestamp_seconds{{{J}}}) * 1000{ver}',
                      "", "C", True, "table"),
               target(f'sum by (vantage, instance) (increase(dnsprop_store_errors_total{{{J}}}[$__range])){ver}',
                      "", "D", True, "table"),
               target(f'sum by (vantage, instance) (increase(dnsprop_internal_errors_total{{{J}}}[$__range])){ver}',
                      "", "E", True, "table")],
              [("A", "Since last round", "s", None),
               ("B", "Config loaded", "none", YES_NO_MAP),
               ("C", "Last good (re)load", "dateTimeAsIso", None),
               ("D", "Store errors (range)", "short", None),
               ("E", "Internal errors (range)", "short", None)],
              h=6, sort_by=("vantage", False)),
        timeseries(lay, "Probes by outcome",
                   "Probes completed per second by each instance, by outcome.",
                   [target(f'sum by (vantage, outcome) (rate(dnsprop_probes_total{{{J}}}[$__rate_interval]))',
                           "{{vantage}} {{outcome}}")],
                   "ops", w=8, minv=0),
        timeseries(lay, "Time since last round",
                   "Seconds since each instance finished a probe round. It should stay "
                   "below the probe interval (monitor.interval, default 5m); the "
                   "DnsPropProbesStale alert fires above 15 minutes.",
                   [target(f'time() - max by (vantage) (dnsprop_last_probe_timestamp_seconds{{{J}}})',
                           "{{vantage}}")],
                   "s", w=8, minv=0),
        timeseries(lay, "Resident memory",
                   "Resident memory of each dnsprop process.",
                   [target(f'max by (vantage) (process_resident_memory_bytes{{{J}}})', "{{vantage}}")],
                   "bytes", w=8, minv=0),
    ]
    domain_var = query_var("domain", "Domain",
                           'label_values(dnsprop_verdict{job=~"$job", vantage=~"$vantage"}, domain)',
                           True, True, "Migrations to show.")
    return dashboard("dnsprop-overview", "dnsprop / Overview",
                     "All migrations watched by dnsprop: verdicts, propagation and earliest "
                     "safe times, over every selected vantage. docs/DASHBOARDS.md",
                     panels, [datasource_var(), JOB_VAR, VANTAGE_VAR, domain_var], DASH_LINKS)


# ------------------------------------------------------------------ per domain


def per_domain():
    lay = Layout()
    J = 'job=~"$job", vantage=~"$vantage"'
    D = 'job=~"$job", vantage=~"$vantage", domain="$domain"'
    DN = D + ', name=~"$name", rrtype=~"$rrtype"'
    INFO = 'topk by (resolver) (1, dnsprop_resolver_info{job=~"$job"})'
    JOIN = f' * on (resolver) group_left (operator, country) {INFO}'
    OF_DOMAIN = f' and on (resolver) group by (resolver) (dnsprop_resolver_state{{{DN}}})'
    es = f'max(dnsprop_earliest_safe_timestamp_seconds{{{D}}})'
    code = f'vantage_resolver:dnsprop_resolver_state_code:max{{{DN}}}'

    def days_stat():
        p = stat(lay, "Days in parallel / days left",
                 "In parallel: days since the switch was first seen (the parent delegating "
                 "to the new servers only; address-only: the servers serving NEW), earliest "
                 "over the selected vantages; min_parallel counts from the later of this "
                 "and switch_time. Left: days until the earliest safe time (0 once passed; "
                 "open-ended or unknown as the earliest safe time). Old server stops: "
                 "[migration.old] stop_date, when set.",
                 [target(f'(time() - min(dnsprop_switch_seen_timestamp_seconds{{{D}}})) / 86400',
                         "in parallel", "A", instant=True),
                  target(f'clamp_min(clamp_max({es}, {FAR}) - time(), 0) / 86400', "left", "B",
                         instant=True),
                  target(f'min(dnsprop_old_stop_timestamp_seconds{{{D}}}) * 1000',
                         "old server stops", "C", instant=True)],
                 "d", w=7, color_mode="none")
        p["fieldConfig"]["defaults"]["decimals"] = 1
        p["fieldConfig"]["overrides"] = [
            {"matcher": {"id": "byFrameRefID", "options": "B"},
             "properties": [{"id": "mappings", "value": DAYS_LEFT_MAP}]},
            {"matcher": {"id": "byFrameRefID", "options": "C"},
             "properties": [{"id": "unit", "value": "dateTimeAsIso"}]},
        ]
        return p

    def by_label(label):
        new = f'min by (resolver) (dnsprop_resolver_state{{{DN}, state="new"}})'
        joined = f'{new} * on (resolver) group_left ({label}) {INFO}'
        return f'sort(sum by ({label}) ({joined}) / count by ({label}) ({joined}))'

    panels = [
        row(lay, "Verdict"),
        stat(lay, "Verdict",
             "The domain's verdict, worst over the selected vantages (SAFE only when every "
             "vantage says SAFE).",
             [target(f'max(vantage_domain:dnsprop_verdict_code:max{{{D}}})', "verdict", instant=True)],
             "none", mappings=VERDICT_MAP, w=4),
        stat(lay, "Earliest safe time",
             "The earliest time no resolver can still serve OLD, latest over the selected "
             "vantages. Open-ended while the parent still delegates to OLD or the old "
             "server still serves the zone; unknown before ground truth is established "
             "(docs/MODEL.md).",
             [target(f'clamp_max({es}, {FAR}) * 1000', "earliest safe", instant=True)],
             "dateTimeAsIso", mappings=EARLIEST_SAFE_MAP, w=5, color_mode="none"),
        days_stat(),
        stat(lay, "Worst propagation",
             "Lowest share of resolvers answering NEW over the selected watched names and "
             "vantages.",
             [target(f'min(dnsprop_propagation_ratio{{{DN}}})', "ratio", instant=True)],
             "percentunit", w=4, color_mode="value",
             thresholds=[{"color": "red", "value": None}, {"color": "yellow", "value": 0.5},
                         {"color": "green", "value": 1}]),
        stat(lay, "Last OLD answer",
             "The last time any resolver answered a selected watched name with OLD data, "
             "from any selected vantage.",
             [target(f'max(dnsprop_last_old_seen_timestamp_seconds{{{DN}}}) * 1000', "last OLD",
                     instant=True)],
             "dateTimeFromNow", mappings=NEVER_MAP, w=4, color_mode="none"),
        state_timeline(lay, "Verdict per vantage",
                       "The verdict of each selected vantage; each slot shows the worst "
                       "verdict at any moment inside it (max_over_time).",
                       [target(f'max by (vantage) (max_over_time(vantage_domain:dnsprop_verdict_code:max{{{D}}}[$__interval]))',
                               "{{vantage}}")],
                       VERDICT_MAP, w=12, h=7),
        state_timeline(lay, "Verdict conditions",
                       "Each condition of the verdict rule (docs/VERDICT.md): holds only if "
                       "it held at every selected vantage for the whole slot "
                       "(min_over_time), so a short lapse shows as red.",
                       [target(f'min by (condition) (min_over_time(dnsprop_verdict_condition{{{D}}}[$__interval]))',
                               "{{condition}}")],
                       CONDITION_MAP, w=12, h=7),
        timeseries(lay, "Verdict blockers by reason",
                   "Targets (resolver, watched name, type) keeping the verdict from SAFE, by "
                   "reason (dnsprop_verdict_blockers, what `dnsprop check` lists), the highest "
                   "over the selected vantages and each time slot: old (still OLD), "
                   "unverified (no answer, error, negative, other, stale), hold (NEW, not yet "
                   "for the whole hold window), flip_flop (OLD again while still legitimate: "
                   "NOT YET) and regression (OLD again past the bound: CRITICAL).",
                   [target(f'max by (reason) (max_over_time(dnsprop_verdict_blockers{{{D}}}[$__interval]))',
                           "{{reason}}")],
                   "short", w=24, h=7, minv=0, decimals=0,
                   overrides=[{"matcher": {"id": "byName", "options": r},
                               "properties": [{"id": "color", "value": {"mode": "fixed", "fixedColor": c}}]}
                              for r, c in [("old", "red"), ("unverified", "#8e8e8e"), ("hold", "blue"),
                                           ("flip_flop", "orange"), ("regression", "dark-red")]]),
        row(lay, "Propagation"),
        timeseries(lay, "Propagation ratio per watched name",
                   "Share of resolvers whose last answer is NEW, per watched name and type, "
                   "the lowest over the selected vantages and each time slot.",
                   [target(f'min by (name, rrtype) (min_over_time(dnsprop_propagation_ratio{{{DN}}}[$__interval]))',
                           "{{name}} {{rrtype}}")],
                   "percentunit", w=8, minv=0, maxv=1),
        timeseries(lay, "Propagation ratio per vantage",
                   "Lowest share of NEW over the selected watched names, per vantage: where "
                   "a vantage lags behind the others, its resolvers see a different "
                   "anycast instance or cache.",
                   [target(f'min by (vantage) (min_over_time(dnsprop_propagation_ratio{{{DN}}}[$__interval]))',
                           "{{vantage}}")],
                   "percentunit", w=8, minv=0, maxv=1),
        timeseries(lay, "Resolver answers per state",
                   "Resolver x watched-name targets whose last answer is in each state, the "
                   "highest over the selected vantages and each time slot.",
                   [target(f'max by (state) (sum without (name, rrtype) (max_over_time(dnsprop_resolvers{{{DN}}}[$__interval])))',
                           "{{state}}")],
                   "short", w=8, minv=0, decimals=0,
                   overrides=[{"matcher": {"id": "byName", "options": s},
                               "properties": [{"id": "color", "value": {"mode": "fixed", "fixedColor": c}}]}
                              for s, c in [("new", "green"), ("old", "red"), ("mixed", "orange"),
                                           ("other", "yellow"), ("negative", "blue"),
                                           ("stale", "purple"), ("error", "#8e8e8e")]]),
        row(lay, "Resolvers"),
        state_timeline(lay, "State per resolver",
                       "The class of each resolver's answers, worst over the selected watched "
                       "names and vantages and over each time slot: old > mixed > stale > "
                       "other > negative > error > new. A resolver that flipped to OLD for "
                       "one probe shows OLD in that slot even on a 14-day range. From the "
                       "recording rule vantage_resolver:dnsprop_resolver_state_code:max.",
                       [target(f'max by (resolver) (max_over_time({code}[$__interval]))', "{{resolver}}")],
                       RESOLVER_STATE_MAP, h=18),
        table(lay, "Resolvers",
              "Every resolver asked for this domain, worst state first: its operator and "
              "country (dnsprop_resolver_info), current state (worst over the selected "
              "names and vantages), the predicted time it drops OLD data and the TTL left "
              "until then, and the share of its probes that failed over the time range.",
              [target(f'max by (resolver) ({code}){JOIN}', "", "A", True, "table"),
               target(f'max by (resolver) (dnsprop_resolver_old_expiry_timestamp_seconds{{{DN}}}) * 1000{JOIN}',
                      "", "B", True, "table"),
               target(f'clamp_min(max by (resolver) (dnsprop_resolver_old_expiry_timestamp_seconds{{{DN}}}) - time(), 0){JOIN}',
                      "", "C", True, "table"),
               target(f'(sum by (resolver) (increase(dnsprop_resolver_failures_total{{{J}}}[$__range]))'
                      f' / sum by (resolver) (increase(dnsprop_resolver_queries_total{{{J}}}[$__range]))'
                      f'{OF_DOMAIN}){JOIN}', "", "D", True, "table")],
              [("A", "State", "none", RESOLVER_STATE_MAP),
               ("B", "OLD gone by", "dateTimeAsIso", None),
               ("C", "OLD TTL left", "dtdurations", None),
               ("D", "Failed probes (range)", "percentunit", None)],
              h=12, sort_by=("State", True)),
        bargauge(lay, "NEW by country",
                 "Share of the resolvers of each country (dnsprop_resolver_info) that answer "
                 "NEW for every selected watched name at every selected vantage; lowest first.",
                 [target(by_label("country"), "{{country}}", instant=True)],
                 "percentunit", minv=0, maxv=1),
        bargauge(lay, "NEW by operator",
                 "Share of each operator's resolvers that answer NEW for every selected "
                 "watched name at every selected vantage; lowest first.",
                 [target(by_label("operator"), "{{operator}}", instant=True)],
                 "percentunit", minv=0, maxv=1),
        timeseries(lay, "OLD TTL remaining per resolver",
                   "Time until each resolver must have dropped the OLD data it showed "
                   "(dnsprop_resolver_old_expiry_timestamp_seconds - time()), latest over the "
                   "selected names and vantages; 0 once passed. Only resolvers that showed "
                   "OLD have a line.",
                   [target(f'clamp_min(max by (resolver) (max_over_time(dnsprop_resolver_old_expiry_timestamp_seconds{{{DN}}}[$__interval])) - time(), 0)',
                           "{{resolver}}")],
                   "s", w=24, h=9, minv=0),
        row(lay, "Errors and latency"),
        timeseries(lay, "Failures by reason",
                   "Probes of this domain's resolvers without a usable answer, per second, by "
                   "reason (all domains' probes to those resolvers: failures are counted per "
                   "resolver).",
                   [target(f'sum by (reason) (rate(dnsprop_resolver_failures_total{{{J}}}[$__rate_interval]){OF_DOMAIN})',
                           "{{reason}}")],
                   "ops", w=8, minv=0),
        timeseries(lay, "Failure ratio, top 10 resolvers",
                   "Share of each resolver's probes that failed; the ten worst at each "
                   "moment. Above 50% for an hour after the switch, while the verdict has "
                   "unverified targets, DnsPropResolversFailing fires (one alert per "
                   "migration, listing the resolvers).",
                   [target(f'topk(10, sum by (resolver) (rate(dnsprop_resolver_failures_total{{{J}}}[$__rate_interval]){OF_DOMAIN})'
                           f' / sum by (resolver) (rate(dnsprop_resolver_queries_total{{{J}}}[$__rate_interval])))',
                           "{{resolver}}")],
                   "percentunit", w=8, minv=0, maxv=1),
        timeseries(lay, "Latency per vantage",
                   "Time to an accepted answer from this domain's resolvers: median, 90th "
                   "and 99th percentile per vantage, from the latency histogram.",
                   [target(f'histogram_quantile({q}, sum by (vantage, le) (rate(dnsprop_resolver_latency_seconds_bucket{{{J}}}[$__rate_interval]){OF_DOMAIN}))',
                           f"p{int(q * 100)} {{{{vantage}}}}", ref)
                    for ref, q in (("A", 0.5), ("B", 0.9), ("C", 0.99))],
                   "s", w=8, minv=0),
        bargauge(lay, "Slowest resolvers (p90 over the range)",
                 "The ten resolvers of this domain with the highest 90th-percentile latency "
                 "over the dashboard's time range.",
                 [target(f'sort_desc(topk(10, histogram_quantile(0.9, sum by (resolver, le) '
                         f'(rate(dnsprop_resolver_latency_seconds_bucket{{{J}}}[$__range]){OF_DOMAIN}))))',
                         "{{resolver}}", instant=True)],
                 "s", w=24, h=8, minv=0),
        row(lay, "Ground truth: parent, DNSSEC, authoritative servers"),
        state_timeline(lay, "Parent delegation",
                       "What the parent zone delegates to, per vantage (worst in each slot): "
                       "both (F10) > old > other > unknown > new or unchanged (address-only).",
                       [target(f'max by (vantage) ('
                               f'max_over_time(dnsprop_parent_delegation{{{D}, state="both"}}[$__interval]) * 5'
                               f' or max_over_time(dnsprop_parent_delegation{{{D}, state="old"}}[$__interval]) * 4'
                               f' or max_over_time(dnsprop_parent_delegation{{{D}, state="other"}}[$__interval]) * 3'
                               f' or max_over_time(dnsprop_parent_delegation{{{D}, state="unknown"}}[$__interval]) * 2'
                               f' or max_over_time(dnsprop_parent_delegation{{{D}, state="new"}}[$__interval])'
                               f' or max_over_time(dnsprop_parent_delegation{{{D}, state="unchanged"}}[$__interval]))',
                               "{{vantage}}")],
                       DELEGATION_MAP, w=12, h=6),
        state_timeline(lay, "DNSSEC",
                       "DNSSEC of the delegation after the move (F13), per vantage (worst in "
                       "each slot): broken (a DS at the parent matches no DNSKEY of the new "
                       "servers) > unknown > unsigned > valid.",
                       [target(f'max by (vantage) ('
                               f'max_over_time(dnsprop_dnssec{{{D}, state="broken"}}[$__interval]) * 4'
                               f' or max_over_time(dnsprop_dnssec{{{D}, state="unknown"}}[$__interval]) * 3'
                               f' or max_over_time(dnsprop_dnssec{{{D}, state="unsigned"}}[$__interval]) * 2'
                               f' or max_over_time(dnsprop_dnssec{{{D}, state="valid"}}[$__interval]))',
                               "{{vantage}}")],
                       DNSSEC_MAP, w=12, h=6),
        state_timeline(lay, "Authoritative servers",
                       "Whether the old servers still serve the zone (yes in a slot if they "
                       "did at any moment: while they do, the earliest safe time is "
                       "open-ended, F9), whether the new servers serve it (no if they failed "
                       "at any moment), and whether a server of either side is lame (F11).",
                       [target(f'max by (role) (max_over_time(dnsprop_authoritative_serving{{{D}, role="old"}}[$__interval]))',
                               "old servers serve the zone", "A"),
                        target(f'min by (role) (min_over_time(dnsprop_authoritative_serving{{{D}, role="new"}}[$__interval]))',
                               "new servers serve the zone", "B"),
                        target(f'max by (role) (max_over_time(dnsprop_authoritative_lame{{{D}}}[$__interval]))',
                               "{{role}} servers lame", "C")],
                       value_map([(0, "no", "#8e8e8e"), (1, "yes", "blue")]), h=6,
                       overrides=[
                           {"matcher": {"id": "byName", "options": "new servers serve the zone"},
                            "properties": [{"id": "mappings", "value": value_map([(0, "no", "red"), (1, "yes", "green")])}]},
                           {"matcher": {"id": "byRegexp", "options": ".* servers lame"},
                            "properties": [{"id": "mappings", "value": value_map([(0, "no", "green"), (1, "lame", "red")])}]},
                       ]),
        # [migration.web] only: every target here is marked needs=WEB.
        row(lay, "Web servers in parallel operation"),
        table(lay, "Web fetches",
              "The last fetch of every path from the old and the new web server "
              "([migration.web]), per vantage, side, address, host and scheme: whether it "
              "served the site (status below 400 and, over HTTPS, a certificate that "
              "verifies, covers the host and has not expired), its HTTP status (no "
              "response: timeout, refused or TLS handshake failed), how long it took, and "
              "the days the presented certificate has left (HTTPS only). A new-side row "
              "that does not serve keeps the verdict from SAFE (condition web); an old-side "
              "one, drift and a certificate under 14 days are findings. Empty without "
              "[migration.web].",
              [target(f'max by (vantage, side, address, host, scheme, path) (dnsprop_web_up{{{D}}})',
                      "", "A", True, "table", needs=WEB),
               target(f'max by (vantage, side, address, host, scheme, path) (dnsprop_web_status_code{{{D}}})',
                      "", "B", True, "table", needs=WEB),
               target(f'max by (vantage, side, address, host, scheme, path) (dnsprop_web_response_seconds{{{D}}})',
                      "", "C", True, "table", needs=WEB),
               target(f'max by (vantage, side, address, host, scheme, path) ('
                      f'(dnsprop_web_cert_expiry_timestamp_seconds{{{D}}} - time()) / 86400'
                      f' + on (job, instance, vantage, domain, side, address, host) group_right ()'
                      f' (0 * dnsprop_web_up{{{D}, scheme="https"}}))',
                      "", "D", True, "table", needs=WEB)],
              [("A", "Serves", "none", YES_NO_MAP),
               ("B", "Status", "none", HTTP_STATUS_MAP),
               ("C", "Response time", "s", None),
               ("D", "Certificate days left", "d", CERT_DAYS_MAP)],
              h=10, sort_by=("Serves", False)),
        stat(lay, "Content drift",
             "Per must_match path and host ([migration.web] must_match): whether the old "
             "and the new web server serve different bodies (drift), worst over the "
             "selected vantages. Visitors see one or the other depending on their "
             "resolver: update both servers. A finding, never blocking SAFE "
             "(DnsPropContentDrift).",
             [target(f'max by (host, path) (dnsprop_web_content_drift{{{D}}})', "{{host}}{{path}}",
                     instant=True, needs=WEB)],
             "none", mappings=value_map([(0, "same", "green"), (1, "drift", "orange")]),
             w=6, h=6, no_value="no must_match paths"),
        state_timeline(lay, "Web servers serve the site",
                       "Whether every fetch of each side's web server served the site, at "
                       "every selected vantage for the whole slot (min_over_time): a "
                       "failure of any path, address or scheme at any moment shows as no. "
                       "The table above names the fetch.",
                       [target(f'min by (side) (min_over_time(dnsprop_web_up{{{D}}}[$__interval]))',
                               "{{side}} server serves the site", needs=WEB)],
                       value_map([(0, "no", "red"), (1, "yes", "green")]), w=18, h=6),
        # [migration.mail] only: every target here is marked needs=MAIL.
        row(lay, "Mail servers in parallel operation"),
        table(lay, "Mail servers",
              "The last SMTP exchange with every address of the old and the new mail "
              "server ([migration.mail]; asked every mail.every, 10 minutes by default, up "
              "to RCPT TO, never DATA), per vantage, side and address: whether it accepts "
              "mail for the recipient (postmaster@domain: MAIL FROM:<> and RCPT accepted, "
              "and on the new side with mail.starttls a completed STARTTLS), the reply code "
              "to RCPT (no reply: the dialogue ended before; 4xx deferred, e.g. "
              "greylisting; 5xx refused), whether STARTTLS completed, how long the exchange "
              "took, how long ago it was (older than 3 x mail.every + 60 s it no longer "
              "counts), and the days the certificate presented after STARTTLS has left. A "
              "new-side row that does not accept keeps the verdict from SAFE (condition "
              "mail); the old side and the certificates are findings. Empty without "
              "[migration.mail].",
              [target(f'max by (vantage, side, address) (dnsprop_mail_accepts{{{D}}})',
                      "", "A", True, "table", needs=MAIL),
               target(f'max by (vantage, side, address) (dnsprop_mail_rcpt_code{{{D}}})',
                      "", "B", True, "table", needs=MAIL),
               target(f'max by (vantage, side, address) (dnsprop_mail_starttls{{{D}}})',
                      "", "C", True, "table", needs=MAIL),
               target(f'max by (vantage, side, address) (dnsprop_mail_response_seconds{{{D}}})',
                      "", "D", True, "table", needs=MAIL),
               target(f'max by (vantage, side, address) (time() - dnsprop_mail_checked_timestamp_seconds{{{D}}})',
                      "", "E", True, "table", needs=MAIL),
               target(f'max by (vantage, side, address) ('
                      f'(dnsprop_mail_cert_expiry_timestamp_seconds{{{D}}} - time()) / 86400)',
                      "", "F", True, "table", needs=MAIL)],
              [("A", "Accepts", "none", YES_NO_MAP),
               ("B", "RCPT reply", "none", RCPT_CODE_MAP),
               ("C", "STARTTLS", "none", value_map([(0, "no", "orange"), (1, "yes", "green")])),
               ("D", "Response time", "s", None),
               ("E", "Last asked", "s", None),
               ("F", "Certificate days left", "d", CERT_DAYS_MAP)],
              h=8, sort_by=("Accepts", False)),
        stat(lay, "Old server POP3/IMAP ports",
             "Per address and port of the old server listed in mail.fetch_ports: whether "
             "it still accepts a connection (open at any selected vantage). Open: keep "
             "fetching mail from the old server until the verdict says SAFE, senders may "
             "still deliver there; closed: mail left there can no longer be fetched. "
             "Shown, never blocking SAFE.",
             [target(f'max by (address, port) (dnsprop_mail_fetch_port_up{{{D}}})',
                     "{{address}} port {{port}}", instant=True, needs=MAIL)],
             "none", mappings=value_map([(0, "closed", "orange"), (1, "open", "green")]),
             w=6, h=6, no_value="no fetch_ports"),
        state_timeline(lay, "Mail servers accept mail",
                       "Whether every address of each side's mail server accepted mail for "
                       "the recipient, at every selected vantage for the whole slot "
                       "(min_over_time): a refusal, a deferral or a failed exchange at any "
                       "moment shows as no. The table above names the address.",
                       [target(f'min by (side) (min_over_time(dnsprop_mail_accepts{{{D}}}[$__interval]))',
                               "{{side}} server accepts mail", needs=MAIL)],
                       value_map([(0, "no", "red"), (1, "yes", "green")]), w=18, h=6),
    ]
    variables = [
        datasource_var(), JOB_VAR, VANTAGE_VAR,
        query_var("domain", "Domain",
                  'label_values(dnsprop_verdict{job=~"$job", vantage=~"$vantage"}, domain)',
                  False, False, "The migration to show."),
        query_var("name", "Name",
                  'label_values(dnsprop_propagation_ratio{job=~"$job", vantage=~"$vantage", domain="$domain"}, name)',
                  True, True, "Watched names of the migration."),
        query_var("rrtype", "Type",
                  'label_values(dnsprop_propagation_ratio{job=~"$job", vantage=~"$vantage", domain="$domain", name=~"$name"}, rrtype)',
                  True, True, "Watched record types."),
    ]
    annotations = [
        annotation("Switch (switch_time)",
                   f'min by (domain) (dnsprop_switch_timestamp_seconds{{{D}}}) * 1000', "blue",
                   "switch_time", "the configured switch of {{domain}}"),
        annotation("Switch seen",
                   f'min by (domain) (dnsprop_switch_seen_timestamp_seconds{{{D}}}) * 1000', "green",
                   "switch seen", "the first round that saw the switch of {{domain}} "
                   "(earliest selected vantage)"),
        annotation("Old server stops",
                   f'min by (domain) (dnsprop_old_stop_timestamp_seconds{{{D}}}) * 1000', "red",
                   "old server stops", "[migration.old] stop_date of {{domain}}"),
    ]
    return dashboard("dnsprop-domain", "dnsprop / Domain",
                     "One migration in detail: verdict, resolvers by state, country and "
                     "operator, TTLs, errors, latency, ground truth and the web and mail "
                     "servers in parallel operation. docs/DASHBOARDS.md",
                     panels, variables, DASH_LINKS, annotations)


DASHBOARDS = {"dnsprop-overview.json": overview, "dnsprop-domain.json": per_domain}


def render(fn):
    return json.dumps(fn(), indent=2, ensure_ascii=False) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true",
                    help="exit 1 if a dashboard file differs from what this script writes")
    ap.add_argument("--out-dir", default=OUT_DIR)
    args = ap.parse_args()
    stale = []
    for fname, fn in DASHBOARDS.items():
        path = os.path.join(args.out_dir, fname)
        text = render(fn)
        if args.check:
            try:
                with open(path, encoding="utf-8") as f:
                    if f.read() != text:
                        stale.append(path)
            except FileNotFoundError:
                stale.append(path)
        else:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            print("wrote", path)
    if stale:
        print("out of date (run dashboards/tools/generate_dashboards.py): " + ", ".join(stale),
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
