#!/usr/bin/env bash
# Installs the dependencies, builds everything, and runs every test: the
# suites on a normal build, again under AddressSanitizer and
# UndefinedBehaviorSanitizer, then a short libFuzzer run of the event
# parser. Each test starts its own redis-server on a unix socket.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS

jobs="$(nproc)"
scripts/setup.sh

echo "== build and test (RelWithDebInfo)"
# Benchmarks are built and run by hand (docs/performance.md), not here.
# -O1 without debug info, and -g1 below, keep the two builds within CI's time.
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g0" \
  -DASH_BUILD_BENCH=OFF >/dev/null
cmake --build build -j"$jobs"
ctest --test-dir build -j"$jobs" --output-on-failure

echo "== build and test under AddressSanitizer and UndefinedBehaviorSanitizer"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O0 -g1" -DASH_SANITIZE=ON \
  -DASH_BUILD_BENCH=OFF >/dev/null
cmake --build build-asan -j"$jobs"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan -j"$jobs" --output-on-failure

echo "== fuzz the event parser"
scripts/fuzz-smoke.sh "${FUZZ_SECONDS:-20}"
echo "== all stages passed in $(( (SECONDS - started) / 60 )) min"
