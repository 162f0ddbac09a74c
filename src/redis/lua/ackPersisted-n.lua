--[[
  Ends the hand-off of orders that are now stored in Postgres: acknowledges their persist-stream
  entries, deletes them (the stream holds only orders not yet stored, so its length is the backlog),
  and marks each order's reservation as stored, so the sweeper can never release it as an orphan.

  Input:
    KEYS[1]    persist stream
    KEYS[2..]  the reservation (hash) of each order, in entry order
    ARGV[1]    consumer group
    ARGV[2..]  stream entry ids, in the same order as KEYS[2..]

  Output: the number of entries acknowledged (entries another consumer already acknowledged are not counted).
]]
local ids = {}
for i = 2, #ARGV do
  ids[#ids + 1] = ARGV[i]
end
local acked = redis.call('XACK', KEYS[1], ARGV[1], unpack(ids))
redis.call('XDEL', KEYS[1], unpack(ids))
for i = 2, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then
    redis.call('HSET', KEYS[i], 'claimed', '1')
  end
end
return acked
