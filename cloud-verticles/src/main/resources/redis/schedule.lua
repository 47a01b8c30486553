-- A schedule the device APPLIED becomes its active one unless a newer version already is.
-- KEYS[1] the device's hash. ARGV[1] schedule_id, ARGV[2] version. Returns 1 when it became active.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
local current = tonumber(redis.call('HGET', KEYS[1], 'active_version') or '-1')
if tonumber(ARGV[2]) <= current then
  return 0
end
redis.call('HSET', KEYS[1], 'active_schedule', ARGV[1], 'active_version', ARGV[2])
return 1
