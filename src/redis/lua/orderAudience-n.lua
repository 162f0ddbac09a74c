--[[
  Who hears of a change to each owner's orders, in one command: the persister and the transitions
  ask it of a batch's order owners (CartStore.orderAudience), hundreds at a time.

  Input:
    KEYS[1..n]     the owners' presence keys (a hash of their connected sockets)
    KEYS[n+1..2n]  the owners' adoption keys (the account that adopted a guest owner's orders)
  Output: per owner, two entries: 1 or 0 (a socket of the owner is connected somewhere), then the
  adopting account's id or '' (none)
]]
local n = #KEYS / 2
local audience = {}
for i = 1, n do
  audience[2 * i - 1] = redis.call('EXISTS', KEYS[i])
  audience[2 * i] = redis.call('GET', KEYS[n + i]) or ''
end
return audience
