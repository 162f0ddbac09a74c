--[[
  Reserves every line of an order at once, or nothing, records the idempotency key, and hands the
  order to persistence by appending it to the persist stream: no reservation exists without its
  hand-off, whatever crashes after this script.

  Input:
    KEYS[1]    idempotency record (hash: fingerprint, order)
    KEYS[2]    reservation (hash: order, lines, idem, entry, claimed)
    KEYS[3]    expiry index (sorted set: order id scored by expiresAt in ms)
    KEYS[4]    persist stream (entries: order = snapshot)
    KEYS[5..]  one stock gate counter per distinct SKU of the order

    ARGV[1]    request fingerprint (hash of the canonical request body)
    ARGV[2]    order id (derived from the caller and the key, so a replay names the same reservation)
    ARGV[3]    expiresAt, ms since the epoch
    ARGV[4]    idempotency record TTL, seconds
    ARGV[5]    order snapshot (JSON), stored and returned verbatim
    ARGV[6]    line spec "sku:qty,sku:qty" in KEYS order, kept for the release
    ARGV[7..]  quantity per gate counter, in KEYS[5..] order

  Output (codes: ScriptCode in src/redis/script-codes.ts):
    {Done}                             reserved now, and appended to the persist stream
    {Seen, snapshot}                   the key was seen with the same request: its original order
    KeyReused                          the key was seen with a different request
    {Insufficient, line, available}    a line cannot be served (line counts from 1); nothing was held
    {GateMissing, line}                a gate counter is not loaded; load it and call again

  The variable key count breaks the `<name>-<numKeys>` file naming; `n` marks it.
]]
local DONE, SEEN, KEY_REUSED, INSUFFICIENT, GATE_MISSING = 1, 2, -1, -2, -3
local FIRST_GATE = 5

local idemKey = KEYS[1]
local known = redis.call('HMGET', idemKey, 'fingerprint', 'order')
if known[1] then
  if known[1] ~= ARGV[1] then
    return KEY_REUSED
  end
  return {SEEN, known[2]}
end

local quantities = {}
for i = FIRST_GATE, #KEYS do
  local available = redis.call('GET', KEYS[i])
  if not available then
    return {GATE_MISSING, i - FIRST_GATE + 1}
  end
  local quantity = tonumber(ARGV[i + 2])
  available = tonumber(available)
  if available < quantity then
    return {INSUFFICIENT, i - FIRST_GATE + 1, available}
  end
  quantities[i] = quantity
end

for i = FIRST_GATE, #KEYS do
  redis.call('DECRBY', KEYS[i], quantities[i])
end

local entry = redis.call('XADD', KEYS[4], '*', 'order', ARGV[5])
redis.call('HSET', KEYS[2], 'order', ARGV[5], 'lines', ARGV[6], 'idem', idemKey, 'entry', entry)
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[2])
redis.call('HSET', idemKey, 'fingerprint', ARGV[1], 'order', ARGV[5])
redis.call('EXPIRE', idemKey, ARGV[4])
return {DONE}
