--[[
  Tells, changing nothing, what an order request is before any order is built: a retry of a key
  already seen (answered from its record), a refusal for want of stock (what a flash sale answers
  almost every buyer), or neither, which goes on to reserveOrder, where everything is checked again
  atomically.

  Input:
    KEYS[1]    idempotency record (hash: fingerprint, order)
    KEYS[2..]  one stock gate counter per distinct SKU of the order
    ARGV[1..]  quantity per gate counter, in KEYS[2..] order

  Output:
    {2, fingerprint, snapshot}    the key was seen: its request's fingerprint and its order
    {-2, lineIndex, available}    a line cannot be served
    0                             go on to reserveOrder (enough stock, or a gate not loaded)
]]
local known = redis.call('HMGET', KEYS[1], 'fingerprint', 'order')
if known[1] then
  return {2, known[1], known[2]}
end
for i = 2, #KEYS do
  local available = redis.call('GET', KEYS[i])
  if not available then
    return 0
  end
  available = tonumber(available)
  if available < tonumber(ARGV[i - 1]) then
    return {-2, i - 1, available}
  end
end
return 0
