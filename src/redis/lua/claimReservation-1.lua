--[[
  Marks a reservation as taken by a writer (an order persisted outside the stream, before a cancel or
  an admin change), so the sweeper never releases it as an orphan.

  Input:
    KEYS[1]  reservation (hash)
  Output (codes: ScriptCode in src/redis/script-codes.ts):
    Done     claimed (or already claimed)
    Nothing  no such reservation: it was released as an orphan, or already ended
]]
local DONE, NOTHING = 1, 0
if redis.call('EXISTS', KEYS[1]) == 0 then
  return NOTHING
end
redis.call('HSET', KEYS[1], 'claimed', '1')
return DONE
