--[[
  Moves a stock gate counter by an admin's change of on-hand stock, once per operation: a repeat
  of the same operation (a client retry, or ioredis resending after a reconnect) changes nothing.

  Input:
    KEYS[1]  stock gate counter
    KEYS[2]  marker of this operation (set when it is applied)
    ARGV[1]  delta (integer; negative takes stock away)
    ARGV[2]  seconds to remember the operation
  Output (codes: ScriptCode in src/redis/script-codes.ts):
    {Done, newValue}         moved (or had been moved by this operation already)
    {Nothing}                the gate is not loaded; it will be loaded from Postgres on next use
    {Insufficient, current}  a negative delta larger than what the gate still admits; nothing changed
    {GateMissing}            a negative delta on a gate that is not loaded; load it and call again
]]
local DONE, NOTHING, INSUFFICIENT, GATE_MISSING = 1, 0, -2, -3

local current = redis.call('GET', KEYS[1])
if redis.call('EXISTS', KEYS[2]) == 1 then
  return {DONE, tonumber(current or 0)}
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
  return {INSUFFICIENT, current}
end
redis.call('SET', KEYS[2], '1', 'EX', ARGV[2])
return {DONE, redis.call('INCRBY', KEYS[1], delta)}
