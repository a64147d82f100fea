#!/usr/bin/env bash
# One command: /metrics rendering cost with ~100k series, stock prometheus-cpp
# (Registry::Collect + TextSerializer) against http/series_table.h, one process each,
# pinned to one core. Then checks that both texts hold the same lines and that
# promtool accepts ours.
#   bench/run_scrape_bench.sh [resolvers=1400] [scrapes=21]
# 2 domains x 5 names x 1 rrtype x resolvers x 7 states series (1400 -> 98,000).
# Needs: a build in build/ (scripts/build.sh; or DNSPROP_BUILD_DIR=...), promtool
# (package prometheus, scripts/install-deps.sh --test) for the format check.
set -euo pipefail
cd "$(dirname "$0")/.."
resolvers=${1:-1400}
scrapes=${2:-21}
bin=${DNSPROP_BUILD_DIR:-build}/bench/scrape_bench
[[ -x $bin ]] || { echo "build first: scripts/build.sh" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pin=()
if command -v taskset >/dev/null 2>&1 && (( $(nproc) > 1 )); then pin=(taskset -c 1); fi

"${pin[@]}" "$bin" --impl stock --resolvers "$resolvers" --scrapes "$scrapes" --dump "$tmp/stock.txt" --header
"${pin[@]}" "$bin" --impl table --resolvers "$resolvers" --scrapes "$scrapes" --dump "$tmp/table.txt"

if cmp -s <(sed 's/ Nan$/ NaN/' "$tmp/stock.txt" | sort) <(sort "$tmp/table.txt"); then
  echo "same lines: yes ($(wc -l < "$tmp/table.txt") lines)"
else
  echo "same lines: NO" >&2
  diff <(sort "$tmp/stock.txt") <(sort "$tmp/table.txt") | head -20 >&2
  exit 1
fi
if command -v promtool >/dev/null 2>&1; then
  promtool check metrics < "$tmp/table.txt" && echo "promtool check metrics: ok"
else
  echo "promtool not installed: format check skipped"
fi
