#!/bin/bash
# Takes a PNG screenshot of dnsprop's status page with headless Chromium (Debian's
# `chromium` package, installed by scripts/install-deps.sh).
#
#   scripts/screenshot-status.sh URL OUT.png [WIDTHxHEIGHT]
#
#   scripts/screenshot-status.sh http://127.0.0.1:10153/status docs/img/status-page.png
#
# URL is the page itself (…/status); it must be reachable without a host name lookup
# (an IP address or localhost): Chromium runs with every other name lookup failing and
# its background services off, so it contacts nothing but the page's own server.
# The page fetches status.json once and renders; the screenshot is taken after 5 s of
# virtual time. WIDTHxHEIGHT is the window (default 1280x2000: one migration fits).
# Times on the page are shown in $TZ (default UTC here, for reproducible images).
# Exit status: 0 written, 1 Chromium failed or wrote nothing, 64 usage.
set -euo pipefail

usage() {
  echo "usage: $0 URL OUT.png [WIDTHxHEIGHT]" >&2
  exit 64
}
[[ $# -ge 2 && $# -le 3 ]] || usage
url=$1
out=$2
size=${3:-1280x2000}
[[ $size =~ ^([0-9]+)x([0-9]+)$ ]] || usage
width=${BASH_REMATCH[1]}
height=${BASH_REMATCH[2]}
[[ $url == http://* || $url == https://* ]] || { echo "$0: URL must be http:// or https://" >&2; exit 64; }

chromium=${CHROMIUM:-/usr/bin/chromium}
if [[ ! -x $chromium ]]; then
  echo "$0: $chromium not found (apt-get install chromium, or set CHROMIUM)" >&2
  exit 1
fi

profile=$(mktemp -d "${TMPDIR:-/tmp}/dnsprop-chromium-XXXXXX")
trap 'rm -rf "$profile"' EXIT
out_abs=$(realpath -m -- "$out")
mkdir -p -- "$(dirname -- "$out_abs")"
rm -f -- "$out_abs"

# --no-sandbox: Chromium refuses to run as root with its sandbox (CI runs as root); the
# page comes from our own server. The rest keeps Chromium from reaching the network.
if ! TZ=${TZ:-UTC} timeout -k 5 90 "$chromium" \
    --headless=new --no-sandbox --disable-gpu --hide-scrollbars --lang=en-US \
    --user-data-dir="$profile" --no-first-run --no-default-browser-check \
    --disable-background-networking --disable-component-update --disable-sync \
    --disable-default-apps --disable-extensions --disable-domain-reliability \
    --disable-client-side-phishing-detection --no-pings --metrics-recording-only \
    --disable-features=Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider \
    --host-resolver-rules="MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.*, EXCLUDE ::1" \
    --virtual-time-budget=5000 --window-size="$width,$height" \
    --screenshot="$out_abs" "$url" >"$profile/chromium.log" 2>&1; then
  echo "$0: chromium failed; its output:" >&2
  cat "$profile/chromium.log" >&2
  exit 1
fi
if [[ ! -s $out_abs ]]; then
  echo "$0: chromium wrote no screenshot; its output:" >&2
  cat "$profile/chromium.log" >&2
  exit 1
fi
echo "$out_abs"
