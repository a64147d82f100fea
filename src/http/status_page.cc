#include "http/status_page.h"

#include <array>
#include <cstddef>
#include <utility>

#include "dns/ldns.h"  // ldns_sha256: the SHA-256 already linked (no OpenSSL link of our own)

namespace dnsprop {
namespace {

// The page, edited in place. It renders the document of docs/STATUS-PAGE.md; keep the
// two in step. Rules for edits: no external URL (the CSP allows none), no innerHTML or
// other markup built from data (text nodes and setAttribute only), no inline event
// handler attributes or style attributes in the markup (the CSP blocks them; set styles
// through element.style). The CSP hashes follow the text automatically.
constexpr std::string_view kPage = R"HTML(
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>dnsprop status</title>
<link rel="icon" href="data:,">
<style>
:root {
  --dnsprop-css: 1;
  --fg: #1f2328; --muted: #59636e; --bg: #f3f5f7; --card: #fff; --line: #d1d9e0;
  --accent: #0969da;
  --safe: #116329; --safe-bg: #dafbe1; --safe-line: #4ac26b;
  --notyet: #7d4e00; --notyet-bg: #fff8c5; --notyet-line: #d4a72c;
  --crit: #a40e26; --crit-bg: #ffebe9; --crit-line: #ff8182;
  --unk: #424a53; --unk-bg: #eaeef2; --unk-line: #afb8c1;
  color-scheme: light;
}
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif;
       color: var(--fg); background: var(--bg); }
a { color: var(--accent); }
code, .mono { font-family: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, monospace; font-size: 0.92em; }
.vh { position: absolute !important; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0);
      clip-path: inset(50%); white-space: nowrap; }
.page { max-width: 1240px; margin: 0 auto; padding: 16px; }
.top { display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 16px; margin-bottom: 12px; }
.top h1 { font-size: 1.35rem; margin: 0; }
.meta { margin: 0; color: var(--muted); }
.meta b { color: var(--fg); font-weight: 600; }
.fetch { margin: 0 0 12px; padding: 6px 10px; border-radius: 6px; color: var(--muted); background: var(--card);
         border: 1px solid var(--line); display: flex; flex-wrap: wrap; gap: 4px 12px; align-items: center; }
