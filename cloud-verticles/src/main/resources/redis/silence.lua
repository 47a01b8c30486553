-- Marks offline the online devices last seen at or before a cutoff, atomically, so that each is reported by
-- one node only.
-- KEYS: heartbeat, online, offline
-- ARGV: cutoff ms, device hash key prefix, at most how many
-- Returns the ids marked offline
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
for _, id in ipairs(ids) do
  redis.call('ZREM', KEYS[1], id)
  redis.call('ZREM', KEYS[2], id)
  redis.call('ZADD', KEYS[3], 0, id)
  redis.call('HSET', ARGV[2] .. id, 'online', '0')
end
return ids
