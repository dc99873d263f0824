-- wrk script for bench/http_intake.sh: POSTs alert_created events with
-- unique ids to /v1/events, one per request, or BATCH per request as NDJSON.
-- Environment: ASH_TOKEN (the API token), BATCH (events per request, 1 =
-- a single JSON event), AT (the event time, RFC 3339).

local token = os.getenv("ASH_TOKEN")
local batch = tonumber(os.getenv("BATCH") or "1")
local at = os.getenv("AT")
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_id", thread_count)
end

local counter = 0

local function event()
  counter = counter + 1
  local id = string.format("bench-%d-%d", thread_id, counter)
  local message_id = thread_id * 1000000000 + counter
  return string.format(
    '{"type":"alert_created","alert_id":"%s","alert_message_id":"%d","user_id":"200000000000000001",' ..
    '"channel_id":"300000000000000001","severity":"high","at":"%s"}', id, message_id, at)
end

function request()
  local lines = {}
  for i = 1, batch do lines[i] = event() end
  local content_type = batch > 1 and "application/x-ndjson" or "application/json"
  return wrk.format("POST", "/v1/events",
    {["Authorization"] = "Bearer " .. token, ["Content-Type"] = content_type},
    table.concat(lines, "\n"))
end

function done(summary, latency, requests)
  io.write(string.format("RESULT requests=%d duration_s=%.2f rps=%.1f events_per_s=%.1f p50_ms=%.3f p99_ms=%.3f errors=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    batch * summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
