-- Devices of the registry: listed from now on, offline until heard from.
-- KEYS: all devices, online, offline
-- ARGV: device hash key prefix, then device_id and site ('' when none) pairs
for i = 2, #ARGV, 2 do
  local id, site = ARGV[i], ARGV[i + 1]
  local h = ARGV[1] .. id
  redis.call('HSET', h, 'site', site)
  redis.call('ZADD', KEYS[1], 0, id)
  if redis.call('HSETNX', h, 'online', '0') == 1 or redis.call('HGET', h, 'online') ~= '1' then
    redis.call('ZADD', KEYS[3], 0, id)
  end
end
return #ARGV / 2
