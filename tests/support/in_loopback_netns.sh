#!/usr/bin/env bash
# Runs a command in a new network namespace that has only the loopback interface (up):
# 127.0.0.0/8 and ::1 work, nothing else is routable (no IPv6 route, no default route).
# Exit 77 (ctest: skipped) where namespaces cannot be made (not root, no CAP_SYS_ADMIN).
set -euo pipefail
command -v unshare >/dev/null && command -v ip >/dev/null || { echo "unshare or ip missing: skipped"; exit 77; }
unshare -n true 2>/dev/null || { echo "cannot create a network namespace here: skipped"; exit 77; }
exec unshare -n bash -c 'ip link set lo up && exec "$@"' in_loopback_netns "$@"
