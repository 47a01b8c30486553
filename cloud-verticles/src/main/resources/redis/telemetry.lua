-- One accepted telemetry sample of a device, atomically (see RedisDeviceStates for the key layout).
-- KEYS: device hash, all devices, online, offline, heartbeat
-- ARGV: device_id, seq, boot_id ('' when none), received ms, sample JSON, inverter_state, seq window, max boots
-- Returns {verdict (0 latest, 1 duplicate, 2 late), missed, came online (0/1), fault change (-1/0/1)}
local h, all, online, offline, heartbeat = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local id, seq, boot, now = ARGV[1], tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4])
local window_size, max_boots = tonumber(ARGV[7]), tonumber(ARGV[8])
local held = redis.call('HMGET', h, 'seq', 'boot_id', 'window', 'superseded', 'online', 'last_seen', 'inverter_state')
local held_seq, held_boot, window = tonumber(held[1]), held[2], tonumber(held[3]) or 0
local superseded = cjson.decode(held[4] or '[]')
local last_seen = tonumber(held[6]) or 0

local came_online = 0
if held[5] ~= '1' then
  came_online = 1
  redis.call('HSET', h, 'online', '1')
  redis.call('ZREM', offline, id)
  redis.call('ZADD', online, 0, id)
end
redis.call('ZADD', all, 0, id)
if now > last_seen then
  last_seen = now
  redis.call('HSET', h, 'last_seen', now)
end
redis.call('ZADD', heartbeat, last_seen, id)

local verdict, missed = 0, 0
local is_superseded = false
for _, b in ipairs(superseded) do
  if b == boot then is_superseded = true end
end
if is_superseded then
  verdict = 2
elseif held_seq == nil then
  window = 1
elseif held_boot ~= boot then
  -- a restarted edge counts from 0 again: its boot replaces the held one, whose replays come late
  table.insert(superseded, held_boot)
  if #superseded > max_boots then table.remove(superseded, 1) end
  window = 1
else
  local ahead = seq - held_seq
  if ahead > 0 then
    missed = ahead - 1
    if ahead >= window_size then window = 1 else window = bit.bor(bit.lshift(window, ahead), 1) end
  else
    local back = -ahead
    local mask = 0
    if back < window_size then mask = bit.lshift(1, back) end
    if ahead == 0 or bit.band(window, mask) ~= 0 then
      verdict = 1
    else
      verdict = 2
      window = bit.bor(window, mask)
      redis.call('HSET', h, 'window', window)
    end
  end
end

local fault_change = 0
if verdict == 0 then
  local was, is = held[7] == 'fault', ARGV[6] == 'fault'
  if was ~= is then
    if is then fault_change = 1 else fault_change = -1 end
  end
  local boots = '[]'
  if #superseded > 0 then boots = cjson.encode(superseded) end
  redis.call('HSET', h, 'telemetry', ARGV[5], 'seq', seq, 'boot_id', boot, 'window', window,
    'superseded', boots, 'inverter_state', ARGV[6])
end
return {verdict, missed, came_online, fault_change}
