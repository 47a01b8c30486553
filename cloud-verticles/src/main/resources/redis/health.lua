-- A Health message of a device: keeps it, and judges its communication errors (Modbus errors + timeouts) against
-- the previous Health's: failing while they rose by more than the threshold.
-- KEYS: device hash
-- ARGV: Health JSON, communication errors, threshold
-- Returns {rise (-1 without a previous Health), change (+1 began failing, -1 stopped, 0)}
local held = redis.call('HMGET', KEYS[1], 'comm_errors', 'comm_failing')
local count = tonumber(ARGV[2])
redis.call('HSET', KEYS[1], 'health', ARGV[1], 'comm_errors', count)
if not held[1] then return {-1, 0} end
local previous = tonumber(held[1])
-- the edge's counters start again at 0 when it restarts
local rise = count - previous
if count < previous then rise = count end
local failing = rise > tonumber(ARGV[3])
local was = held[2] == '1'
if failing == was then return {rise, 0} end
if failing then
  redis.call('HSET', KEYS[1], 'comm_failing', '1')
  return {rise, 1}
end
redis.call('HSET', KEYS[1], 'comm_failing', '0')
return {rise, -1}
