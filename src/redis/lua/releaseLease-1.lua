--[[
  Releases a lease only if the caller still holds it: one that lapsed and was taken by another
  holder is left to that holder (LineLeases).

  Input:
    KEYS[1]  the lease (string: its holder's token)
    ARGV[1]  the caller's token
  Output: 1 released, 0 not the caller's (or gone)
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
