--[[
  Merges a guest's cart into a user's cart at login: each guest line's quantity is added to the
  user's, capped by what the SKU's gate admits and by the cart's limits; the guest cart is emptied.
  Both carts get a new version, are stamped as touched by their owner (the merge is the owner's
  login) and are marked for persistence when they change.

  Input:
    KEYS[1]    the user's cart (hash: version, updatedAt, touchedAt, currency, q:<sku> quantity, n:<sku> notice)
    KEYS[2]    the guest's cart
    KEYS[3]    dirty carts (set of user ids awaiting persistence)
    KEYS[4]    SKUs some cart holds (set)
    KEYS[5..]  carts holding each guest line's SKU (sets of user ids), in guest line order
    ARGV[1]    the user's id
    ARGV[2]    the guest's id
    ARGV[3]    the guest cart's version when the caller read it
    ARGV[4]    now, ms since the epoch
    ARGV[5]    seconds an untouched cart stays in Redis
    ARGV[6]    most lines a cart holds
    ARGV[7]    most units a line holds
    ARGV[8..]  per guest line, in KEYS[5..] order: sku, units its gate admits (-1: no longer
               sold), the product's currency
  Output (codes: ScriptCode in src/redis/script-codes.ts; cart: the hash as HGETALL gives it):
    {Done, userCart, guestCart, outcomes, userChanged}
                                           outcomes: per guest line, sku, the guest's quantity, the
                                           user's line after the merge, and why it was capped
                                           ('' when it was not: 'stock', 'lineLimit', 'cartFull',
                                           'currency', 'unavailable'); userChanged: 1 when the
                                           user's cart got a new version, else 0
    {CartMissing, which}                   cart `which` (1 user, 2 guest) is not loaded: load it, call again
    {CartChanged}                          the guest cart changed since it was read: read it again
]]
local DONE, CART_MISSING, CART_CHANGED = 1, -6, -10

local userKey, guestKey = KEYS[1], KEYS[2]
if redis.call('EXISTS', userKey) == 0 then
  return {CART_MISSING, 1}
end
if redis.call('EXISTS', guestKey) == 0 then
  return {CART_MISSING, 2}
end
if redis.call('HGET', guestKey, 'version') ~= ARGV[3] then
  return {CART_CHANGED}
end

local userId, guestId, now, ttl = ARGV[1], ARGV[2], ARGV[4], ARGV[5]
local maxLines, maxQuantity = tonumber(ARGV[6]), tonumber(ARGV[7])

local fields = redis.call('HGETALL', userKey)
local lines, notices, currency = 0, {}, nil
for i = 1, #fields, 2 do
  local kind = string.sub(fields[i], 1, 2)
  if kind == 'q:' then
    lines = lines + 1
  elseif kind == 'n:' then
    notices[#notices + 1] = fields[i]
  elseif fields[i] == 'currency' then
    currency = fields[i + 1]
  end
end

local outcomes = {}
local userChanged = false
local arg = 8
for line = 1, #KEYS - 4 do
  local sku, available, lineCurrency = ARGV[arg], tonumber(ARGV[arg + 1]), ARGV[arg + 2]
  arg = arg + 3
  local field = 'q:' .. sku
  local requested = tonumber(redis.call('HGET', guestKey, field) or '0')
  local current = tonumber(redis.call('HGET', userKey, field) or '0')
  local target, capped = current + requested, ''
  if available < 0 then
    target, capped = current, 'unavailable'
  elseif current == 0 and lines >= maxLines then
    target, capped = 0, 'cartFull'
  elseif current == 0 and lines > 0 and currency and currency ~= lineCurrency then
    target, capped = 0, 'currency'
  else
    if target > maxQuantity then
      target, capped = maxQuantity, 'lineLimit'
    end
    if target > available then
      target, capped = math.max(current, available), 'stock'
    end
  end
  if target > current then
    redis.call('HSET', userKey, field, target)
    if current == 0 then
      if lines == 0 then
        currency = lineCurrency
        redis.call('HSET', userKey, 'currency', lineCurrency)
      end
      lines = lines + 1
      redis.call('SADD', KEYS[4 + line], userId)
      redis.call('SADD', KEYS[4], sku)
    end
    userChanged = true
  end
  outcomes[#outcomes + 1] = sku
  outcomes[#outcomes + 1] = requested
  outcomes[#outcomes + 1] = target
  outcomes[#outcomes + 1] = capped
end

if userChanged then
  if #notices > 0 then
    redis.call('HDEL', userKey, unpack(notices))
  end
  redis.call('HINCRBY', userKey, 'version', 1)
  redis.call('HSET', userKey, 'updatedAt', now, 'touchedAt', now)
  redis.call('EXPIRE', userKey, ttl)
  redis.call('SADD', KEYS[3], userId)
end

local guestFields = redis.call('HGETALL', guestKey)
local content = {}
for i = 1, #guestFields, 2 do
  local kind = string.sub(guestFields[i], 1, 2)
  if kind == 'q:' or kind == 'n:' then
    content[#content + 1] = guestFields[i]
  end
end
if #content > 0 then
  redis.call('HDEL', guestKey, unpack(content))
  redis.call('HINCRBY', guestKey, 'version', 1)
  redis.call('HSET', guestKey, 'updatedAt', now, 'touchedAt', now)
  redis.call('EXPIRE', guestKey, ttl)
  redis.call('SADD', KEYS[3], guestId)
end
return {DONE, redis.call('HGETALL', userKey), redis.call('HGETALL', guestKey), outcomes, userChanged and 1 or 0}
