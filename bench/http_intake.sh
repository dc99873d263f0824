#!/usr/bin/env bash
# Measures HTTP event intake of `ash-metrics serve` with wrk on loopback:
# single JSON events and NDJSON batches of 100, next to `ash-metrics ingest`
# of a file in the same run. Each case gets a fresh private redis-server on a
# unix socket. Usage: bench/http_intake.sh [path/to/ash-metrics] [duration]
set -euo pipefail

binary=$(realpath "${1:-build/ash-metrics}")
duration=${2:-10s}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
token=bench-token-$RANDOM$RANDOM
port=$((30000 + RANDOM % 20000))
redis_pid=""
serve_pid=""

cleanup() {
  if [[ -n "$serve_pid" ]]; then
    kill "$serve_pid" 2>/dev/null || true
    wait "$serve_pid" 2>/dev/null || true
  fi
  if [[ -n "$redis_pid" ]]; then
    kill "$redis_pid" 2>/dev/null || true
    wait "$redis_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

start_redis() {
  rm -f "$work/redis.sock"
  redis-server --port 0 --unixsocket "$work/redis.sock" --save '' --appendonly no --logfile "$work/redis.log" &
  redis_pid=$!
  for _ in $(seq 100); do [[ -S "$work/redis.sock" ]] && return; sleep 0.05; done
  echo "redis-server did not start; see $work/redis.log" >&2
  exit 1
}

stop_redis() {
  kill "$redis_pid"
  wait "$redis_pid" 2>/dev/null || true
  redis_pid=""
}

start_serve() {
  mkdir -p "$work/serve/secrets"
  printf '%s' "$token" > "$work/serve/secrets/metrics_api_token"
  (cd "$work/serve" && BOT_METRICS_HTTP_PORT=$port BOT_SECRETS_DIR="$work/serve/secrets" \
    BOT_WEEKLY_REPORT_ENABLED=false BOT_RETENTION_ENABLED=false BOT_LOG_LEVEL=warn \
    exec "$binary" serve --redis-url "unix://$work/redis.sock" >"$work/serve.log" 2>&1) &
  serve_pid=$!
  for _ in $(seq 200); do
    curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 && return
    sleep 0.05
  done
  echo "ash-metrics serve did not start; see its log:" >&2
  cat "$work/serve.log" >&2
  exit 1
}

stop_serve() {
  kill -TERM "$serve_pid"
  wait "$serve_pid" || true
  serve_pid=""
}

# An event time one hour ago, inside every retention window.
at=$(date -u -d '1 hour ago' +%Y-%m-%dT%H:%M:%SZ)

run_wrk() {
  local batch=$1 connections=$2
  start_redis
  start_serve
  ASH_TOKEN=$token BATCH=$batch AT=$at wrk -t2 -c"$connections" -d"$duration" --latency \
    -s "$here/http_intake_events.lua" "http://127.0.0.1:$port" | grep '^RESULT' | sed "s/^RESULT/batch=$batch connections=$connections/"
  stop_serve
  stop_redis
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ), duration per case: $duration"
run_wrk 1 8
run_wrk 100 8

# The command-line intake of 100,000 events, for comparison.
start_redis
python3 - "$at" > "$work/events.ndjson" <<'PY'
import json, sys
at = sys.argv[1]
for i in range(100000):
    print(json.dumps({"type": "alert_created", "alert_id": f"ingest-{i}", "alert_message_id": str(10**12 + i),
                      "user_id": "200000000000000001", "channel_id": "300000000000000001",
                      "severity": "high", "at": at}))
PY
start_ns=$(date +%s%N)
"$binary" ingest --redis-url "unix://$work/redis.sock" "$work/events.ndjson" > /dev/null
end_ns=$(date +%s%N)
awk -v ns=$((end_ns - start_ns)) 'BEGIN { printf "ingest events=100000 seconds=%.2f events_per_s=%.1f\n", ns / 1e9, 100000 / (ns / 1e9) }'
stop_redis