.fetch.error { color: var(--crit); background: var(--crit-bg); border-color: var(--crit-line); font-weight: 600; }
.fetch button { font: inherit; padding: 1px 10px; border-radius: 5px; border: 1px solid var(--line);
                background: #f6f8fa; color: var(--fg); cursor: pointer; }
.empty { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 24px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; margin: 0 0 20px;
        padding: 16px 18px; }
.card > h2 { margin: 0 0 10px; font-size: 1.3rem; word-break: break-all; }
.card h3 { font-size: 0.8rem; text-transform: uppercase; letter-spacing: 0.04em; color: var(--muted); margin: 0 0 6px; }
.verdict { border-radius: 8px; border: 2px solid; padding: 10px 14px; margin-bottom: 14px; }
.verdict .word { font-size: 2rem; font-weight: 800; letter-spacing: 0.02em; margin: 0; line-height: 1.15; }
.verdict .advice { font-weight: 600; margin: 2px 0 0; }
.verdict .summary { margin: 4px 0 0; }
.st-safe { color: var(--safe); background: var(--safe-bg); border-color: var(--safe-line); }
.st-notyet { color: var(--notyet); background: var(--notyet-bg); border-color: var(--notyet-line); }
.st-critical { color: var(--crit); background: var(--crit-bg); border-color: var(--crit-line); }
.st-unknown { color: var(--unk); background: var(--unk-bg); border-color: var(--unk-line); }
.facts { display: grid; grid-template-columns: repeat(auto-fit, minmax(270px, 1fr)); gap: 14px 22px; margin-bottom: 14px; }
.facts.wide { grid-template-columns: repeat(auto-fit, minmax(min(420px, 100%), 1fr)); }
.fact .big { font-size: 1.25rem; font-weight: 700; margin: 0; }
.fact p { margin: 2px 0; }
.fact .sub { color: var(--muted); font-size: 0.9em; }
.bar { height: 12px; border-radius: 6px; background: var(--unk-bg); border: 1px solid var(--line); overflow: hidden; margin: 6px 0 2px; }
.bar > div { height: 100%; width: 0; background: var(--safe-line); }
dl.kv { display: grid; grid-template-columns: max-content 1fr; gap: 2px 10px; margin: 0; }
dl.kv dt { color: var(--muted); }
dl.kv dd { margin: 0; word-break: break-word; }
ul.conds, ul.findings { list-style: none; margin: 0; padding: 0; }
ul.conds li { display: grid; grid-template-columns: 6.2em 11em 1fr; gap: 8px; padding: 3px 0; border-bottom: 1px solid #eef1f4; }
ul.conds .mark { font-weight: 700; white-space: nowrap; }
ul.conds .met .mark { color: var(--safe); }
ul.conds .unmet .mark { color: var(--crit); }
ul.findings li { padding: 2px 0 2px 1.1em; text-indent: -1.1em; }
ul.findings li::before { content: "\2022\00a0\00a0"; color: var(--notyet-line); }
.section { margin: 16px 0 0; }
figure.chart { margin: 0; }
figure.chart svg { width: 100%; height: auto; display: block; }
figure.chart figcaption { color: var(--muted); font-size: 0.9em; }
svg .grid { stroke: #e3e8ee; stroke-width: 1; }
svg .axis { stroke: #8c959f; stroke-width: 1; }
svg text { font: 11px system-ui, sans-serif; fill: var(--muted); }
svg .ratio-area { fill: rgba(74, 194, 107, 0.18); stroke: none; }
svg .ratio-line { fill: none; stroke: #1a7f37; stroke-width: 2; stroke-linejoin: round; }
svg .ratio-dot { fill: #1a7f37; }
svg text.last { fill: var(--safe); font-weight: 700; }
.tools { display: flex; flex-wrap: wrap; gap: 6px 14px; align-items: center; margin: 0 0 6px; }
.tools input { font: inherit; padding: 3px 8px; border: 1px solid var(--line); border-radius: 6px; min-width: 16em; }
.tools .count { color: var(--muted); }
.scroll { overflow-x: auto; border: 1px solid var(--line); border-radius: 8px; }
.scroll:focus { outline: 2px solid var(--accent); }
table.grid { border-collapse: collapse; width: 100%; font-size: 0.92em; }
table.grid caption { text-align: left; padding: 6px 8px; color: var(--muted); caption-side: top; }
table.grid th, table.grid td { padding: 4px 8px; border-bottom: 1px solid #eef1f4; text-align: left; vertical-align: top; }
table.grid thead th { background: #f6f8fa; position: sticky; top: 0; white-space: nowrap; }
table.grid thead th button { font: inherit; font-weight: 700; border: 0; background: none; padding: 0; cursor: pointer; color: var(--fg); }
table.grid thead th button::after { content: " \2195"; color: #afb8c1; }
table.grid thead th[aria-sort="ascending"] button::after { content: " \2191"; color: var(--fg); }
table.grid thead th[aria-sort="descending"] button::after { content: " \2193"; color: var(--fg); }
table.grid th.col .rr { color: var(--muted); font-weight: 400; }
table.grid tbody th { font-weight: 600; white-space: nowrap; }
table.grid tbody th .addr { display: block; font-weight: 400; color: var(--muted); }
table.grid tr.excluded th, table.grid tr.excluded td { opacity: 0.6; }
dd.warn { color: #9a3412; font-weight: 600; }
td.cls { white-space: nowrap; border-left: 1px solid #eef1f4; }
td.cls .name { font-weight: 700; }
td.cls .why { font-size: 0.8em; font-weight: 700; text-transform: uppercase; margin-left: 4px; padding: 0 4px;
              border-radius: 4px; border: 1px solid currentColor; }
td.cls .sub { display: block; font-size: 0.82em; opacity: 0.9; }
.c-NEW { background: var(--safe-bg); color: var(--safe); }
.c-OLD { background: var(--crit-bg); color: var(--crit); }
.c-MIXED { background: #fff1e5; color: #953800; }
.c-OTHER { background: #fbefff; color: #6e40c9; }
.c-NEGATIVE { background: #ddf4ff; color: #0a3069; }
.c-STALE { background: var(--notyet-bg); color: var(--notyet); }
.c-ERROR { background: var(--unk-bg); color: var(--unk); }
.c-NONE { color: var(--muted); }
.c-REGRESSION { background: var(--crit); color: #fff; }
.tag { font-size: 0.78em; border: 1px solid var(--line); border-radius: 4px; padding: 0 4px; color: var(--muted); margin-left: 4px; font-weight: 400; }
.render-error, .stale { color: var(--crit); }
footer { color: var(--muted); font-size: 0.9em; margin-top: 8px; }
ul.conds .detail { overflow-wrap: anywhere; }
@media (max-width: 640px) {
  .page { padding: 8px; }
  .card { padding: 12px; }
  ul.conds li { grid-template-columns: 6.2em 1fr; }
  ul.conds .detail { grid-column: 1 / -1; }
}
</style>
</head>
<body data-state="loading">
<div class="page">
<header class="top">
  <h1>dnsprop status</h1>
  <p id="meta" class="meta"></p>
</header>
<div id="fetch" class="fetch" role="status" aria-live="polite">
  <span id="fetch-text">Loading status.json&hellip;</span>
  <button id="refresh" type="button">Refresh now</button>
</div>
<noscript><p class="empty">This page needs JavaScript. The same data is in <a href="status.json">status.json</a>.</p></noscript>
<main id="migrations" aria-label="Migrations"></main>
<footer>
  Raw data: <a href="status.json">status.json</a> &middot; <a href="metrics">metrics</a> &middot;
  refreshes every 30 s. Times are shown in your browser's time zone.
</footer>
</div>
<script>
(function () {
  'use strict';

  // Renders status.json (docs/STATUS-PAGE.md) with DOM methods only: every value from
  // the document becomes a text node or an attribute value, never markup.
  const REFRESH_MS = 30000;
  const DASH = '\u2013';
  const SVG_NS = 'http://www.w3.org/2000/svg';

  const STATUS = {
    SAFE: { word: 'SAFE', cls: 'st-safe', advice: 'Safe to shut down the old server.' },
    NOT_YET: { word: 'NOT YET', cls: 'st-notyet', advice: 'Keep the old server running.' },
    CRITICAL: { word: 'CRITICAL', cls: 'st-critical',
                advice: 'Keep the old server running: something is wrong (see the conditions).' },
    UNKNOWN: { word: 'UNKNOWN', cls: 'st-unknown', advice: 'Cannot decide: keep the old server running.' },
  };
  // Lower rank = worse; the table lists the worst resolvers first.
  const CLASS_RANK = { OLD: 1, MIXED: 2, ERROR: 3, STALE: 4, OTHER: 5, NEGATIVE: 6, NEW: 9 };
  const CLASS_TEXT = {
    NEW: 'answers with the new data', OLD: 'answers with the old data',
    MIXED: 'answers with old and new data', OTHER: 'answers with neither old nor new data',
    NEGATIVE: 'answers NXDOMAIN or no data', STALE: 'serves an expired (stale) answer',
    ERROR: 'timeout, SERVFAIL, REFUSED or another error',
  };
  const RANK_NONE = 7;        // no answer recorded
  const RANK_REGRESSION = 0;  // OLD came back after NEW
  const RANK_HOLD = 8;        // NEW, not yet for the whole hold window
  const CONDITION_LABEL = {
    fresh: 'Fresh data', dnssec: 'DNSSEC', parent: 'Parent delegation', servers: 'Authoritative servers',
    resolvers: 'Resolvers on NEW', earliest_safe: 'Earliest safe time', min_parallel: 'Minimum parallel run',
    web: 'New web server serves the site', mail: 'New mail server accepts mail',
    traffic: 'Old server no longer receives traffic',
  };
  const BASIS_TEXT = {
    observed_old: 'the predicted expiry of the last OLD answer seen',
    parent_switch: 'the parent switch plus the NS and data TTLs',
    parent_not_switched: 'the parent has not been seen delegating only to the new servers',
    old_server_serving: 'the old server still serves the zone',
    old_server_retired: 'the old server stopped serving the zone, plus the TTLs',
    min_parallel: 'the configured minimum parallel run',
    data_not_switched: 'the servers have not been seen serving only the new data',
    data_switch: 'the data switch on the servers plus the data TTL',
  };
  const SHAPE_TEXT = {
    ns_and_data: 'name servers and addresses move',
    address_only: 'address-only: the name servers stay',
    dns_provider_only: 'DNS provider only: the records stay',
  };
  const REASON_TEXT = {
    old: 'still answers OLD', unverified: 'no usable NEW answer yet',
    hold: 'NEW, but not yet for the whole hold window', regression: 'OLD came back after NEW',
    flip_flop: 'OLD again after NEW while OLD may still legitimately be served (normal flip-flop)',
  };

  const view = { data: null, okAt: null, error: null, errorAt: null, ui: new Map() };

  // ---- defensive accessors: a missing or mistyped field reads as null / empty ----
  const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
  const obj = (v) => (isObj(v) ? v : {});
  const arr = (v) => (Array.isArray(v) ? v : []);
  const str = (v) => (typeof v === 'string' && v !== '' ? v : null);
  const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  const bool = (v) => (typeof v === 'boolean' ? v : null);
  const time = (v) => {
    const t = typeof v === 'string' ? Date.parse(v) : NaN;
    return Number.isFinite(t) ? t : null;
  };
  const own = (table, key) => (typeof key === 'string' && Object.prototype.hasOwnProperty.call(table, key)
    ? table[key] : null);

  // ---- DOM building: attributes through setAttribute, content as text nodes ----
  function fill(node, attrs, kids) {
    if (attrs) {
      for (const [k, v] of Object.entries(attrs)) {
        if (v === null || v === undefined || v === false) continue;
        node.setAttribute(k, v === true ? '' : String(v));
      }
    }
    for (const kid of kids.flat(Infinity)) {
      if (kid === null || kid === undefined || kid === false) continue;
      node.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
    }
    return node;
  }
  const h = (tag, attrs, ...kids) => fill(document.createElement(tag), attrs, kids);
  const svg = (tag, attrs, ...kids) => fill(document.createElementNS(SVG_NS, tag), attrs, kids);
  const orDash = (v) => (v === null || v === undefined || v === '' ? DASH : String(v));

  // ---- time ----
  const pad2 = (n) => (n < 10 ? '0' : '') + n;
  function span(ms) {  // "3d 4h", "5h 02m", "12m 03s", "45s" (as `dnsprop check` writes them)
    let s = Math.floor(Math.abs(ms) / 1000);
    const d = Math.floor(s / 86400); s -= d * 86400;
    const hr = Math.floor(s / 3600); s -= hr * 3600;
    const m = Math.floor(s / 60); s -= m * 60;
    if (d > 0) return d + 'd ' + hr + 'h';
    if (hr > 0) return hr + 'h ' + pad2(m) + 'm';
    if (m > 0) return m + 'm ' + pad2(s) + 's';
    return s + 's';
  }
  function relative(t, now) {
    const d = t - now;
    if (Math.abs(d) < 1000) return 'now';
    return d > 0 ? 'in ' + span(d) : span(d) + ' ago';
  }
  const fmtMinute = new Intl.DateTimeFormat(undefined, {
    year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });
  const fmtSecond = new Intl.DateTimeFormat(undefined, {
    hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'short' });
  const fmtTick = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
  const fmtTickDay = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
  const iso = (t) => new Date(t).toISOString();
  // Seconds as "1d", "12h 30m", "5m", "45s": the two largest units, zero parts left out.
  function duration(seconds) {
    let s = Math.round(Math.abs(seconds));
    const parts = [];
    for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]]) {
      const n = Math.floor(s / size);
      s -= n * size;
      if (n > 0 || parts.length > 0) parts.push(n > 0 ? n + unit : '');
    }
    const shown = parts.slice(0, 2).filter((p) => p !== '');
    return shown.length ? shown.join(' ') : '0s';
  }
  function secondsText(s) {
    if (s === null) return DASH;
    return s < 60 ? s + ' s' : duration(s) + ' (' + s + ' s)';
  }
  // <time> with the local absolute time, then the relative one: "Dec 9, 2026, 19:00 JST (in 13d 4h)".
  function when(t, now, fmt) {
    if (t === null) return DASH;
    return [h('time', { datetime: iso(t), title: iso(t) }, (fmt || fmtMinute).format(t)),
            ' (' + relative(t, now) + ')'];
  }
  function whenText(t, now) {
    return t === null ? DASH : fmtMinute.format(t) + ' (' + relative(t, now) + ')';
  }

  // How old the document is on this browser's clock, and whether that is older than the
  // rule's own freshness bound (3 intervals + 60 s): then a SAFE must not be believed.
  // Without generated_at the age is unknown, which counts as stale.
  function freshness(doc, now) {
    const gen = time(doc.generated_at);
    if (gen === null) return { stale: true, age: null };
    const interval = num(doc.interval_seconds);
    const limit = ((interval === null ? 300 : interval) * 3 + 60) * 1000;
    return { stale: now - gen > limit, age: Math.max(0, now - gen) };
  }

  // ---- the header and the fetch line ----
  function renderMeta(doc, now) {
    const meta = document.getElementById('meta');
    const gen = time(doc.generated_at);
    const interval = num(doc.interval_seconds);
    meta.replaceChildren(
      'Vantage ', h('b', null, orDash(str(doc.vantage))),
      ' \u00b7 data generated ', h('span', null, when(gen, now, fmtSecond)),
      ' \u00b7 ', h('b', null, orDash(num(doc.rounds))), ' rounds',
      ' \u00b7 probing every ', h('b', null, interval === null ? DASH : duration(interval)),
      ...(num(obj(doc.ipv6).resolvers_left_out) > 0
        ? [' \u00b7 no IPv6 route: ', h('b', null, String(num(obj(doc.ipv6).resolvers_left_out))),
           ' IPv6 resolvers not probed']
        : []),
      ...(freshness(doc, now).stale ? [h('b', { class: 'stale' }, ' \u00b7 stale: dnsprop may have stopped')] : []));
  }

  function renderFetchLine() {
    const box = document.getElementById('fetch');
    const text = document.getElementById('fetch-text');
    const now = Date.now();
    if (view.error !== null) {
      box.className = 'fetch error';
      box.setAttribute('role', 'alert');
      text.replaceChildren('Could not load status.json: ' + view.error + ' (at ' + fmtSecond.format(view.errorAt) + '). ' +
        (view.okAt === null ? 'No data yet.' : 'Showing the data loaded ' + relative(view.okAt, now) + '.'));
    } else {
      box.className = 'fetch';
      box.setAttribute('role', 'status');
      text.replaceChildren(view.okAt === null ? 'Loading status.json\u2026'
        : 'Updated ' + fmtSecond.format(view.okAt) + '; refreshes every 30 s.');
    }
  }

  // ---- one migration ----
  // A SAFE from a document too old to trust (see freshness) is not shown as SAFE.
  function verdictBox(v, fresh) {
    const code = str(v.status);
    let st = own(STATUS, code) || STATUS.UNKNOWN;
    let word = own(STATUS, code) ? st.word : (code === null ? 'UNKNOWN' : code);
    let advice = st.advice;
    if (fresh.stale && code === 'SAFE') {
      st = STATUS.UNKNOWN;
      word = 'SAFE (stale)';
      advice = 'This verdict is ' + (fresh.age === null ? 'of unknown age' : span(fresh.age) + ' old') +
        ': dnsprop may have stopped. Do not shut down the old server on it.';
    }
    return h('div', { class: 'verdict ' + st.cls, role: 'group', 'aria-label': 'Verdict' },
      h('p', { class: 'word' }, word),
      h('p', { class: 'advice' }, advice),
      h('p', { class: 'summary' }, orDash(str(v.summary))));
  }

  function progressFact(v) {
    const trusted = num(v.trusted);
    const onNew = num(v.trusted_new);
    const kids = [h('h3', null, 'Progress')];
    if (trusted === null || onNew === null) {
      kids.push(h('p', { class: 'big' }, DASH));
      return h('div', { class: 'fact' }, kids);
    }
    const pct = trusted > 0 ? Math.round(Math.min(1, Math.max(0, onNew / trusted)) * 100) : 0;
    const barFill = h('div');
    barFill.style.width = pct + '%';  // CSSOM, allowed by the page's CSP
    kids.push(
      h('p', { class: 'big' }, onNew + ' of ' + trusted + ' trusted resolvers on NEW'),
      h('div', { class: 'bar', role: 'progressbar', 'aria-label': 'Trusted resolvers on NEW',
                 'aria-valuemin': 0, 'aria-valuemax': trusted, 'aria-valuenow': Math.min(onNew, trusted),
                 'aria-valuetext': onNew + ' of ' + trusted + ' (' + pct + '%)' }, barFill),
      h('p', { class: 'sub' }, pct + '% of trusted resolvers pass every watched name'));
    return h('div', { class: 'fact' }, kids);
  }

  function earliestFact(m, v, now) {
    const es = obj(v.earliest_safe);
    const at = time(es.at);
    const unbounded = bool(es.unbounded) === true;
    const basis = str(es.basis);
    const safeAfter = time(v.safe_after);
    const kids = [h('h3', null, 'Earliest safe time')];
    if (unbounded) {
      kids.push(h('p', { class: 'big' }, 'open-ended'));
      if (at !== null) kids.push(h('p', null, 'not before ', when(at, now)));
    } else {
      kids.push(h('p', { class: 'big' }, at === null ? DASH : when(at, now)));
    }
    if (basis !== null) kids.push(h('p', { class: 'sub' }, 'Because: ' + (own(BASIS_TEXT, basis) || basis)));
    const bind = obj(es.target);
    if (str(bind.name) !== null) {
      kids.push(h('p', { class: 'sub' }, 'Latest OLD expiry: ' + bind.name + ' ' + orDash(str(bind.rrtype)) +
        ' at ' + orDash(str(bind.resolver))));
    }
    // [migration.old] stop_date: the planned shutdown, flagged when it comes before the
    // earliest safe time (or that is open-ended) and the verdict is not SAFE yet.
    const stop = time(m.old_stop);
    const stopTooEarly = stop !== null && bool(v.old_stop_too_early) === true;
    const hold = num(v.hold_seconds);
    const shape = str(v.shape);
    const shortened = num(v.min_parallel_shortened_to_seconds);
    const unchanged = arr(v.unchanged).map(str).filter((x) => x !== null);
    if (shortened !== null) {
      kids.push(h('p', { class: 'sub' }, 'The parallel period is shortened to ' + duration(shortened) +
        ' (the hosting guide recommends 14 days).'));
    }
    kids.push(h('dl', { class: 'kv' },
      h('dt', null, 'Shape'), h('dd', null, shape === null ? DASH : (own(SHAPE_TEXT, shape) || shape)),
      h('dt', null, 'Unchanged'), h('dd', null, unchanged.length ? unchanged.join(', ') + ' (not judged)' : DASH),
      h('dt', null, 'Safe after'), h('dd', null, when(safeAfter, now)),
      h('dt', null, 'Hold window'), h('dd', null, hold === null ? DASH : duration(hold)),
      h('dt', null, 'Switch planned'), h('dd', null, when(time(m.switch_time), now)),
      h('dt', null, 'Switch seen'), h('dd', null, when(time(m.switch_seen), now)),
      h('dt', null, 'Old server off'), h('dd', { class: stopTooEarly ? 'warn' : null }, when(stop, now),
        stopTooEarly ? ' \u2014 before the earliest safe time: keep it running longer' : null),
      h('dt', null, 'Data from'), h('dd', null, when(time(v.data_at), now)),
      h('dt', null, 'Evaluated'), h('dd', null, when(time(v.evaluated), now))));
    return h('div', { class: 'fact' }, kids);
  }

  function truthFact(truth) {
    const t = obj(truth);
    const ns = arr(t.parent_ns).map(str).filter((x) => x !== null);
    const ttl = num(t.parent_ns_ttl);
    const yesNo = (b) => (b === null ? DASH : b ? 'yes' : 'no');
    return h('div', { class: 'fact' }, h('h3', null, 'Ground truth'),
      h('dl', { class: 'kv' },
        h('dt', null, 'Parent delegates to'), h('dd', null, orDash(str(t.delegation))),
        h('dt', null, 'Parent NS'), h('dd', { class: 'mono' }, ns.length ? ns.join(' ') : DASH,
          ttl === null ? null : ' (TTL ' + secondsText(ttl) + ')'),
        h('dt', null, 'Old server serves zone'), h('dd', null, yesNo(bool(t.old_serving_zone))),
        h('dt', null, 'DNSSEC'), h('dd', null, orDash(str(t.dnssec))),
        h('dt', null, 'New servers serve plan'), h('dd', null, yesNo(bool(t.plan_ok)))));
  }

  function conditionsSection(v) {
    const conds = arr(v.conditions).map(obj);
    const list = h('ul', { class: 'conds' });
    for (const c of conds) {
      const met = bool(c.met);
      const id = str(c.id);
      list.append(h('li', { class: met === true ? 'met' : 'unmet' },
        h('span', { class: 'mark' }, met === true ? '\u2713 met' : met === false ? '\u2717 not met' : '? unknown'),
        h('span', { class: 'cond' }, orDash(own(CONDITION_LABEL, id) || id)),
        h('span', { class: 'detail' }, orDash(str(c.detail)))));
    }
    return h('section', { class: 'fact', 'aria-label': 'Conditions' }, h('h3', null, 'Conditions'),
      conds.length ? list : h('p', null, DASH));
  }

  function findingsSection(truth, v) {
    const findings = arr(obj(truth).findings).concat(arr(obj(v).findings)).map(str).filter((x) => x !== null);
    return h('section', { class: 'fact', 'aria-label': 'Findings' }, h('h3', null, 'Findings'),
      findings.length ? h('ul', { class: 'findings' }, findings.map((f) => h('li', null, f)))
                      : h('p', null, 'None.'));
  }

  // ---- [migration.web]: the last fetch of every path from every old and new address ----
  function webSection(web) {
    const fetches = arr(web.fetches).map(obj);
    if (!fetches.length) return null;
    const certText = (f) => {
      if (bool(f.https) !== true) return DASH;
      if (bool(f.cert_seen) !== true) return 'none';
      if (bool(f.cert_chain_ok) !== true) return 'invalid: ' + orDash(str(f.cert_error));
      if (bool(f.cert_name_matches) !== true) return 'wrong name';
      const until = num(f.cert_not_after_ms);
      return until === null ? 'valid' : 'valid, ' + Math.floor((until - Date.now()) / 86400000) + ' days left';
    };
    const rows = fetches.map((f) => h('tr', null,
      h('td', null, orDash(str(f.side))),
      h('td', null, orDash(str(f.address))),
      h('td', null, bool(f.https) === true ? 'https' : 'http'),
      h('td', null, orDash(str(f.host)) + orDash(str(f.path))),
      h('td', null, str(f.outcome) === 'response' ? String(num(f.status)) : orDash(str(f.outcome))),
      h('td', null, certText(f)),
      h('td', null, num(f.elapsed_seconds) === null ? DASH : Math.round(num(f.elapsed_seconds) * 1000) + ' ms')));
    return h('section', { class: 'fact', 'aria-label': 'Web servers' }, h('h3', null, 'Web servers in parallel operation'),
      h('table', { class: 'grid' },
        h('thead', null, h('tr', null, ['Side', 'Address', 'Scheme', 'Host and path', 'Status', 'Certificate', 'Time'].map((t) => h('th', null, t)))),
        h('tbody', null, rows)));
  }

  // ---- [migration.mail]: the last SMTP exchange with every old and new mail server ----
  function mailSection(mail) {
    const exchanges = arr(mail.exchanges).map(obj);
    const ports = arr(mail.fetch_ports).map(obj);
    if (!exchanges.length && !ports.length) return null;
    const code = (c) => (num(c) ? String(num(c)) : DASH);
    const tlsText = (e) => {
      if (bool(e.tls) !== true) return bool(e.starttls_offered) === true ? 'offered, not made' : 'not offered';
      if (bool(e.cert_chain_ok) !== true) return orDash(str(e.tls_version)) + ', certificate invalid: ' + orDash(str(e.cert_error));
      if (bool(e.cert_name_matches) !== true) return orDash(str(e.tls_version)) + ', certificate not for ' + orDash(str(e.tls_name));
      return orDash(str(e.tls_version)) + ', certificate valid';
    };
    const asked = (ms) => (num(ms) === null ? DASH : new Date(num(ms)).toISOString().replace('.000Z', 'Z'));
    const rows = exchanges.map((e) => h('tr', null,
      h('td', null, orDash(str(e.side))),
      h('td', null, orDash(str(e.address)) + ':' + orDash(num(e.port))),
      h('td', null, str(e.outcome) === 'completed' ? 'ended at ' + orDash(str(e.stage)) : orDash(str(e.outcome))),
      h('td', null, tlsText(e)),
      h('td', null, code(e.rcpt_code)),
      h('td', null, orDash(str(e.last_reply) || str(e.error))),
      h('td', null, asked(e.at_ms))));
    const parts = [h('h3', null, 'Mail servers in parallel operation'),
      h('p', null, 'Asked as a sending server would, for ' + orDash(str(mail.recipient)) + ' (never sending a message).'),
      h('table', { class: 'grid' },
        h('thead', null, h('tr', null, ['Side', 'Server', 'Dialogue', 'TLS', 'RCPT', 'Last reply', 'Asked'].map((t) => h('th', null, t)))),
        h('tbody', null, rows))];
    if (ports.length) {
      parts.push(h('p', null, 'Old server, mail fetching (keep fetching from it until it is shut down): ' +
        ports.map((p) => orDash(str(p.address)) + ' port ' + orDash(num(p.port)) + ' ' + orDash(str(p.outcome))).join(', ')));
    }
    return h('section', { class: 'fact', 'aria-label': 'Mail servers' }, ...parts);
  }

  // ---- [migration.traffic]: the requests the old server's access log recorded ----
  function trafficSection(t) {
    if (str(t.access_log) === null) return null;
    const n = num(t.requests);
    const days = num(t.window_ms) === null ? DASH : duration(num(t.window_ms) / 1000);
    const text = n === null
      ? 'The access log ' + orDash(str(t.access_log)) + ' cannot be read: ' + orDash(str(t.error)) + '.'
      : n + ' request(s) in the last ' + days + ' (at most ' + orDash(num(t.max_requests)) + ' allowed), from ' +
        orDash(str(t.access_log)) + (num(t.last_request_ms) === null ? '.' : '; the last at ' +
        new Date(num(t.last_request_ms)).toISOString().replace('.000Z', 'Z') + '.');
    return h('section', { class: 'fact', 'aria-label': 'Traffic on the old server' },
      h('h3', null, 'Traffic on the old server'), h('p', null, text));
  }

  // ---- the chart of history[].ratio: inline SVG, 0-100 % against time ----
  function chartSection(m, domain, now) {
    const pts = arr(m.history).map(obj)
      .map((p) => ({ t: time(p.t), r: num(p.ratio) }))
      .filter((p) => p.t !== null && p.r !== null)
      .map((p) => ({ t: p.t, r: Math.min(1, Math.max(0, p.r)) }))
      .sort((a, b) => a.t - b.t);
    const head = h('h3', null, 'Propagation over the window');
    if (pts.length === 0) {
      return h('section', { class: 'section' }, head, h('p', null, 'No history yet.'));
    }
    const W = 960, H = 240, L = 44, R = 44, T = 10, B = 28;
    const t0 = pts[0].t;
    const t1 = pts.length > 1 ? pts[pts.length - 1].t : t0 + 60000;
    const x = (t) => L + ((t - t0) / (t1 - t0)) * (W - L - R);
    const y = (r) => T + (1 - r) * (H - T - B);
    const first = pts[0], last = pts[pts.length - 1];
    const desc = 'Propagation ratio of ' + domain + ' from ' + Math.round(first.r * 100) + '% at ' +
      fmtMinute.format(first.t) + ' to ' + Math.round(last.r * 100) + '% at ' + fmtMinute.format(last.t) +
      ', ' + pts.length + ' samples.';
    const g = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img', class: 'ratio-chart',
                           'aria-label': desc, preserveAspectRatio: 'xMidYMid meet' },
      svg('title', null, 'Propagation ratio of ' + domain),
      svg('desc', null, desc));
    for (const r of [0, 0.25, 0.5, 0.75, 1]) {
      g.append(svg('line', { class: r === 0 ? 'axis' : 'grid', x1: L, x2: W - R, y1: y(r), y2: y(r) }),
               svg('text', { x: L - 6, y: y(r) + 4, 'text-anchor': 'end' }, Math.round(r * 100) + '%'));
    }
    // Time ticks: the smallest "nice" step that gives at most 6 labels.
    const steps = [60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 2 * 86400, 7 * 86400]
      .map((s) => s * 1000);
    const spanMs = t1 - t0;
    const step = steps.find((s) => spanMs / s <= 6) || Math.ceil(spanMs / 6 / 86400000) * 86400000;
    const fmt = spanMs > 86400000 || new Date(t0).toDateString() !== new Date(t1).toDateString() ? fmtTickDay : fmtTick;
    // Align ticks to local midnight-based multiples so labels read "06:00", "12:00".
    const tzOffset = new Date(t0).getTimezoneOffset() * 60000;
    for (let t = Math.ceil((t0 - tzOffset) / step) * step + tzOffset; t <= t1; t += step) {
      g.append(svg('line', { class: 'grid', x1: x(t), x2: x(t), y1: T, y2: H - B }),
               svg('text', { x: x(t), y: H - B + 16, 'text-anchor': 'middle' }, fmt.format(t)));
    }
    g.append(svg('line', { class: 'axis', x1: L, x2: L, y1: T, y2: H - B }));
    let d = '';
    for (const p of pts) d += (d === '' ? 'M' : 'L') + x(p.t).toFixed(1) + ' ' + y(p.r).toFixed(1);
    const area = 'M' + x(first.t).toFixed(1) + ' ' + y(0) + d.replace(/^M/, 'L') +
                 'L' + x(last.t).toFixed(1) + ' ' + y(0) + 'Z';
    g.append(svg('path', { class: 'ratio-area', d: area }), svg('path', { class: 'ratio-line', d: d }),
             svg('circle', { class: 'ratio-dot', cx: x(last.t), cy: y(last.r), r: 3.5 }),
             svg('text', { class: 'last', x: Math.min(x(last.t) + 6, W - 2), y: y(last.r) + 4 },
                 Math.round(last.r * 100) + '%'));
    return h('section', { class: 'section' }, head,
      h('figure', { class: 'chart' }, g,
        h('figcaption', null, 'Share of watched targets answering NEW, ' + fmtMinute.format(first.t) +
          ' to ' + fmtMinute.format(last.t) + ' (' + relative(last.t, now) + ').')));
  }

  // ---- the resolver table: rows = resolvers, columns = watched name and type ----
  function buildGrid(m, v, domain, resolverInfo) {
    const cols = new Map();
    const rows = new Map();
    const cell = (o) => {
      const name = str(o.name), rr = str(o.rrtype), res = str(o.resolver);
      if (name === null || rr === null || res === null) return null;
      const key = name + ' ' + rr;
      if (!cols.has(key)) cols.set(key, { key: key, name: name, rrtype: rr });
      if (!rows.has(res)) {
        const info = obj(resolverInfo.get(res));
        rows.set(res, { name: res, operator: str(info.operator), country: str(info.country),
                        address: str(info.address), excluded: bool(info.excluded) === true, cells: new Map() });
      }
      const row = rows.get(res);
      if (!row.cells.has(key)) row.cells.set(key, { target: null, blocker: null });
      return row.cells.get(key);
    };
    for (const t of arr(m.targets).map(obj)) { const c = cell(t); if (c) c.target = t; }
    for (const b of arr(v.blockers).map(obj)) { const c = cell(b); if (c) c.blocker = b; }
    const rel = (name) => (name === domain ? name : name.endsWith('.' + domain) ? name.slice(0, -domain.length - 1) : name);
    const columns = [...cols.values()].sort((a, b) =>
      (a.name === domain ? -1 : 0) - (b.name === domain ? -1 : 0) || a.name.localeCompare(b.name) || a.rrtype.localeCompare(b.rrtype));
    for (const c of columns) c.label = rel(c.name);
    for (const row of rows.values()) {
      row.rank = new Map();
      for (const c of columns) row.rank.set(c.key, cellRank(row.cells.get(c.key)));
      row.worst = [...row.rank.values()].sort((a, b) => a - b);
      row.search = [row.name, row.operator, row.country, row.address,
        ...[...row.cells.values()].map((c) => cellClass(c))].filter((x) => x).join(' ').toLowerCase();
    }
    return { columns: columns, rows: [...rows.values()] };
  }

  // The answer class of a cell; null when no answer was recorded (a target with zero
  // samples, whatever class a blocker carries for it).
  function cellClass(c) {
    if (!c) return null;
    if (c.target && num(c.target.samples) === 0) return null;
    return str(obj(c.target).class) || str(obj(c.blocker).class);
  }
  function cellRank(c) {
    if (!c) return RANK_NONE;
    const reason = str(obj(c.blocker).reason);
    if (reason === 'regression') return RANK_REGRESSION;
    const cls = cellClass(c);
    const rank = own(CLASS_RANK, cls);
    if (rank === null) return RANK_NONE;
    if (rank === CLASS_RANK.NEW && c.blocker) return RANK_HOLD;
    return rank;
  }

  function compareWorst(a, b) {
    for (let i = 0; i < Math.min(a.worst.length, b.worst.length); ++i) {
      if (a.worst[i] !== b.worst[i]) return a.worst[i] - b.worst[i];
    }
    return a.name.localeCompare(b.name);
  }

  function sortRows(rows, ui) {
    const dir = ui.dir === 'descending' ? -1 : 1;
    const text = (v) => (v === null ? '\uffff' : v);
    const byKey = {
      worst: (a, b) => compareWorst(a, b),
      name: (a, b) => dir * a.name.localeCompare(b.name),
      operator: (a, b) => dir * text(a.operator).localeCompare(text(b.operator)) || a.name.localeCompare(b.name),
      country: (a, b) => dir * text(a.country).localeCompare(text(b.country)) || a.name.localeCompare(b.name),
    };
    const cmp = byKey[ui.sort] ||
      ((a, b) => dir * ((a.rank.get(ui.sort) ?? RANK_NONE) - (b.rank.get(ui.sort) ?? RANK_NONE)) || compareWorst(a, b));
    // Excluded resolvers do not count for the verdict: always last.
    return rows.slice().sort((a, b) => (a.excluded - b.excluded) || cmp(a, b));
  }

  function cellNode(row, col, c, now) {
    const t = obj(c && c.target);
    const b = obj(c && c.blocker);
    const cls = cellClass(c);
    const reason = str(b.reason);
    if (!c || cls === null) {
      return h('td', { class: 'cls c-NONE', 'data-class': 'NONE',
                       title: col.name + ' ' + col.rrtype + ' at ' + row.name + ': no answer recorded yet' +
                         (reason !== null ? '\nBlocks SAFE: ' + (own(REASON_TEXT, reason) || reason) : '') },
        h('span', { class: 'name' }, DASH), h('span', { class: 'vh' }, 'no answer recorded yet'),
        reason !== null ? h('span', { class: 'why' }, reason) : null);
    }
    const known = own(CLASS_RANK, cls) !== null;
    const since = time(t.since) ?? time(b.since);
    const expiry = time(t.expiry) ?? time(b.expiry);
    const holdUntil = time(b.hold_until);
    const ttl = num(t.ttl);
    const lines = [col.name + ' ' + col.rrtype + ' at ' + row.name,
      'Class: ' + cls + (own(CLASS_TEXT, cls) ? ' (' + CLASS_TEXT[cls] + ')' : ''),
      'Since: ' + whenText(since, now),
      'Last seen: ' + whenText(time(t.last_seen), now),
      'TTL: ' + secondsText(ttl)];
    if (expiry !== null) lines.push('OLD predicted gone: ' + whenText(expiry, now));
    if (reason !== null) lines.push('Blocks SAFE: ' + (own(REASON_TEXT, reason) || reason));
    if (holdUntil !== null) lines.push('Hold until: ' + whenText(holdUntil, now));
    const legitUntil = time(b.legit_until);
    if (legitUntil !== null) lines.push('OLD may legitimately be served until: ' + whenText(legitUntil, now));
    const samples = num(t.samples), regressions = num(t.regressions);
    if (samples !== null) lines.push('Samples: ' + samples + (regressions !== null ? ', regressions: ' + regressions : ''));
    if (str(t.nsid) !== null) lines.push('NSID: ' + t.nsid);
    const sub = [];
    if (ttl !== null) sub.push('TTL ' + ttl + 's');
    if (expiry !== null && cls !== 'NEW') sub.push('gone ' + relative(expiry, now));
    else if (holdUntil !== null) sub.push('hold ends ' + relative(holdUntil, now));
    else if (since !== null) sub.push('since ' + relative(since, now).replace(/ ago$/, ''));
    const colour = reason === 'regression' ? 'c-REGRESSION' : known ? 'c-' + cls : 'c-ERROR';
    return h('td', { class: 'cls ' + colour, title: lines.join('\n'), 'data-class': known ? cls : 'UNKNOWN' },
      h('span', { class: 'name' }, cls),
      reason !== null ? h('span', { class: 'why' }, reason) : null,
      sub.length ? h('span', { class: 'sub' }, sub.join(' \u00b7 ')) : null);
  }

  function tableSection(domain, grid, now, index) {
    let ui = view.ui.get(domain);
    if (!ui) { ui = initialUi(); view.ui.set(domain, ui); }
    const wrap = h('section', { class: 'section', 'aria-label': 'Resolvers of ' + domain });
    const filterId = 'filter-' + index;
    const input = h('input', { type: 'search', id: filterId, placeholder: 'resolver, operator, country, class',
                               'aria-controls': 'table-' + index, autocomplete: 'off', 'data-focus-key': 'filter ' + domain });
    input.value = ui.filter;
    const count = h('span', { class: 'count', 'aria-live': 'polite' });
    const tbody = h('tbody');
    const sortable = (key, label, extraClass, title) => {
      const th = h('th', { scope: 'col', class: extraClass, title: title,
                           'aria-sort': ui.sort === key ? ui.dir : 'none' });
      const btn = h('button', { type: 'button', 'data-focus-key': 'sort ' + domain + ' ' + key }, label);
      btn.addEventListener('click', () => {
        if (ui.sort === key) ui.dir = ui.dir === 'ascending' ? 'descending' : 'ascending';
        else { ui.sort = key; ui.dir = 'ascending'; }
        rerender();
      });
      th.append(btn);
      return th;
    };
    const headRow = h('tr', null,
      sortable('name', 'Resolver'), sortable('operator', 'Operator'), sortable('country', 'Country'),
      grid.columns.map((c) => sortable(c.key, [c.label, ' ', h('span', { class: 'rr' }, c.rrtype)], 'col',
                                       c.name + ' ' + c.rrtype + ' (sort worst first)')));
    const rows = sortRows(grid.rows, ui);
    const rendered = [];
    for (const row of rows) {
      const tr = h('tr', { class: row.excluded ? 'excluded' : null },
        h('th', { scope: 'row' }, row.name,
          row.excluded ? h('span', { class: 'tag' }, 'excluded') : null,
          row.address !== null ? h('span', { class: 'addr mono' }, row.address) : null),
        h('td', null, orDash(row.operator)), h('td', null, orDash(row.country)),
        grid.columns.map((c) => cellNode(row, c, row.cells.get(c.key), now)));
      rendered.push({ tr: tr, row: row });
      tbody.append(tr);
    }
    const applyFilter = () => {
      const q = ui.filter.trim().toLowerCase();
      let shown = 0;
      for (const r of rendered) {
        const hit = q === '' || r.row.search.includes(q);
        r.tr.hidden = !hit;
        if (hit) ++shown;
      }
      const of = rendered.length + (rendered.length === 1 ? ' resolver' : ' resolvers');
      count.textContent = q === '' ? of : shown + ' of ' + of + ' shown';
    };
    input.addEventListener('input', () => { ui.filter = input.value; applyFilter(); });
    applyFilter();
    const sortText = ui.sort === 'worst' ? 'worst first' : 'sorted by the selected column';
    const table = h('table', { class: 'grid', id: 'table-' + index },
      h('caption', null, 'Answer class per resolver and watched name (' + sortText +
        '; hover a cell for TTL, since and predicted expiry)'),
      h('thead', null, headRow), tbody);
    wrap.append(h('h3', null, 'Resolvers'),
      h('div', { class: 'tools' }, h('label', { for: filterId }, 'Filter'), input, count,
        ui.sort !== 'worst' ? resetButton(ui) : null),
      grid.rows.length === 0 ? h('p', null, 'No answers recorded yet.')
        : h('div', { class: 'scroll', tabindex: 0, role: 'region', 'aria-label': 'Resolver table of ' + domain }, table));
    return wrap;
  }

  // The tables start from the URL fragment when it has one, e.g.
  // status#filter=JP&sort=country&dir=desc (sort: worst, name, operator, country).
  function initialUi() {
    const ui = { sort: 'worst', dir: 'ascending', filter: '' };
    const params = new URLSearchParams(location.hash.replace(/^#/, ''));
    const sort = params.get('sort');
    if (sort === 'worst' || sort === 'name' || sort === 'operator' || sort === 'country') ui.sort = sort;
    if (params.get('dir') === 'desc') ui.dir = 'descending';
    ui.filter = params.get('filter') || '';
    return ui;
  }

  function resetButton(ui) {
    const b = h('button', { type: 'button' }, 'Worst first');
    b.addEventListener('click', () => { ui.sort = 'worst'; ui.dir = 'ascending'; rerender(); });
    return b;
  }

  function migrationCard(m, index, resolverInfo, fresh, now) {
    const v = obj(m.verdict);
    const domain = str(m.domain) || str(v.domain) || '(unnamed migration)';
    const titleId = 'migration-' + index;
    const card = h('section', { class: 'card migration', 'aria-labelledby': titleId },
      h('h2', { id: titleId }, domain));
    try {
      card.append(verdictBox(v, fresh),
        h('div', { class: 'facts' }, progressFact(v), earliestFact(m, v, now), truthFact(m.truth)),
        h('div', { class: 'facts wide' }, conditionsSection(v), findingsSection(m.truth, v)),
        webSection(obj(obj(m.record).web)) || '',  // nothing without [migration.web]
        mailSection(obj(obj(m.record).mail)) || '',  // nothing without [migration.mail]
        trafficSection(obj(obj(m.record).traffic)) || '',  // nothing without [migration.traffic]
        chartSection(m, domain, now),
        tableSection(domain, buildGrid(m, v, domain, resolverInfo), now, index));
    } catch (e) {
      card.append(h('p', { class: 'render-error', role: 'alert' },
        'Cannot show this migration: ' + (e && e.message ? e.message : String(e))));
    }
    return card;
  }

  // ---- whole page ----
  function render() {
    const doc = obj(view.data);
    const now = Date.now();
    renderMeta(doc, now);
    const resolverInfo = new Map();
    for (const r of arr(doc.resolvers).map(obj)) if (str(r.name) !== null) resolverInfo.set(r.name, r);
    const migrations = arr(doc.migrations).map(obj);
    const main = document.getElementById('migrations');
    const focus = rememberFocus();
    if (migrations.length === 0) {
      main.replaceChildren(h('p', { class: 'empty' }, 'No migrations configured. Add a [[migration]] table to the ' +
        'config file and reload dnsprop (SIGHUP).'));
    } else {
      const fresh = freshness(doc, now);
      main.replaceChildren(...migrations.map((m, i) => migrationCard(m, i, resolverInfo, fresh, now)));
    }
    restoreFocus(focus);
    const word = main.querySelector('.verdict .word');
    document.title = migrations.length === 1
      ? (word ? word.textContent : 'UNKNOWN') + ' \u2013 ' + orDash(str(migrations[0].domain)) + ' \u2013 dnsprop'
      : 'dnsprop status';
  }

  function rememberFocus() {
    const a = document.activeElement;
    if (!a || !a.getAttribute || a.getAttribute('data-focus-key') === null) return null;
    return { key: a.getAttribute('data-focus-key'), start: a.selectionStart, end: a.selectionEnd };
  }
  function restoreFocus(f) {
    if (f === null) return;
    for (const e of document.querySelectorAll('[data-focus-key]')) {
      if (e.getAttribute('data-focus-key') !== f.key) continue;
      e.focus();
      if (typeof f.start === 'number' && typeof e.setSelectionRange === 'function') e.setSelectionRange(f.start, f.end);
      return;
    }
  }

  function rerender() {
    if (view.data === null) return;
    try {
      render();
      if (view.error === null) document.body.setAttribute('data-state', 'ok');
    } catch (e) {
      showError('cannot render: ' + (e && e.message ? e.message : String(e)));
    }
  }

  function showError(message) {
    view.error = message;
    view.errorAt = Date.now();
    document.body.setAttribute('data-state', 'error');
    renderFetchLine();
  }

  let timer = null;
  let inFlight = false;
  async function refresh() {
    if (inFlight) return;
    inFlight = true;
    clearTimeout(timer);
    try {
      let doc;
      try {
        // Relative URL: works behind a reverse proxy that adds a path prefix.
        const resp = await fetch('status.json', { cache: 'no-store', headers: { Accept: 'application/json' } });
        if (!resp.ok) throw new Error('HTTP ' + resp.status + (resp.statusText ? ' ' + resp.statusText : ''));
        doc = await resp.json();
        if (!isObj(doc)) throw new Error('the document is not a JSON object');
      } catch (e) {
        showError(e && e.message ? e.message : String(e));
        rerender();  // the last data again, with its age (and staleness) updated
        return;
      }
      view.data = doc;
      view.okAt = Date.now();
      view.error = null;
      try {
        render();
        document.body.setAttribute('data-state', 'ok');
        renderFetchLine();
      } catch (e) {
        showError('cannot render: ' + (e && e.message ? e.message : String(e)));
      }
    } finally {
      inFlight = false;
      timer = setTimeout(refresh, REFRESH_MS);
    }
  }

  // Lets tests see that the stylesheet applied and that nothing was blocked by the CSP.
  let violations = 0;
  document.addEventListener('securitypolicyviolation', (e) => {
    document.body.setAttribute('data-csp-violations', String(++violations));
    document.body.setAttribute('data-csp-last', e.effectiveDirective + ' ' + e.blockedURI);
  });
  document.body.setAttribute('data-css',
    getComputedStyle(document.documentElement).getPropertyValue('--dnsprop-css').trim() === '1' ? 'ok' : 'missing');
  document.getElementById('refresh').addEventListener('click', refresh);
  refresh();
})();
</script>
</body>
</html>
)HTML";

std::string base64(const unsigned char* data, std::size_t size) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((size + 2) / 3 * 4);
  for (std::size_t i = 0; i < size; i += 3) {
    const unsigned b0 = data[i];
    const unsigned b1 = i + 1 < size ? data[i + 1] : 0;
    const unsigned b2 = i + 2 < size ? data[i + 2] : 0;
    out += kAlphabet[b0 >> 2];
    out += kAlphabet[((b0 & 0x3) << 4) | (b1 >> 4)];
    out += i + 1 < size ? kAlphabet[((b1 & 0xf) << 2) | (b2 >> 6)] : '=';
    out += i + 2 < size ? kAlphabet[b2 & 0x3f] : '=';
  }
  return out;
}

// The CSP source for the inline element that starts with `open` (exactly, e.g.
// "<script>") and ends at the next `close`: 'sha256-<base64 of the digest of the text
// in between>', as browsers hash it. "'none'" if the page lacks the element (the unit
// test guards against that).
std::string inlineHashSource(std::string_view page, std::string_view open,
                             std::string_view close) {
  const auto start = page.find(open);
  if (start == std::string_view::npos) return "'none'";
  const auto body = start + open.size();
  const auto end = page.find(close, body);
  if (end == std::string_view::npos) return "'none'";
  const std::string_view text = page.substr(body, end - body);
  std::array<unsigned char, LDNS_SHA256_DIGEST_LENGTH> digest{};
  ldns_sha256(reinterpret_cast<const unsigned char*>(text.data()),
              static_cast<unsigned int>(text.size()), digest.data());
  return "'sha256-" + base64(digest.data(), digest.size()) + "'";
}

std::string buildPolicy() {
  // default-src 'none' and only what the page needs: its own inline script and style
  // (by hash, so an injected <script> could not run), fetch() of status.json from the
  // same origin, the empty data: favicon. No framing, no <base>, no form targets.
  return "default-src 'none'; script-src " +
         inlineHashSource(kPage, "<script>", "</script>") + "; style-src " +
         inlineHashSource(kPage, "<style>", "</style>") +
         "; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; "
         "frame-ancestors 'none'";
}

}  // namespace

std::string_view statusPageHtml() {
  // The raw string starts with the newline after its opening delimiter.
  return kPage.substr(1);
}

std::string_view statusPageContentSecurityPolicy() {
  static const std::string policy = buildPolicy();
  return policy;
}

WebServer::Response statusPageResponse() {
  WebServer::Response r;
  r.content_type = "text/html; charset=utf-8";
  r.body = std::string(statusPageHtml());
  r.headers = {
      {"Content-Security-Policy", std::string(statusPageContentSecurityPolicy())},
      {"Cache-Control", "no-cache"},
      {"Referrer-Policy", "no-referrer"},
  };
  return r;
}

WebServer::Response statusJsonResponse(std::string document) {
  WebServer::Response r;
  r.content_type = "application/json";
  r.headers = {{"Cache-Control", "no-store"}};
  if (document.empty()) {
    r.status = 503;
    r.body = "{\"error\":\"no status yet: the first round has not completed\"}\n";
    return r;
  }
  r.body = std::move(document);
  return r;
}

void registerStatusPage(WebServer& server, std::function<std::string()> status_json) {
  server.handle("/status", [](const WebServer::Request&) { return statusPageResponse(); });
  server.handle("/status.json", [producer = std::move(status_json)](const WebServer::Request&) {
    return statusJsonResponse(producer ? producer() : std::string());
  });
}

}  // namespace dnsprop
