--[[
  Which of the given keys exist, in one command rather than one EXISTS each: the persister asks it
  of a batch's order owners' presence keys (CartStore.ownersOnline), hundreds at a time.

  Input:
    KEYS[1..n]  keys of one hash slot
  Output: one 1 or 0 per key, in order
]]
local found = {}
for i, key in ipairs(KEYS) do
  found[i] = redis.call('EXISTS', key)
end
return found
