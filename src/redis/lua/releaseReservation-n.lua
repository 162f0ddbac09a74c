--[[
  Ends a reservation exactly once: gives its stock back to the gates (release, orphan) or only
  drops it because the stock was sold (consume). A second call finds nothing and does nothing.

  An orphan is a reservation with no order in Postgres and no hand-off left to store one. It
  cannot arise from the reservation path (reserveOrder appends the hand-off in the same script);
  releasing it is the sweeper's defence against anything else. It is refused while the order's
  persist-stream entry is still there, and once a writer has claimed or stored the order.

  Input:
    KEYS[1]    reservation (hash: order, lines, idem, entry, claimed)
    KEYS[2]    expiry index
    KEYS[3]    idempotency record of the order (deleted by an orphan release only)
    KEYS[4]    persist stream
    KEYS[5..]  one stock gate counter per line, in the reservation's line order

    ARGV[1]    order id
    ARGV[2]    line spec the caller read from the reservation; must still match
    ARGV[3]    mode: 'release' | 'consume' | 'orphan'
    ARGV[4..]  quantity per gate counter

  Output (codes: ScriptCode in src/redis/script-codes.ts):
    Done           done by this call
    Nothing        no such reservation (already ended)
    LinesMismatch  the line spec does not match the stored one (a caller bug; nothing changed)
    Claimed        orphan release refused: the order is being stored, or is stored
]]
local DONE, NOTHING, LINES_MISMATCH, CLAIMED = 1, 0, -4, -5
local FIRST_GATE = 5

local stored = redis.call('HMGET', KEYS[1], 'lines', 'claimed', 'entry')
if not stored[1] then
  return NOTHING
end
if stored[1] ~= ARGV[2] then
  return LINES_MISMATCH
end
local mode = ARGV[3]
if mode == 'orphan' then
  if stored[2] then
    return CLAIMED
  end
  if stored[3] and #redis.call('XRANGE', KEYS[4], stored[3], stored[3]) > 0 then
    return CLAIMED
  end
end

if mode ~= 'consume' then
  for i = FIRST_GATE, #KEYS do
    -- A missing gate is rebuilt from Postgres on next use; creating it here would count only this order.
    if redis.call('EXISTS', KEYS[i]) == 1 then
      redis.call('INCRBY', KEYS[i], ARGV[i - 1])
    end
  end
end
if mode == 'orphan' then
  redis.call('DEL', KEYS[3])
end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return DONE
