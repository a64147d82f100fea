#!/usr/bin/env bash
# The README's run command: installs what is missing, builds, and runs the monitor
# on the default config (config/dnsprop.toml) until Ctrl-C / SIGTERM.
#   scripts/run.sh [extra dnsprop run flags]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh -DDNSPROP_TESTS=OFF -DDNSPROP_BENCH=OFF
exec "${DNSPROP_BUILD_DIR:-build}/dnsprop" --config.file config/dnsprop.toml run "$@"
