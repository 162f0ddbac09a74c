--[[
  Takes an accepted order's lines out of its cart, once per order: each line's quantity goes down
  by what the order took (the line goes when nothing is left). When the cart is still at the
  version the order was read from, this empties it; lines added meanwhile stay. Ordering is the
  owner's doing: the cart is stamped as touched by its owner.

  Input:
    KEYS[1]    the cart (hash: version, updatedAt, touchedAt, currency, q:<sku> quantity, n:<sku> notice)
    KEYS[2]    dirty carts (set of user ids awaiting persistence)
    KEYS[3]    marker of this order's lines as taken
    KEYS[4]    the owner's connected sockets (present while any is connected)
    ARGV[1]    user id (the cart's owner)
    ARGV[2]    now, ms since the epoch
    ARGV[3]    seconds an untouched cart stays in Redis
    ARGV[4]    seconds the marker is kept: at least as long as the order's idempotency record
    ARGV[5..]  pairs (sku, quantity) the order took
  Output (codes: ScriptCode in src/redis/script-codes.ts; cart: the hash as HGETALL gives it):
    {Done, cart, online}  taken now; online: 1 when the owner has a socket connected, else 0
    {Nothing}        this order's lines were taken before (a replay)
    {CartMissing}    the cart is not loaded: load it from its snapshot and call again
]]
local DONE, NOTHING, CART_MISSING = 1, 0, -6

local cartKey = KEYS[1]
if redis.call('EXISTS', KEYS[3]) == 1 then
  return {NOTHING}
end
if redis.call('EXISTS', cartKey) == 0 then
  return {CART_MISSING}
end
redis.call('SET', KEYS[3], '1', 'EX', ARGV[4])

local changed = false
for arg = 5, #ARGV, 2 do
  local field = 'q:' .. ARGV[arg]
  local current = tonumber(redis.call('HGET', cartKey, field) or '0')
  if current > 0 then
    local left = current - tonumber(ARGV[arg + 1])
    if left > 0 then
      redis.call('HSET', cartKey, field, left)
    else
      redis.call('HDEL', cartKey, field)
    end
    changed = true
  end
end
if changed then
  redis.call('HINCRBY', cartKey, 'version', 1)
  redis.call('HSET', cartKey, 'updatedAt', ARGV[2], 'touchedAt', ARGV[2])
  redis.call('EXPIRE', cartKey, ARGV[3])
  redis.call('SADD', KEYS[2], ARGV[1])
end
return {DONE, redis.call('HGETALL', cartKey), redis.call('EXISTS', KEYS[4])}
