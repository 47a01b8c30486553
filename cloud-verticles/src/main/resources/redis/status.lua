-- An online or offline status (the last will) of a device, atomically.
-- KEYS: device hash, all devices, online, offline, heartbeat
-- ARGV: device_id, '1' online or '0' offline, received ms
-- Returns 1 when the online flag changed, else 0
local h, all, online, offline, heartbeat = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local id, now = ARGV[1], tonumber(ARGV[3])
local held = redis.call('HMGET', h, 'online', 'last_seen')
redis.call('ZADD', all, 0, id)
if ARGV[2] == '1' then
  local last_seen = math.max(tonumber(held[2]) or 0, now)
  redis.call('HSET', h, 'online', '1', 'last_seen', last_seen)
  redis.call('ZADD', heartbeat, last_seen, id)
  redis.call('ZREM', offline, id)
  redis.call('ZADD', online, 0, id)
  if held[1] == '1' then return 0 end
  return 1
end
redis.call('HSET', h, 'online', '0')
redis.call('ZREM', heartbeat, id)
redis.call('ZREM', online, id)
redis.call('ZADD', offline, 0, id)
if held[1] == '1' then return 1 end
return 0
