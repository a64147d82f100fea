#!/usr/bin/env bash
# The README's test command (and what .ci/run calls): installs what is missing, then
#   1. builds with warnings as errors in build/ and runs the whole suite with ctest;
#   2. builds with ASan + UBSan in build-asan/ and runs the suite again, except the
#      tests labelled `tooling` (package build, dashboards, docs: tests/CMakeLists.txt);
#   3. builds the libFuzzer target with clang in build-fuzz/ and fuzzes answer
#      acceptance for a bounded time (DNSPROP_FUZZ_SECONDS, default 60).
# Options (for day-to-day work; CI runs everything):
#   --quick      step 1 only
#   --sanitize   step 2 only
#   --fuzz       step 3 only
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test

steps=(normal sanitize fuzz)
case "${1:-}" in
  "") ;;
  --quick) steps=(normal) ;;
  --sanitize) steps=(sanitize) ;;
  --fuzz) steps=(fuzz) ;;
  *) echo "usage: scripts/test.sh [--quick|--sanitize|--fuzz]" >&2; exit 64 ;;
esac

run_normal() {
  echo "== build (warnings as errors) and test =="
  DNSPROP_BUILD_DIR=build scripts/build.sh -DDNSPROP_WERROR=ON -DDNSPROP_TESTS=ON
  ctest --test-dir build --output-on-failure --timeout 600
}

run_sanitize() {
  echo "== ASan/UBSan build and test =="
  DNSPROP_BUILD_DIR=build-asan scripts/build.sh -DDNSPROP_WERROR=ON -DDNSPROP_SANITIZE=ON \
    -DDNSPROP_BENCH=OFF -DCMAKE_BUILD_TYPE=Debug
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1} \
  UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
    ctest --test-dir build-asan --output-on-failure --timeout 900 --label-exclude tooling
}

run_fuzz() {
  echo "== fuzz answer acceptance (${DNSPROP_FUZZ_SECONDS:-60} s) =="
  local gen=()
  if command -v ninja >/dev/null 2>&1; then gen=(-G Ninja); fi
  [[ -f build-fuzz/CMakeCache.txt ]] && gen=()
  CC=clang CXX=clang++ cmake -S . -B build-fuzz "${gen[@]}" -DDNSPROP_FUZZ=ON -DDNSPROP_TESTS=OFF \
    -DDNSPROP_BENCH=OFF >/dev/null
  cmake --build build-fuzz --target accept_fuzz --parallel "$(nproc)"
  local scratch
  scratch=$(mktemp -d)
  cp fuzz/corpus/accept/* "$scratch/"
  # New inputs go to the scratch folder (the first one), never into the checked-in corpus.
  build-fuzz/fuzz/accept_fuzz -max_total_time="${DNSPROP_FUZZ_SECONDS:-60}" -timeout=10 \
    -rss_limit_mb=4096 -print_final_stats=1 "$scratch" fuzz/corpus/accept
  rm -rf "$scratch"
}

for s in "${steps[@]}"; do "run_$s"; done
