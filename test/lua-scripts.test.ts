import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LuaScripts } from '../src/redis/scripts.js';
import { deleteRedisPrefix, REDIS_URL, uniqueName } from './support/stores.js';
import { startThrowawayRedis, type ThrowawayRedis } from './support/throwaway-redis.js';

describe('LuaScripts.runMany', () => {
  const prefix = uniqueName('fct_lua');
  const key = (name: string) => `${prefix}:${name}`;
  let redis: Redis;
  let scripts: LuaScripts;

  beforeAll(() => {
    redis = new Redis(REDIS_URL);
    scripts = new LuaScripts(redis);
  });

  afterAll(async () => {
    redis.disconnect();
    await deleteRedisPrefix(REDIS_URL, prefix);
  });

  it('answers each call of one pipeline with its own reply, in order', async () => {
    await redis.mset(key('held'), 'mine', key('other'), 'theirs');
    const answers = await Promise.all(
      scripts.runMany([
        { name: 'releaseIfHeld', keys: [key('held')], args: ['mine'] },
        { name: 'releaseIfHeld', keys: [key('other')], args: ['mine'] },
        { name: 'releaseIfHeld', keys: [key('gone')], args: ['mine'] },
      ]),
    );
    expect(answers).toEqual([1, 0, 0]);
    expect(await redis.mget(key('held'), key('other'))).toEqual([null, 'theirs']);
  });

  it('fails a call whose script fails, and that call alone', async () => {
    await redis.hset(key('cart'), 'version', '3');
    const [broken, fine] = scripts.runMany([
      // PX takes milliseconds; Redis refuses the claim's SET inside the script.
      { name: 'claimCheckout', keys: [key('cart'), key('claim')], args: ['key-hash', 'not-a-number'] },
      { name: 'releaseIfHeld', keys: [key('nothing')], args: ['mine'] },
    ]);
    await expect(broken).rejects.toThrow(/not an integer/);
    await expect(fine).resolves.toBe(0);
  });
});

describe('LuaScripts.runMany on a Redis that lost its scripts', () => {
  let server: ThrowawayRedis;
  let redis: Redis;

  beforeAll(async () => {
    server = await startThrowawayRedis();
    redis = new Redis(server.url);
  });

  afterAll(async () => {
    redis.disconnect();
    await server.destroy();
  });

  it('still runs every call after SCRIPT FLUSH (ioredis sends the script again)', async () => {
    const scripts = new LuaScripts(redis);
    await redis.set('claim', 'mine');
    expect(await Promise.all(scripts.runMany([{ name: 'releaseIfHeld', keys: ['claim'], args: ['mine'] }]))).toEqual([1]);

    await redis.script('FLUSH');
    await redis.mset('a', 'mine', 'b', 'mine');
    const answers = await Promise.all(
      scripts.runMany([
        { name: 'releaseIfHeld', keys: ['a'], args: ['mine'] },
        { name: 'releaseIfHeld', keys: ['b'], args: ['theirs'] },
      ]),
    );
    expect(answers).toEqual([1, 0]);
    expect(await redis.mget('a', 'b')).toEqual([null, 'mine']);
  });
});
