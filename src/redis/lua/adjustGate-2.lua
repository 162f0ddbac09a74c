--[[
  Moves a stock gate counter by a change of on-hand stock (an admin's, or a vendor recount's), once
  per operation: a repeat of the same operation (a client retry, or ioredis resending after a
  reconnect) changes nothing and answers what the first call applied.

  Input:
    KEYS[1]  stock gate counter
    KEYS[2]  marker of this operation (holds the amount applied, set when it is applied)
    ARGV[1]  delta (integer; negative takes stock away)
    ARGV[2]  seconds to remember the operation
    ARGV[3]  clamp: '1' takes away at most what the gate still admits (moves by max(delta, -current))
             instead of refusing; '0' refuses
  Output (codes: ScriptCode in src/redis/script-codes.ts):
    {Done, newValue, applied}  moved by `applied` (or had been moved by this operation already)
    {Nothing}                  the gate is not loaded; it will be loaded from Postgres on next use
    {Insufficient, current}    a negative delta larger than what the gate still admits, without clamp; nothing changed
    {GateMissing}              a negative delta on a gate that is not loaded; load it and call again
]]
local DONE, NOTHING, INSUFFICIENT, GATE_MISSING = 1, 0, -2, -3

local current = redis.call('GET', KEYS[1])
local applied = redis.call('GET', KEYS[2])
if applied then
  return {DONE, tonumber(current or 0), tonumber(applied)}
end
local delta = tonumber(ARGV[1])
if not current then
  if delta < 0 then
    return {GATE_MISSING}
  end
  return {NOTHING}
end
current = tonumber(current)
if current + delta < 0 then
  if ARGV[3] ~= '1' then
    return {INSUFFICIENT, current}
  end
  delta = 0 - current
end
redis.call('SET', KEYS[2], delta, 'EX', ARGV[2])
if delta == 0 then
  return {DONE, current, 0}
end
return {DONE, redis.call('INCRBY', KEYS[1], delta), delta}
