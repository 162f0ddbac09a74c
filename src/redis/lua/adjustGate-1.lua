--[[
  Moves a stock gate counter by an admin's change of on-hand stock.

  Input:
    KEYS[1]  stock gate counter
    ARGV[1]  delta (integer; negative takes stock away)
  Output:
    {1, newValue}    moved
    {0}              the gate is not loaded; it will be loaded from Postgres on next use
    {-2, current}    a negative delta larger than what the gate still admits; nothing changed
    {-3}             a negative delta on a gate that is not loaded; load it and call again
]]
local delta = tonumber(ARGV[1])
local current = redis.call('GET', KEYS[1])
if not current then
  if delta < 0 then
    return {-3}
  end
  return {0}
end
current = tonumber(current)
if current + delta < 0 then
  return {-2, current}
end
return {1, redis.call('INCRBY', KEYS[1], delta)}
