import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RedisKeys } from './keys.js';
import type { LuaScripts } from './scripts.js';

/**
 * Short exclusive leases on order lines, in Redis, for work that must not run twice at once across
 * processes and cannot hold a Postgres transaction while it waits on another server (a vendor call).
 * A lease lapses after its time, so a holder that died frees it by itself.
 */
export class LineLeases {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly scripts: LuaScripts,
  ) {}

  /** Runs `work` holding the line's lease for at most `ttlMs`; `{held: false}` without running it when another holds it. */
  async holding<T>(lineId: string, ttlMs: number, work: () => Promise<T>): Promise<{ held: true; value: T } | { held: false }> {
    const key = this.keys.lineLease(lineId);
    const token = randomUUID();
    if ((await this.redis.set(key, token, 'PX', ttlMs, 'NX')) !== 'OK') return { held: false };
    try {
      return { held: true, value: await work() };
    } finally {
      await this.scripts.run('releaseIfHeld', [key], [token]).catch(() => undefined);
    }
  }
}
