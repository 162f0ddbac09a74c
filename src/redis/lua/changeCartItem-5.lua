--[[
  Adds to, or sets, the quantity of one line of a live cart within the cart's limits and what the
  SKU's gate admitted when the caller read it; bumps the cart's version, stamps it as touched by
  its owner (updatedAt and touchedAt) and marks it for persistence. A change by the owner also
  drops the cart's notices: the owner has seen them.

  Input:
    KEYS[1]   the cart (hash: version, updatedAt, touchedAt, currency, q:<sku> quantity, n:<sku> notice)
    KEYS[2]   dirty carts (set of user ids awaiting persistence)
    KEYS[3]   carts holding this SKU (set of user ids: the reverse index)
    KEYS[4]   SKUs some cart holds (set)
    KEYS[5]   the owner's live sockets (hash: socket id -> instance; absent when none is connected)
    ARGV[1]   user id (the cart's owner)
    ARGV[2]   SKU
    ARGV[3]   'add' or 'set'
    ARGV[4]   units to add, or the line's new quantity (0 removes the line)
    ARGV[5]   units the SKU's gate admits: an increase beyond it is refused, a decrease never is
    ARGV[6]   the product's currency
    ARGV[7]   most lines a cart holds
    ARGV[8]   most units a line holds
    ARGV[9]   now, ms since the epoch
    ARGV[10]  seconds an untouched cart stays in Redis
  Output (codes: ScriptCode in src/redis/script-codes.ts; cart: the hash as HGETALL gives it):
    {Done, cart, online}           changed; online: 1 when the owner has a socket connected, else 0
    {Nothing, cart}                nothing to change: the line already had that quantity
    {CartMissing}                  the cart is not loaded: load it from its snapshot and call again
    {Insufficient, quantity}       more than the gate admits; quantity: what the line holds now
    {CartFull, lines}              a new line in a cart that already holds its most lines
    {LineTooLarge, quantity}       more units than a line holds; quantity: what the line holds now
    {CurrencyMismatch, currency}   a new line priced in another currency than the cart's
]]
local DONE, NOTHING, INSUFFICIENT, CART_MISSING, CART_FULL, LINE_TOO_LARGE, CURRENCY_MISMATCH = 1, 0, -2, -6, -7, -8, -9

local cartKey = KEYS[1]
-- One read of the whole cart: the answer is built from it rather than read again after the change.
local fields = redis.call('HGETALL', cartKey)
if #fields == 0 then
  return {CART_MISSING}
end

local userId, sku, mode = ARGV[1], ARGV[2], ARGV[3]
local quantity, available = tonumber(ARGV[4]), tonumber(ARGV[5])
local maxLines, maxQuantity = tonumber(ARGV[7]), tonumber(ARGV[8])
local now = ARGV[9]
local lineField = 'q:' .. sku

local lines, notices, currency, current, version = 0, {}, nil, 0, 0
for i = 1, #fields, 2 do
  local field = fields[i]
  local kind = string.sub(field, 1, 2)
  if kind == 'q:' then
    lines = lines + 1
    if field == lineField then
      current = tonumber(fields[i + 1])
    end
  elseif kind == 'n:' then
    notices[#notices + 1] = field
  elseif field == 'currency' then
    currency = fields[i + 1]
  elseif field == 'version' then
    version = tonumber(fields[i + 1])
  end
end

local target = quantity
if mode == 'add' then
  target = current + quantity
end
if target == current then
  return {NOTHING, fields}
end
if target > maxQuantity then
  return {LINE_TOO_LARGE, current}
end
if current == 0 then
  if lines >= maxLines then
    return {CART_FULL, lines}
  end
  if lines > 0 and currency and currency ~= ARGV[6] then
    return {CURRENCY_MISMATCH, currency}
  end
end
if target > available then
  if target > current then
    return {INSUFFICIENT, current}
  end
end

-- The first line of an empty cart sets its currency.
local setsCurrency = current == 0 and lines == 0
version = version + 1
if #notices > 0 then
  redis.call('HDEL', cartKey, unpack(notices))
end
if target == 0 then
  redis.call('HDEL', cartKey, lineField)
end
local changes = {'version', version, 'updatedAt', now, 'touchedAt', now}
if target > 0 then
  changes[#changes + 1] = lineField
  changes[#changes + 1] = target
end
if setsCurrency then
  changes[#changes + 1] = 'currency'
  changes[#changes + 1] = ARGV[6]
end
redis.call('HSET', cartKey, unpack(changes))
if current == 0 then
  redis.call('SADD', KEYS[3], userId)
  redis.call('SADD', KEYS[4], sku)
end
redis.call('EXPIRE', cartKey, ARGV[10])
redis.call('SADD', KEYS[2], userId)

-- The cart as HGETALL would now give it: the fields read, without the notices, with the changes.
local cart = {}
for i = 1, #fields, 2 do
  local field = fields[i]
  local kind = string.sub(field, 1, 2)
  if kind ~= 'n:' and field ~= lineField and field ~= 'version' and field ~= 'updatedAt' and field ~= 'touchedAt'
      and not (setsCurrency and field == 'currency') then
    cart[#cart + 1] = field
    cart[#cart + 1] = fields[i + 1]
  end
end
for i = 1, #changes do
  cart[#cart + 1] = changes[i]
end
return {DONE, cart, redis.call('EXISTS', KEYS[5])}
