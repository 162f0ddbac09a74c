--[[
  Empties a live cart (its lines and its notices), bumps its version, stamps it as touched by its
  owner and marks it for persistence.
  An empty cart stays as it is.

  Input:
    KEYS[1]  the cart (hash: version, updatedAt, touchedAt, currency, q:<sku> quantity, n:<sku> notice)
    KEYS[2]  dirty carts (set of user ids awaiting persistence)
    KEYS[3]  the owner's live sockets (hash: socket id -> instance; absent when none is connected)
    ARGV[1]  user id (the cart's owner)
    ARGV[2]  now, ms since the epoch
    ARGV[3]  seconds an untouched cart stays in Redis
  Output (codes: ScriptCode in src/redis/script-codes.ts; cart: the hash as HGETALL gives it):
    {Done, cart, online}  emptied; online: 1 when the owner has a socket connected, else 0
    {Nothing, cart}  it was empty already
    {CartMissing}    the cart is not loaded: load it from its snapshot and call again

  Carts-holding sets keep the user id: they are pruned when a catalog change finds the line gone.
]]
local DONE, NOTHING, CART_MISSING = 1, 0, -6

local cartKey = KEYS[1]
if redis.call('EXISTS', cartKey) == 0 then
  return {CART_MISSING}
end
local fields = redis.call('HGETALL', cartKey)
local content = {}
for i = 1, #fields, 2 do
  local kind = string.sub(fields[i], 1, 2)
  if kind == 'q:' or kind == 'n:' then
    content[#content + 1] = fields[i]
  end
end
if #content == 0 then
  return {NOTHING, fields}
end
redis.call('HDEL', cartKey, unpack(content))
redis.call('HINCRBY', cartKey, 'version', 1)
redis.call('HSET', cartKey, 'updatedAt', ARGV[2], 'touchedAt', ARGV[2])
redis.call('EXPIRE', cartKey, ARGV[3])
redis.call('SADD', KEYS[2], ARGV[1])
return {DONE, redis.call('HGETALL', cartKey), redis.call('EXISTS', KEYS[3])}
