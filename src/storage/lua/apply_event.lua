-- Applies one alert lifecycle event, or converts one Ash-Bot v5 record, as
-- a single atomic step. Called by src/storage/event_store.cc; the key
-- layout is described in docs/storage.md.
--
-- Keys are derived inside the script (the alert id may come from a lookup),
-- so the script needs a single Redis instance, not a cluster.
--
-- ARGV (every call):
--   1 type: alert_created | acknowledged | ash_contacted | first_response |
--           user_opted_out | resolved | convert_legacy
--   2 alert_id (may be "" when 3 is given)
--   3 alert_message_id (may be "")
--   4 event time, epoch ms
--   5 now (the caller's clock), epoch ms: expiries are computed from it
--   6 event_id (may be "")
--   7 alert retention, ms
--   8 aggregate retention, ms
--   9.. by type:
--     alert_created:  user_id, channel_id, guild_id or "", severity, channel_sensitivity
--     acknowledged:   by
--     ash_contacted:  initiated_by (id or "auto"), auto ("1" or "0")
--     first_response: responder_id
--     resolved:       by or ""
--     convert_legacy: the v5 member read by the caller, then field/value
--                     pairs of the record in the current layout
--
-- Returns {status, alert_id, note}. status is one of applied, duplicate,
-- already_recorded, unknown_alert, legacy_record (convert, then retry),
-- expired (older than the retention), conflict (the message id belongs to
-- another alert), changed (the v5 record changed since the caller read it).
-- note is "clock_skew" when the event predates the alert's creation.

local ALERT_PREFIX = 'ash:metrics:alert:'
local LOOKUP_PREFIX = 'ash:metrics:alert_lookup:'
local DAILY_PREFIX = 'ash:metrics:daily:'
local INDEX_KEY = 'ash:metrics:index:created'
local EVENT_ID_PREFIX = 'ash:metrics:event_id:'
local EVENT_ID_TTL_MS = 7 * 86400000
local DAY_MS = 86400000

local event_type = ARGV[1]
local alert_id = ARGV[2]
local message_id = ARGV[3]
local event_ms = tonumber(ARGV[4])
local now_ms = tonumber(ARGV[5])
local event_id = ARGV[6]
local alert_ttl_ms = tonumber(ARGV[7])
local aggregate_ttl_ms = tonumber(ARGV[8])

local function int_text(n)
  return string.format('%d', n)
end

-- UTC calendar date of an epoch-ms instant (days-to-civil conversion).
local function civil_date(ms)
  local z = math.floor(ms / DAY_MS) + 719468
  local era = math.floor(z / 146097)
  local doe = z - era * 146097
  local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524) - math.floor(doe / 146096)) / 365)
  local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
  local mp = math.floor((5 * doy + 2) / 153)
  local day = doy - math.floor((153 * mp + 2) / 5) + 1
  local month = mp < 10 and mp + 3 or mp - 9
  local year = yoe + era * 400
  if month <= 2 then year = year + 1 end
  return string.format('%04d-%02d-%02d', year, month, day)
end

-- Log-scale histogram bucket; the same formula as HistogramBucket in
-- src/domain/daily_aggregate.cc.
local function histogram_bucket(seconds)
  if seconds < 16 then return seconds end
  local exponent = 0
  local v = seconds
  while v >= 2 do
    v = math.floor(v / 2)
    exponent = exponent + 1
  end
  local sub = math.floor(seconds / 2 ^ (exponent - 3)) % 8
  return 16 + (exponent - 4) * 8 + sub
end

local function elapsed_seconds(created_ms, at_ms)
  if at_ms < created_ms then return 0, 'clock_skew' end
  return math.floor((at_ms - created_ms) / 1000), ''
end

-- The daily aggregate of the alert's creation day, or nil when it expired.
-- A v5 aggregate (a sorted set, with defective counts) is replaced when
-- `create` is set.
local function daily_key(created_ms, create)
  local key = DAILY_PREFIX .. civil_date(created_ms)
  local kind = redis.call('TYPE', key).ok
  if kind == 'hash' then return key end
  if not create then return nil end
  if kind ~= 'none' then redis.call('DEL', key) end
  return key
end

local function expire_daily(key, created_ms)
  local day_end = (math.floor(created_ms / DAY_MS) + 1) * DAY_MS
  local ttl = day_end + aggregate_ttl_ms - now_ms
  if ttl > 0 then
    redis.call('PEXPIRE', key, int_text(ttl))
  else
    redis.call('DEL', key)
  end
end

