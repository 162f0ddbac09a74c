--[[
  Gives up a checkout's claim on its cart (claimCheckout-2.lua) when its order was not accepted,
  so another key may order the cart at once; a claim another key holds is left alone.

  Input:
    KEYS[1]  the cart's checkout claim (string "<version>|<key hash>")
    ARGV[1]  the checkout's Idempotency-Key hash
  Output: 1 released, 0 not this key's claim (or none)
]]
local claim = redis.call('GET', KEYS[1])
if claim and string.sub(claim, string.find(claim, '|', 1, true) + 1) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
