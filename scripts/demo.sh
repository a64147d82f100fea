#!/usr/bin/env bash
# The README's demo: installs what is missing (with the DNS servers the tests use),
# builds, and runs a whole migration on loopback: a fake root and parent zone, an old
# and a new authoritative server, Unbound, Knot Resolver, PowerDNS Recursor and dnsmasq;
# `dnsprop run` watches, the delegation switches, and `dnsprop check` turns SAFE within
# a few minutes thanks to TTLs of seconds. Needs root (port 53 on 127.0.79.x).
#   scripts/demo.sh                 run once and exit (0 when SAFE was reached)
#   DNSPROP_DEMO_HOLD=1 scripts/demo.sh   keep everything running afterwards (status page)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
scripts/build.sh -DDNSPROP_TESTS=ON -DDNSPROP_BENCH=OFF
build_dir="${DNSPROP_BUILD_DIR:-build}"
cmake --build "$build_dir" --target dnsprop_demo
exec "$build_dir/tests/dnsprop_demo" "$build_dir/dnsprop" "${DNSPROP_DEMO_PORT:-10153}"
