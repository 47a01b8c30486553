-- One API request: refused when its token was revoked, else admitted while the client's token bucket holds a token.
-- KEYS[1] the token's revocation key, KEYS[2] the user's revoked-before key, KEYS[3] the client's bucket.
-- ARGV[1] the token's issued_ms, ARGV[2] refill rate per second, ARGV[3] burst.
-- Returns {1, 0} admitted, {-1, 0} revoked, {0, wait_ms} over the limit.
if KEYS[1] ~= '' and redis.call('EXISTS', KEYS[1]) == 1 then
  return {-1, 0}
end
if KEYS[2] ~= '' then
  local before = redis.call('GET', KEYS[2])
  if before and tonumber(ARGV[1]) <= tonumber(before) then
    return {-1, 0}
  end
end
local rate = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local bucket = redis.call('HMGET', KEYS[3], 'tokens', 'at')
local tokens = tonumber(bucket[1]) or burst
local at = tonumber(bucket[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate / 1000)
local admitted = tokens >= 1
if admitted then
  tokens = tokens - 1
end
redis.call('HSET', KEYS[3], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[3], math.ceil(burst / rate * 1000) + 1000)
if admitted then
  return {1, 0}
end
return {0, math.ceil((1 - tokens) * 1000 / rate)}
