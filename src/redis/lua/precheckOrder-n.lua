--[[
  Tells, changing nothing, whether an order would be refused for want of stock, so the refusal a
  flash sale answers to almost every buyer costs one small script and no order building. Whatever
  is not a plain refusal goes on to reserveOrder, which checks everything again atomically.

  Input:
    KEYS[1]    idempotency record
    KEYS[2..]  one stock gate counter per distinct SKU of the order
    ARGV[1..]  quantity per gate counter, in KEYS[2..] order

  Output:
    0                             go on to reserveOrder (a known key, a gate not loaded, or enough stock)
    {-2, lineIndex, available}    a line cannot be served
]]
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
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
