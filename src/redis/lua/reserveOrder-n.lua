--[[
  Reserves every line of an order at once, or nothing, and records the idempotency key.

  Input:
    KEYS[1]    idempotency record (hash: fingerprint, order)
    KEYS[2]    reservation (hash: order, lines, idem, claimed)
    KEYS[3]    expiry index (sorted set: order id scored by expiresAt in ms)
    KEYS[4..]  one stock gate counter per distinct SKU of the order

    ARGV[1]    request fingerprint (hash of the canonical request body)
    ARGV[2]    order id (derived from the caller and the key, so a replay names the same reservation)
    ARGV[3]    expiresAt, ms since the epoch
    ARGV[4]    idempotency record TTL, seconds
    ARGV[5]    order snapshot (JSON), stored and returned verbatim
    ARGV[6]    line spec "sku:qty,sku:qty" in KEYS order, kept for the release
    ARGV[7..]  quantity per gate counter, in KEYS[4..] order

  Output:
    {1, snapshot}                 reserved now
    {2, snapshot, alive}          the key was seen with the same request: its original order;
                                  alive = 1 while its reservation is still held
    -1                            the key was seen with a different request
    {-2, lineIndex, available}    a line cannot be served; nothing was held
    {-3, lineIndex}               a gate counter is not loaded; load it and call again

  The variable key count breaks the `<name>-<numKeys>` file naming; `n` marks it.
]]
local idemKey = KEYS[1]
local known = redis.call('HMGET', idemKey, 'fingerprint', 'order')
if known[1] then
  if known[1] ~= ARGV[1] then
    return -1
  end
  return {2, known[2], redis.call('EXISTS', KEYS[2])}
end

local lineCount = #KEYS - 3
local quantities = {}
for i = 1, lineCount do
  local available = redis.call('GET', KEYS[3 + i])
  if not available then
    return {-3, i}
  end
  local quantity = tonumber(ARGV[6 + i])
  available = tonumber(available)
  if available < quantity then
    return {-2, i, available}
  end
  quantities[i] = quantity
end

for i = 1, lineCount do
  redis.call('DECRBY', KEYS[3 + i], quantities[i])
end

redis.call('HSET', KEYS[2], 'order', ARGV[5], 'lines', ARGV[6], 'idem', idemKey)
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[2])
redis.call('HSET', idemKey, 'fingerprint', ARGV[1], 'order', ARGV[5])
redis.call('EXPIRE', idemKey, ARGV[4])
return {1, ARGV[5]}
