/**
 * Not in `npm run bench`: what Redis spends on one cart change, and on which part of it. Calls
 * `changeCartItems` (src/redis/lua/changeCartItems-n.lua) on carts of 8 lines, 8 changes a call (`--changes`),
 * as the add-to-cart load does, in variants of the script cut short or changed, and reads Redis's
 * own time per call from `INFO commandstats` (before and after each variant, so run it alone), and
 * this client's CPU per call (ioredis encoding the call's keys and arguments, and decoding its reply):
 *
 * - as it is (the changes' arguments in one string, split in Lua with `string.gmatch`);
 * - without the `EXPIRE` of the cart;
 * - each change's six arguments apart, as the script took them before 2026-12-03;
 * - returning right after the call's arguments are read (the call and its arguments);
 * - returning right after `HGETALL` (the read of the cart);
 * - returning before the writes (the pass over the fields and the reply built).
 *
 *   node --import tsx bench/cart-script-costs.ts [--calls 3000] [--rounds 3] [--changes 8]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { deleteRedisPrefix, REDIS_URL, uniqueName } from '../test/support/stores.js';

const { values } = parseArgs({
  options: { calls: { type: 'string', default: '3000' }, rounds: { type: 'string', default: '3' }, changes: { type: 'string', default: '8' } },
});
const calls = Number(values.calls);
const rounds = Number(values.rounds);
/** Changes a call carries: 8 as the add-to-cart load's calls often do, up to the 24 CartStore sends at most. */
const CHANGES_PER_CALL = Number(values.changes);
const CARTS = 500;
const LINES = 8;

const script = readFileSync(new URL('../src/redis/lua/changeCartItems-n.lua', import.meta.url), 'utf8');

/** The script with each `[from, to]` replaced; throws when the script no longer holds a `from`. */
function edited(...replacements: [from: string, to: string][]): string {
  return replacements.reduce((source, [from, to]) => {
    if (!source.includes(from)) throw new Error(`changeCartItems-n.lua no longer holds ${JSON.stringify(from)}: update bench/cart-script-costs.ts`);
    return source.replace(from, () => to);
  }, script);
}

/** The changes' fields read from ARGV itself, six per change after the first four, as before 2026-12-03. */
const ARGUMENTS_APART: [string, string][] = [
  ['local fields = {}\nfor field in string.gmatch(ARGV[5],', "local fields = ARGV\nfor field in string.gmatch('',"],
  ['local k, a = 3 * i + 3, 6 * i + 1', 'local k, a = 3 * i + 3, 6 * i + 5'],
];

const variants: { name: string; source: string; apart?: boolean }[] = [
  { name: 'as it is', source: script },
  { name: 'without EXPIRE', source: edited(["redis.call('EXPIRE', cartKey, ttl)", '']) },
  { name: 'arguments apart', source: edited(...ARGUMENTS_APART), apart: true },
  { name: 'the call alone', source: edited(["local fields = redis.call('HGETALL', cartKey)", "do return {0, ''} end local fields = {}"]) },
  { name: 'up to HGETALL', source: edited(["local lineField = 'q:' .. sku", "do return {0, ''} end local lineField = 'q:' .. sku"]) },
  {
    name: 'up to the writes',
    source: edited(['  local setsCurrency = current == 0', "  do return {0, table.concat(kept, '\\n')} end local setsCurrency = current == 0"]),
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

/** µs of Redis per change, and of this client's CPU per call, for one variant. */
async function measure(source: string, apart: boolean): Promise<{ redisUs: number; clientUs: number }> {
  await resetCarts();
  const sha = (await redis.script('LOAD', source)) as string;
  const before = await evalshaStats();
  const cpuBefore = process.cpuUsage();
  let n = 0;
  for (let call = 0; call < calls; call++) {
    const keys = [`${prefix}:{cart}:dirty`, `${prefix}:{cart}:skus`];
    const args: (string | number)[] = [50, 1000, Date.now(), 604_800];
    let changes = '';
    for (let i = 0; i < CHANGES_PER_CALL; i++, n++) {
      const user = userOf(n % CARTS);
      const sku = skuOf(n % LINES);
      keys.push(cartKey(user), `${prefix}:{cart}:holding:${sku}`, `${prefix}:{cart}:online:${user}`);
      if (apart) args.push(user, sku, 'add', 1, 1_000_000, 'EUR');
      else changes += `${user}\n${sku}\nadd\n1\n1000000\nEUR\n`;
    }
    if (!apart) args.push(changes);
    await redis.evalsha(sha, keys.length, ...keys, ...args);
  }
  const cpu = process.cpuUsage(cpuBefore);
  const after = await evalshaStats();
  return {
    redisUs: (after.usec - before.usec) / ((after.calls - before.calls) * CHANGES_PER_CALL),
    clientUs: (cpu.user + cpu.system) / calls,
  };
}

try {
  const results = new Map(variants.map((variant) => [variant.name, [] as { redisUs: number; clientUs: number }[]]));
  for (let round = 0; round < rounds; round++) {
    for (const { name, source, apart } of variants) results.get(name)!.push(await measure(source, apart === true));
  }
  console.log(
    `\nRedis µs per cart change, and this client's CPU µs per call, ${CHANGES_PER_CALL} changes a call on carts of ${LINES} lines, ${calls.toLocaleString('en-US')} calls a round`,
  );
  for (const [name, figures] of results) {
    const redisUs = figures.map(({ redisUs }) => redisUs.toFixed(1)).join(', ');
    const clientUs = figures.map(({ clientUs }) => clientUs.toFixed(1)).join(', ');
    console.log(`  ${name.padEnd(20)} Redis ${redisUs}; client ${clientUs}`);
  }
  console.log(`reproduce: node --import tsx bench/cart-script-costs.ts --calls ${calls} --rounds ${rounds} --changes ${CHANGES_PER_CALL}`);
} finally {
  redis.disconnect();
  await deleteRedisPrefix(REDIS_URL, prefix);
}
