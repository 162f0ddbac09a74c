--[[
  Marks a reservation as taken by a persist worker, so the sweeper never releases it as an orphan.

  Input:
    KEYS[1]  reservation (hash)
  Output:
    1  claimed (or already claimed)
    0  no such reservation: it was released as an orphan, or already ended
]]
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
redis.call('HSET', KEYS[1], 'claimed', '1')
return 1
