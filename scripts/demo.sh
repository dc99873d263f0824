#!/usr/bin/env bash
# Installs the dependencies, builds ash-metrics, and runs `ash-metrics demo`:
# a private redis-server, a simulated week of events, and its report.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target ash-metrics
./build/ash-metrics demo "$@"
