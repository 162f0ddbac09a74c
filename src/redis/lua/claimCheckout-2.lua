--[[
  Reads a cart for an order from it, and claims the cart's version for that order's
  Idempotency-Key, so that two checkouts of one cart with different keys (two tabs) cannot both
  order it: the second finds the version claimed. The claim lapses by itself, and goes stale as
  soon as the cart changes (taking the order's lines out bumps its version).

  Input:
    KEYS[1]  the cart (hash, as in takeOrderedLines-4.lua)
    KEYS[2]  the cart's checkout claim (string "<version>|<key hash>"; releaseIfHeld-1.lua gives it up)
    ARGV[1]  the checkout's Idempotency-Key hash
    ARGV[2]  ms the claim lasts
  Output (codes: ScriptCode in src/redis/script-codes.ts; cart: the hash as HGETALL gives it):
    {Done, cart}    claimed (or claimed before by the same key: a replay, a double click)
    {Claimed}       another key's checkout holds this version of the cart
    {CartMissing}   the cart is not loaded: load it from its snapshot and call again
]]
local DONE, CLAIMED, CART_MISSING = 1, -5, -6

if redis.call('EXISTS', KEYS[1]) == 0 then
  return {CART_MISSING}
end
local version = redis.call('HGET', KEYS[1], 'version') or '0'
local claim = redis.call('GET', KEYS[2])
if claim then
  local separator = string.find(claim, '|', 1, true)
  if string.sub(claim, 1, separator - 1) == version and string.sub(claim, separator + 1) ~= ARGV[1] then
    return {CLAIMED}
  end
end
redis.call('SET', KEYS[2], version .. '|' .. ARGV[1], 'PX', ARGV[2])
return {DONE, redis.call('HGETALL', KEYS[1])}
