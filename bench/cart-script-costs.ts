/**
 * Not in `npm run bench`: what Redis spends on one cart change, and on which part of it. Calls
 * `changeCartItems` (src/redis/lua/changeCartItems-n.lua) on carts of 8 lines, 8 changes a call,
 * as the add-to-cart load does, in variants of the script cut short or changed, and reads Redis's
 * own time per call from `INFO commandstats` (before and after each variant, so run it alone):
 *
 * - as it is;
 * - without the `EXPIRE` of the cart;
 * - each change's six arguments packed into one string, split in Lua (`string.match`);
 * - returning right after the call's arguments are read (the call and its arguments);
 * - returning right after `HGETALL` (the read of the cart);
 * - returning before the writes (the pass over the fields and the reply built).
 *
 *   node --import tsx bench/cart-script-costs.ts [--calls 3000] [--rounds 3]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { deleteRedisPrefix, REDIS_URL, uniqueName } from '../test/support/stores.js';

const { values } = parseArgs({ options: { calls: { type: 'string', default: '3000' }, rounds: { type: 'string', default: '3' } } });
const calls = Number(values.calls);
const rounds = Number(values.rounds);
const CARTS = 500;
const LINES = 8;
const CHANGES_PER_CALL = 8;

const script = readFileSync(new URL('../src/redis/lua/changeCartItems-n.lua', import.meta.url), 'utf8');

/** The script with `from` replaced by `to`; throws when the script no longer holds `from`. */
function edited(from: string, to: string): string {
  if (!script.includes(from)) throw new Error(`changeCartItems-n.lua no longer holds ${JSON.stringify(from)}: update bench/cart-script-costs.ts`);
  return script.replace(from, () => to);
}

const PER_CHANGE_ARGUMENTS = `  local k, a = 3 * i + 3, 6 * i + 5
  replies[#replies + 1] = change(KEYS[k], KEYS[k + 1], KEYS[k + 2], ARGV[a], ARGV[a + 1], ARGV[a + 2],
    tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4]), ARGV[a + 5])`;
const PACKED_ARGUMENTS = `  local k = 3 * i + 3
  local userId, sku, mode, quantity, available, currency = string.match(ARGV[i + 5], '^(%S+) (%S+) (%S+) (%d+) (%-?%d+) (%S*)$')
  replies[#replies + 1] = change(KEYS[k], KEYS[k + 1], KEYS[k + 2], userId, sku, mode, tonumber(quantity), tonumber(available), currency)`;

const variants: { name: string; source: string; packed?: boolean }[] = [
  { name: 'as it is', source: script },
  { name: 'without EXPIRE', source: edited("redis.call('EXPIRE', cartKey, ttl)", '') },
  { name: 'arguments packed', source: edited(PER_CHANGE_ARGUMENTS, PACKED_ARGUMENTS), packed: true },
  { name: 'the call alone', source: edited("local fields = redis.call('HGETALL', cartKey)", "do return {0, ''} end local fields = {}") },
  { name: 'up to HGETALL', source: edited("local lineField = 'q:' .. sku", "do return {0, ''} end local lineField = 'q:' .. sku") },
  {
    name: 'up to the writes',
    source: edited('  local setsCurrency = current == 0', "  do return {0, table.concat(kept, '\\n')} end local setsCurrency = current == 0"),
  },
];

const prefix = uniqueName('fcbs');
const redis = new Redis(REDIS_URL);
const cartKey = (user: string) => `${prefix}:{cart}:${user}`;
const userOf = (cart: number) => `user-${cart}`;
const skuOf = (line: number) => `BENCH-SKU-${String(line).padStart(3, '0')}`;

/** Carts of LINES lines each, as the add-to-cart load leaves them. */
async function resetCarts(): Promise<void> {
  const pipeline = redis.pipeline();
  const now = Date.now();
  for (let cart = 0; cart < CARTS; cart++) {
    const fields: (string | number)[] = ['version', 1, 'updatedAt', now, 'touchedAt', now, 'currency', 'EUR'];
    for (let line = 0; line < LINES; line++) fields.push(`q:${skuOf(line)}`, 3);
    pipeline.del(cartKey(userOf(cart))).hset(cartKey(userOf(cart)), ...fields);
  }
  await pipeline.exec();
}

/** Redis's own µs spent in EVALSHA so far, and its calls. */
async function evalshaStats(): Promise<{ calls: number; usec: number }> {
  const match = /cmdstat_evalsha:calls=(\d+),usec=(\d+)/.exec((await redis.info('commandstats')) as string);
  return match ? { calls: Number(match[1]), usec: Number(match[2]) } : { calls: 0, usec: 0 };
}

/** µs of Redis per change, for one variant. */
async function measure(source: string, packed: boolean): Promise<number> {
  await resetCarts();
  const sha = (await redis.script('LOAD', source)) as string;
  const before = await evalshaStats();
  let n = 0;
  for (let call = 0; call < calls; call++) {
    const keys = [`${prefix}:{cart}:dirty`, `${prefix}:{cart}:skus`];
    const args: (string | number)[] = [50, 1000, Date.now(), 604_800];
    for (let i = 0; i < CHANGES_PER_CALL; i++, n++) {
      const user = userOf(n % CARTS);
      const sku = skuOf(n % LINES);
      keys.push(cartKey(user), `${prefix}:{cart}:holding:${sku}`, `${prefix}:{cart}:online:${user}`);
      if (packed) args.push(`${user} ${sku} add 1 1000000 EUR`);
      else args.push(user, sku, 'add', 1, 1_000_000, 'EUR');
    }
    await redis.evalsha(sha, keys.length, ...keys, ...args);
  }
  const after = await evalshaStats();
  return (after.usec - before.usec) / ((after.calls - before.calls) * CHANGES_PER_CALL);
}

try {
  const results = new Map(variants.map((variant) => [variant.name, [] as number[]]));
  for (let round = 0; round < rounds; round++) {
    for (const { name, source, packed } of variants) results.get(name)!.push(await measure(source, packed === true));
  }
  console.log(
    `\nRedis µs per cart change, ${CHANGES_PER_CALL} changes a call on carts of ${LINES} lines, ${calls.toLocaleString('en-US')} calls a round`,
  );
  for (const [name, perChange] of results) console.log(`  ${name.padEnd(20)} ${perChange.map((us) => us.toFixed(1)).join(', ')}`);
  console.log(`reproduce: node --import tsx bench/cart-script-costs.ts --calls ${calls} --rounds ${rounds}`);
} finally {
  redis.disconnect();
  await deleteRedisPrefix(REDIS_URL, prefix);
}