local function add_created(key, created_ms, severity)
  local hour = math.floor((created_ms % DAY_MS) / 3600000)
  redis.call('HINCRBY', key, 'total', 1)
  redis.call('HINCRBY', key, 'severity:' .. severity, 1)
  redis.call('HINCRBY', key, string.format('hour:%02d', hour), 1)
end

local function add_duration(key, step, seconds)
  redis.call('HINCRBY', key, step .. ':count', 1)
  redis.call('HINCRBY', key, step .. ':sum', int_text(seconds))
  local min = redis.call('HGET', key, step .. ':min')
  if not min or seconds < tonumber(min) then redis.call('HSET', key, step .. ':min', int_text(seconds)) end
  local max = redis.call('HGET', key, step .. ':max')
  if not max or seconds > tonumber(max) then redis.call('HSET', key, step .. ':max', int_text(seconds)) end
end

local function add_acknowledgment(key, seconds, by)
  add_duration(key, 'acknowledge', seconds)
  redis.call('HINCRBY', key, 'acknowledge_hist:' .. int_text(histogram_bucket(seconds)), 1)
  if by and by ~= '' then redis.call('HINCRBY', key, 'responder:' .. by, 1) end
end

local function add_ash_contact(key, seconds, auto)
  add_duration(key, 'ash_contact', seconds)
  redis.call('HINCRBY', key, auto and 'ash:auto' or 'ash:manual', 1)
end

local function remember_event_id(id)
  if event_id ~= '' then
    redis.call('SET', EVENT_ID_PREFIX .. event_id, id, 'PX', EVENT_ID_TTL_MS)
  end
end

