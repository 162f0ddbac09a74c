--[[
  Applies a catalog change to one cart holding the SKU: a price or title change bumps the cart's
  version (what it shows changed); a deleted product's line is removed and a notice says why. A
  product now sold in another currency than the cart's takes the cart with it when it is the cart's
  only line; otherwise its line is removed with a notice, as a cart holds one currency. Either way
  the cart is marked for persistence. Its touchedAt stays: the owner did not touch it, and an
  abandoned cart stays abandoned. A cart that no longer holds the SKU leaves the carts-holding set.

  Input:
    KEYS[1]  the cart (hash: version, updatedAt, touchedAt, currency, q:<sku> quantity, n:<sku> notice)
    KEYS[2]  dirty carts (set of user ids awaiting persistence)
    KEYS[3]  carts holding this SKU (set of user ids)
    ARGV[1]  user id (the cart's owner)
    ARGV[2]  SKU
    ARGV[3]  'changed' or 'deleted'
    ARGV[4]  now, ms since the epoch
    ARGV[5]  seconds an untouched cart stays in Redis
    ARGV[6]  the notice (JSON) a removed line leaves: why it was deleted, or that its currency changed
    ARGV[7]  'changed': the product's currency now ('' when unknown: the cart's currency is not checked)
  Output (codes: ScriptCode in src/redis/script-codes.ts; cart: the hash as HGETALL gives it):
    {Done, cart}   changed
    {Nothing}      the cart does not hold the SKU (or is not in Redis: it is priced afresh when loaded)
]]
local DONE, NOTHING = 1, 0

local cartKey, sku = KEYS[1], ARGV[2]
local field = 'q:' .. sku
if redis.call('HEXISTS', cartKey, field) == 0 then
  redis.call('SREM', KEYS[3], ARGV[1])
  return {NOTHING}
end
local removes = ARGV[3] == 'deleted'
local currency = ARGV[7] or ''
if ARGV[3] == 'changed' and currency ~= '' then
  local cartCurrency = redis.call('HGET', cartKey, 'currency')
  if cartCurrency and cartCurrency ~= currency then
    local lines = 0
    for _, name in ipairs(redis.call('HKEYS', cartKey)) do
      if string.sub(name, 1, 2) == 'q:' then
        lines = lines + 1
      end
    end
    if lines == 1 then
      redis.call('HSET', cartKey, 'currency', currency)
    else
      removes = true
    end
  end
end
if removes then
  redis.call('HDEL', cartKey, field)
  redis.call('HSET', cartKey, 'n:' .. sku, ARGV[6])
  redis.call('SREM', KEYS[3], ARGV[1])
end
redis.call('HINCRBY', cartKey, 'version', 1)
redis.call('HSET', cartKey, 'updatedAt', ARGV[4])
redis.call('EXPIRE', cartKey, ARGV[5])
redis.call('SADD', KEYS[2], ARGV[1])
return {DONE, redis.call('HGETALL', cartKey)}
