--[[
  Ends a reservation exactly once: gives its stock back to the gates (release, orphan) or only
  drops it because the stock was sold (consume). A second call finds nothing and does nothing.

  Input:
    KEYS[1]    reservation (hash: order, lines, idem, claimed)
    KEYS[2]    expiry index
    KEYS[3]    idempotency record of the order (deleted by an orphan release only)
    KEYS[4..]  one stock gate counter per line, in the reservation's line order

    ARGV[1]    order id
    ARGV[2]    line spec the caller read from the reservation; must still match
    ARGV[3]    mode: 'release' | 'consume' | 'orphan'
    ARGV[4..]  quantity per gate counter

  Output:
     1   done by this call
     0   no such reservation (already ended)
    -4   the line spec does not match the stored one (a caller bug; nothing changed)
    -5   orphan release refused: a persist worker has claimed the reservation
]]
local lines = redis.call('HMGET', KEYS[1], 'lines', 'claimed')
if not lines[1] then
  return 0
end
if lines[1] ~= ARGV[2] then
  return -4
end
local mode = ARGV[3]
if mode == 'orphan' and lines[2] then
  return -5
end

if mode ~= 'consume' then
  for i = 4, #KEYS do
    -- A missing gate is rebuilt from Postgres on next use; creating it here would count only this order.
    if redis.call('EXISTS', KEYS[i]) == 1 then
      redis.call('INCRBY', KEYS[i], ARGV[i])
    end
  end
end
if mode == 'orphan' then
  redis.call('DEL', KEYS[3])
end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
