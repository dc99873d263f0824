#!/usr/bin/env bash
# Builds the libFuzzer target for the event and Ash-Bot v5 record parsers
# with clang, then fuzzes it for N seconds (default 20) on a copy of
# fuzz/corpus, so the checked-in corpus stays as it is.
# Usage: scripts/fuzz-smoke.sh [SECONDS]
# A crashing input is saved in the build folder (FUZZ_BUILD_DIR, default
# build-fuzz) as crash-<hash>, and the script exits non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-20}"
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "fuzz-smoke.sh: SECONDS must be a whole number of at least 1 (got '$seconds')" >&2
  exit 2
fi
build_dir="${FUZZ_BUILD_DIR:-build-fuzz}"

CXX=clang++ cmake -S . -B "$build_dir" -DASH_FUZZ=ON >/dev/null
cmake --build "$build_dir" -j"$(nproc)" --target event_parser_fuzz

work_dir="$(mktemp -d)"
trap 'rm -rf "$work_dir"' EXIT
cp -R fuzz/corpus "$work_dir/corpus"

echo "== fuzzing the event parser for ${seconds} s"
"$build_dir/fuzz/event_parser_fuzz" -max_total_time="$seconds" -print_final_stats=1 \
  -artifact_prefix="$(cd "$build_dir" && pwd)/" "$work_dir/corpus"
