#!/usr/bin/env bash
# One command: the probe engine and dnsperf against the same NSD (one worker) on
# loopback, one after the other, on one core each. Prints both results.
#   bench/run_engine_bench.sh [duration_seconds=10] [concurrency=256]
# Needs: a build in build/ (scripts/build.sh), nsd and dnsperf (scripts/install-deps.sh --test).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
conc=${2:-256}
bin=${DNSPROP_BUILD_DIR:-build}/bench/engine_bench
[[ -x $bin ]] || { echo "build first: scripts/build.sh" >&2; exit 1; }
tmp=$(mktemp -d)
nsd_pid=""
cleanup() { [[ -n $nsd_pid ]] && kill "$nsd_pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

cat > "$tmp/bench.test.zone" <<ZONE
\$ORIGIN bench.test.
\$TTL 300
@ IN SOA ns.bench.test. hostmaster.bench.test. 1 3600 600 86400 300
@ IN NS ns.bench.test.
ns IN A 127.0.0.1
* IN A 192.0.2.1
ZONE
cat > "$tmp/nsd.conf" <<CONF
server:
  ip-address: 127.0.0.1@$port
  server-count: 1
  username: ""
  chroot: ""
  zonesdir: "$tmp"
  pidfile: "$tmp/nsd.pid"
  database: ""
  zonelistfile: "$tmp/zone.list"
  xfrdfile: "$tmp/xfrd.state"
  xfrdir: "$tmp"
  verbosity: 0
  hide-version: yes
  rrl-ratelimit: 0
  rrl-whitelist-ratelimit: 0
remote-control:
  control-enable: no
zone:
  name: bench.test
  zonefile: bench.test.zone
CONF
# NSD on core 0, the client under test on core 1.
taskset -c 0 nsd -d -c "$tmp/nsd.conf" > "$tmp/nsd.log" 2>&1 &
nsd_pid=$!
ready=0
for _ in $(seq 1 50); do
  if drill -p "$port" @127.0.0.1 n1.bench.test A 2>/dev/null | grep -q 192.0.2.1; then ready=1; break; fi
  sleep 0.1
done
[[ $ready == 1 ]] || { echo "nsd did not come up:" >&2; cat "$tmp/nsd.log" >&2; exit 1; }

for i in $(seq 0 999); do echo "n$i.bench.test A"; done > "$tmp/queries"
echo "== dnsperf: 1 thread, 1 client socket, $conc outstanding =="
taskset -c 1 dnsperf -s 127.0.0.1 -p "$port" -d "$tmp/queries" -l "$secs" -c 1 -T 1 -q "$conc" 2>&1 \
  | grep -E "Queries sent|Queries completed|Queries lost|Queries per second|Average Latency"
echo "== dnsprop engine: a fresh socket per probe, $conc in flight =="
${BENCH_WRAP:-} taskset -c 1 "$bin" --server "127.0.0.1:$port" --duration "${secs}s" --concurrency "$conc" --names 1000
