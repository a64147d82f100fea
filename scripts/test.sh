#!/usr/bin/env bash
# The README's test command (and what .ci/run calls): installs what is missing,
# builds with warnings as errors, and runs the whole test suite with ctest.
#   scripts/test.sh              normal build in build/
#   scripts/test.sh --sanitize   ASan/UBSan build in build-asan/
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test

opts=(-DDNSPROP_WERROR=ON -DDNSPROP_TESTS=ON)
build_dir=${DNSPROP_BUILD_DIR:-build}
if [[ "${1:-}" == "--sanitize" ]]; then
  opts+=(-DDNSPROP_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug)
  build_dir=${DNSPROP_BUILD_DIR:-build-asan}
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
fi
DNSPROP_BUILD_DIR=$build_dir scripts/build.sh "${opts[@]}"
ctest --test-dir "$build_dir" --output-on-failure --timeout 600
