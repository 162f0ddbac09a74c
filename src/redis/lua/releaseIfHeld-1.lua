--[[
  Deletes a key only while it holds the caller's value: a lease or claim that lapsed and was taken
  by another holder is left to that holder (LineLeases, CartStore.releaseCheckout).

  Input:
    KEYS[1]  the lease or claim (string)
    ARGV[1]  the value the caller set
  Output: 1 released, 0 not the caller's (or gone)
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
