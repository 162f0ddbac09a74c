--[[
  Adds to, or sets, the quantity of one line of each of several live carts, in order, each within
  its cart's limits and what the SKU's gate admitted when its caller read it. Each change is what
  one request asked for and is answered on its own; they share one call because under load a
  command costs the API and Redis more than the change it carries. A change bumps its cart's
  version, stamps it as touched by its owner (updatedAt and touchedAt) and marks it for
  persistence; it also drops the cart's notices (the owner has seen them). Two changes of one cart
  apply one after the other, the second seeing the first.

  Input:
    KEYS[1]         dirty carts (set of user ids awaiting persistence)
    KEYS[2]         SKUs some cart holds (set)
    then per change, 3 keys:
    KEYS[3i+3]      the cart (hash: version, updatedAt, touchedAt, currency, q:<sku> quantity, n:<sku> notice)
    KEYS[3i+4]      carts holding the change's SKU (set of user ids: the reverse index)
    KEYS[3i+5]      the owner's live sockets (hash: socket id -> instance; absent when none is connected)
    ARGV[1]         most lines a cart holds
    ARGV[2]         most units a line holds
    ARGV[3]         now, ms since the epoch
    ARGV[4]         seconds an untouched cart stays in Redis
    ARGV[5]         the changes, in KEYS order, 6 fields each, every field ended by a newline (one
                    argument rather than six per change: the client encodes each argument on its
                    own): user id (the cart's owner), SKU, 'add' or 'set', units to add or the
                    line's new quantity (0 removes the line), units the SKU's gate admits (an
                    increase beyond it is refused, a decrease never is), the product's currency
                    ('' for a removal)
  Output: one reply per change, in order (codes: ScriptCode in src/redis/script-codes.ts; cart: the
  hash's fields and values as HGETALL gives them, joined by newlines into one string, which costs
  the caller one reply to decode instead of one per field; neither SKUs nor notices' JSON hold a
  newline):
    {Done, cart, online}           changed; online: 1 when the owner has a socket connected, else 0
    {Nothing, cart}                nothing to change: the line already had that quantity
    {CartMissing}                  the cart is not loaded: load it from its snapshot and call again
    {Insufficient, quantity}       more than the gate admits; quantity: what the line holds now
    {CartFull, lines}              a new line in a cart that already holds its most lines
    {LineTooLarge, quantity}       more units than a line holds; quantity: what the line holds now
    {CurrencyMismatch, currency}   a new line priced in another currency than the cart's
]]
local DONE, NOTHING, INSUFFICIENT, CART_MISSING, CART_FULL, LINE_TOO_LARGE, CURRENCY_MISMATCH = 1, 0, -2, -6, -7, -8, -9

local dirtyKey, skusKey = KEYS[1], KEYS[2]
local maxLines, maxQuantity, now, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], ARGV[4]

-- Field kinds told apart by their first two bytes ('q:', 'n:'), without making substrings.
local byte = string.byte
local Q, N, COLON = byte('q'), byte('n'), byte(':')

local function change(cartKey, holdingKey, onlineKey, userId, sku, mode, quantity, available, lineCurrency)
  -- One read of the whole cart: the answer is built from it rather than read again after the change.
  local fields = redis.call('HGETALL', cartKey)
  if #fields == 0 then
    return {CART_MISSING}
  end
  local lineField = 'q:' .. sku
  local lines, notices, currency, current, version = 0, {}, nil, 0, 0
  -- The cart as HGETALL will give it after a change, built in the same pass: every field but the
  -- notices (a change drops them), the changed line and the stamps, which the change writes anew.
  local kept = {}
  for i = 1, #fields, 2 do
    local field = fields[i]
    local first, second = byte(field, 1, 2)
    if second == COLON and first == Q then
      lines = lines + 1
      if field == lineField then
        current = tonumber(fields[i + 1])
      else
        kept[#kept + 1] = field
        kept[#kept + 1] = fields[i + 1]
      end
    elseif second == COLON and first == N then
      notices[#notices + 1] = field
    elseif field == 'currency' then
      currency = fields[i + 1]
    elseif field == 'version' then
      version = tonumber(fields[i + 1])
    elseif field ~= 'updatedAt' and field ~= 'touchedAt' then
      kept[#kept + 1] = field
      kept[#kept + 1] = fields[i + 1]
    end
  end

  local target = quantity
  if mode == 'add' then
    target = current + quantity
  end
  if target == current then
    return {NOTHING, table.concat(fields, '\n')}
  end
  if target > maxQuantity then
    return {LINE_TOO_LARGE, current}
  end
  if current == 0 then
    if lines >= maxLines then
      return {CART_FULL, lines}
    end
    if lines > 0 and currency and currency ~= lineCurrency then
      return {CURRENCY_MISMATCH, currency}
    end
  end
  if target > current and target > available then
    return {INSUFFICIENT, current}
  end

  -- The first line of an empty cart sets its currency.
  local setsCurrency = current == 0 and lines == 0
  if #notices > 0 then
    redis.call('HDEL', cartKey, unpack(notices))
  end
  if target == 0 then
    redis.call('HDEL', cartKey, lineField)
  end
  local changes = {'version', version + 1, 'updatedAt', now, 'touchedAt', now}
  if target > 0 then
    changes[#changes + 1] = lineField
    changes[#changes + 1] = target
  end
  if setsCurrency then
    changes[#changes + 1] = 'currency'
    changes[#changes + 1] = lineCurrency
  elseif currency then
    kept[#kept + 1] = 'currency'
    kept[#kept + 1] = currency
  end
  redis.call('HSET', cartKey, unpack(changes))
  if current == 0 then
    redis.call('SADD', holdingKey, userId)
    redis.call('SADD', skusKey, sku)
  end
  redis.call('EXPIRE', cartKey, ttl)
  redis.call('SADD', dirtyKey, userId)

  for i = 1, #changes do
    kept[#kept + 1] = changes[i]
  end
  return {DONE, table.concat(kept, '\n'), redis.call('EXISTS', onlineKey)}
end

local fields = {}
for field in string.gmatch(ARGV[5], '([^\n]*)\n') do
  fields[#fields + 1] = field
end

local replies = {}
for i = 0, (#KEYS - 2) / 3 - 1 do
  local k, a = 3 * i + 3, 6 * i + 1
  replies[#replies + 1] = change(KEYS[k], KEYS[k + 1], KEYS[k + 2], fields[a], fields[a + 1], fields[a + 2],
    tonumber(fields[a + 3]), tonumber(fields[a + 4]), fields[a + 5])
end
return replies
