--[[
  Puts a cart into Redis from its Postgres snapshot (or an empty cart at version 0 when it has
  none), with its entries in the carts-holding sets. It is not marked dirty: it equals its snapshot.

  Input:
    KEYS[1]    the cart (hash: version, updatedAt, touchedAt, currency, q:<sku> quantity, n:<sku> notice)
    KEYS[2]    SKUs some cart holds (set)
    KEYS[3..]  carts holding each line's SKU (sets of user ids), in line order
    ARGV[1]    user id (the cart's owner)
    ARGV[2]    'missing': load only when Redis has no such cart; 'older': also replace a cart
               whose version is lower than the snapshot's (the reconciliation healing Redis)
    ARGV[3]    version
    ARGV[4]    updatedAt, ms since the epoch
    ARGV[5]    touchedAt (the owner's last change), ms since the epoch
    ARGV[6]    currency ('' for none)
    ARGV[7]    seconds an untouched cart stays in Redis
    ARGV[8]    number of lines, n
    ARGV[9..]  n pairs (sku, quantity), in KEYS[3..] order, then pairs (sku, notice JSON)
  Output (codes: ScriptCode in src/redis/script-codes.ts; cart: the hash as HGETALL gives it):
    {Done, cart}      loaded from the snapshot
    {Nothing, cart}   Redis already had this cart (at the snapshot's version or later): left as is
]]
local DONE, NOTHING = 1, 0

local cartKey = KEYS[1]
local present = redis.call('HGET', cartKey, 'version')
if present and (ARGV[2] == 'missing' or tonumber(present) >= tonumber(ARGV[3])) then
  return {NOTHING, redis.call('HGETALL', cartKey)}
end

redis.call('DEL', cartKey)
local values = {'version', ARGV[3], 'updatedAt', ARGV[4], 'touchedAt', ARGV[5]}
if ARGV[6] ~= '' then
  values[#values + 1] = 'currency'
  values[#values + 1] = ARGV[6]
end
local lines = tonumber(ARGV[8])
local arg = 9
for line = 1, lines do
  values[#values + 1] = 'q:' .. ARGV[arg]
  values[#values + 1] = ARGV[arg + 1]
  redis.call('SADD', KEYS[2 + line], ARGV[1])
  redis.call('SADD', KEYS[2], ARGV[arg])
  arg = arg + 2
end
while arg < #ARGV do
  values[#values + 1] = 'n:' .. ARGV[arg]
  values[#values + 1] = ARGV[arg + 1]
  arg = arg + 2
end
redis.call('HSET', cartKey, unpack(values))
redis.call('EXPIRE', cartKey, ARGV[7])
return {DONE, redis.call('HGETALL', cartKey)}