-- Converts the v5 record of alert_id into the current layout, adds it to
-- its day's aggregate, and indexes it.
local function convert_legacy()
  local key = ALERT_PREFIX .. alert_id
  if redis.call('TYPE', key).ok ~= 'zset' then return {'duplicate', alert_id, ''} end
  local newest = redis.call('ZRANGE', key, -1, -1)[1]
  if newest ~= ARGV[9] then return {'changed', alert_id, ''} end

  local record = {}
  local fields = {}
  for i = 10, #ARGV, 2 do
    record[ARGV[i]] = ARGV[i + 1]
    fields[#fields + 1] = ARGV[i]
    fields[#fields + 1] = ARGV[i + 1]
  end
  local created_ms = tonumber(record.created_at)
  local ttl = created_ms + alert_ttl_ms - now_ms

  redis.call('DEL', key)
  local lookup = LOOKUP_PREFIX .. record.alert_message_id
  local lookup_kind = redis.call('TYPE', lookup).ok
  if lookup_kind == 'zset' then redis.call('DEL', lookup) end
  if ttl <= 0 then
    redis.call('ZREM', INDEX_KEY, alert_id)
    return {'expired', alert_id, ''}
  end

  redis.call('HSET', key, unpack(fields))
  redis.call('PEXPIRE', key, int_text(ttl))
  redis.call('SET', lookup, alert_id, 'PX', int_text(ttl))
  redis.call('ZADD', INDEX_KEY, record.created_at, alert_id)

  local daily = daily_key(created_ms, true)
  add_created(daily, created_ms, record.severity)
  if record.time_to_acknowledge_seconds then
    add_acknowledgment(daily, tonumber(record.time_to_acknowledge_seconds), record.acknowledged_by)
  end
  if record.time_to_ash_seconds then
    add_ash_contact(daily, tonumber(record.time_to_ash_seconds), record.was_auto_initiated == '1')
  end
  if record.time_to_response_seconds then
    add_duration(daily, 'response', tonumber(record.time_to_response_seconds))
  end
  if record.time_to_resolve_seconds then
    add_duration(daily, 'resolve', tonumber(record.time_to_resolve_seconds))
  end
  if record.user_opted_out == '1' then redis.call('HINCRBY', daily, 'opted_out', 1) end
  expire_daily(daily, created_ms)
  return {'applied', alert_id, ''}
end

local function create_alert()
  local key = ALERT_PREFIX .. alert_id
  if redis.call('EXISTS', key) == 1 then return {'duplicate', alert_id, ''} end
  local lookup = LOOKUP_PREFIX .. message_id
  local lookup_kind = redis.call('TYPE', lookup).ok
  if lookup_kind == 'string' then
    return {'conflict', redis.call('GET', lookup), ''}
  elseif lookup_kind == 'zset' then
    return {'conflict', redis.call('ZRANGE', lookup, -1, -1)[1] or '', ''}
  end

  local ttl = event_ms + alert_ttl_ms - now_ms
  if ttl <= 0 then return {'expired', alert_id, ''} end

  local severity = ARGV[12]
  redis.call('HSET', key, 'alert_id', alert_id, 'alert_message_id', message_id, 'user_id', ARGV[9],
    'channel_id', ARGV[10], 'severity', severity, 'channel_sensitivity', ARGV[13],
    'created_at', ARGV[4], 'was_auto_initiated', '0', 'user_opted_out', '0')
  if ARGV[11] ~= '' then redis.call('HSET', key, 'guild_id', ARGV[11]) end
  redis.call('PEXPIRE', key, int_text(ttl))
  redis.call('SET', lookup, alert_id, 'PX', int_text(ttl))
  redis.call('ZADD', INDEX_KEY, ARGV[4], alert_id)

  local daily = daily_key(event_ms, true)
  add_created(daily, event_ms, severity)
  expire_daily(daily, event_ms)
  remember_event_id(alert_id)
  return {'applied', alert_id, ''}
end

-- Records one lifecycle step: the first event wins.
local function record_step(key, created_ms)
  local daily = daily_key(created_ms, false)

  if event_type == 'user_opted_out' then
    if redis.call('HGET', key, 'user_opted_out') == '1' then return {'already_recorded', alert_id, ''} end
    redis.call('HSET', key, 'user_opted_out', '1', 'user_opted_out_at', ARGV[4])
    if daily then redis.call('HINCRBY', daily, 'opted_out', 1) end
    remember_event_id(alert_id)
    return {'applied', alert_id, ''}
  end

  local at_field = ({acknowledged = 'acknowledged_at', ash_contacted = 'ash_contacted_at',
                     first_response = 'first_response_at', resolved = 'resolved_at'})[event_type]
  if redis.call('HEXISTS', key, at_field) == 1 then return {'already_recorded', alert_id, ''} end
  local seconds, note = elapsed_seconds(created_ms, event_ms)
  local seconds_text = int_text(seconds)

  if event_type == 'acknowledged' then
    redis.call('HSET', key, 'acknowledged_at', ARGV[4], 'acknowledged_by', ARGV[9],
      'time_to_acknowledge_seconds', seconds_text)
    if daily then add_acknowledgment(daily, seconds, ARGV[9]) end
  elseif event_type == 'ash_contacted' then
    local auto = ARGV[10] == '1'
    redis.call('HSET', key, 'ash_contacted_at', ARGV[4], 'ash_initiated_by', ARGV[9],
      'was_auto_initiated', auto and '1' or '0', 'time_to_ash_seconds', seconds_text)
    if daily then add_ash_contact(daily, seconds, auto) end
  elseif event_type == 'first_response' then
    redis.call('HSET', key, 'first_response_at', ARGV[4], 'first_responder_id', ARGV[9],
      'time_to_response_seconds', seconds_text)
    if daily then add_duration(daily, 'response', seconds) end
  elseif event_type == 'resolved' then
    redis.call('HSET', key, 'resolved_at', ARGV[4], 'time_to_resolve_seconds', seconds_text)
    if ARGV[9] ~= '' then redis.call('HSET', key, 'resolved_by', ARGV[9]) end
    if daily then add_duration(daily, 'resolve', seconds) end
  else
    return redis.error_reply('unknown event type ' .. event_type)
  end
  remember_event_id(alert_id)
  return {'applied', alert_id, note}
end

if event_id ~= '' then
  local seen = redis.call('GET', EVENT_ID_PREFIX .. event_id)
  if seen then return {'duplicate', seen, ''} end
end

if event_type == 'convert_legacy' then return convert_legacy() end
if event_type == 'alert_created' then return create_alert() end

if alert_id == '' then
  local lookup = LOOKUP_PREFIX .. message_id
  local lookup_kind = redis.call('TYPE', lookup).ok
  if lookup_kind == 'string' then
    alert_id = redis.call('GET', lookup)
  elseif lookup_kind == 'zset' then
    alert_id = redis.call('ZRANGE', lookup, -1, -1)[1] or ''
  end
  if alert_id == '' then return {'unknown_alert', '', ''} end
end

local key = ALERT_PREFIX .. alert_id
local kind = redis.call('TYPE', key).ok
if kind == 'zset' then return {'legacy_record', alert_id, ''} end
if kind ~= 'hash' then return {'unknown_alert', alert_id, ''} end
return record_step(key, tonumber(redis.call('HGET', key, 'created_at')))
