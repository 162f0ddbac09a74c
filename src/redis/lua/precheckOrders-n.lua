--[[
  Tells, changing nothing, what each of several order requests is before any order is built: a
  retry of a key already seen (answered from its record), a refusal for want of stock (what a flash
  sale answers almost every buyer), or neither, which goes on to reserveOrder, where everything is
  checked again atomically. The API sends the requests that arrive together in one call; each is
  answered on its own, and the batch as a whole promises nothing.

  Input, for requests r = 1..ARGV[1], each taking the next 1 + g(r) keys and the next 1 + g(r) args:
    KEYS       idempotency record of r (hash: fingerprint, order), then one stock gate counter per
               distinct SKU of r
    ARGV[1]    number of requests
    ARGV       g(r), the number of gates of r, then the quantity per gate, in r's key order

  Output, one entry per request, in order (codes: ScriptCode in src/redis/script-codes.ts):
    {Seen, fingerprint, snapshot}       the key was seen: its request's fingerprint and its order
    {Insufficient, line, available}     a line cannot be served (line counts from 1)
    Nothing                             go on to reserveOrder (enough stock, or a gate not loaded)
]]
local SEEN, INSUFFICIENT, NOTHING = 2, -2, 0

local results = {}
local key = 1
local arg = 2
for request = 1, tonumber(ARGV[1]) do
  local gates = tonumber(ARGV[arg])
  local result = NOTHING
  local known = redis.call('HMGET', KEYS[key], 'fingerprint', 'order')
  if known[1] then
    result = {SEEN, known[1], known[2]}
  else
    for line = 1, gates do
      local available = redis.call('GET', KEYS[key + line])
      if not available then
        break
      end
      available = tonumber(available)
      if available < tonumber(ARGV[arg + line]) then
        result = {INSUFFICIENT, line, available}
        break
      end
    end
  end
  results[request] = result
  key = key + 1 + gates
  arg = arg + 1 + gates
end
return results
