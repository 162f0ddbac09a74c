--[[
  Ends the dirty mark of carts whose snapshot is now in Postgres, unless a cart changed again
  after its snapshot was read: that cart stays dirty for the next batch.

  Input:
    KEYS[1]    dirty carts (set of user ids awaiting persistence)
    KEYS[2..]  the carts written (hashes with a version field)
    ARGV       per cart, in KEYS[2..] order: user id, the version written
  Output:
    the number of carts no longer dirty
]]
local clean = 0
for i = 2, #KEYS do
  local arg = (i - 2) * 2 + 1
  local version = redis.call('HGET', KEYS[i], 'version')
  if not version or tonumber(version) <= tonumber(ARGV[arg + 1]) then
    clean = clean + redis.call('SREM', KEYS[1], ARGV[arg])
  end
end
return clean
