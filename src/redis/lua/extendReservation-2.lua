--[[
  Moves a live reservation's expiry later (a buyer started paying), so the sweeper's Redis pass
  agrees with the order's new expiry in Postgres. Never moves it earlier: a repeat, or a late call
  after a second extension, changes nothing.

  Input:
    KEYS[1]  reservation (hash)
    KEYS[2]  expiry index (sorted set of order ids scored by expiresAt, ms)
    ARGV[1]  order id
    ARGV[2]  new expiresAt (ms)
  Output (codes: ScriptCode in src/redis/script-codes.ts):
    Done     the reservation exists and expires at ARGV[2] or later
    Nothing  no such reservation (already ended)
]]
local DONE, NOTHING = 1, 0
if redis.call('EXISTS', KEYS[1]) == 0 then
  return NOTHING
end
redis.call('ZADD', KEYS[2], 'XX', 'GT', ARGV[2], ARGV[1])
return DONE
