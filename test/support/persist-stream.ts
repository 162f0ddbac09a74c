import { Redis } from 'ioredis';
import { RedisKeys } from '../../src/redis/keys.js';

export interface PersistStreamState {
  /** Accepted orders not yet stored (entries still in the stream). */
  backlog: number;
  /** Entries read by a persist worker and not yet acknowledged, by consumer. */
  pending: number;
  pendingByConsumer: Record<string, number>;
}

/** What the persist stream of a key prefix holds right now, read directly from Redis. */
export async function persistStreamState(redisUrl: string, prefix: string): Promise<PersistStreamState> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  const key = new RedisKeys(prefix).persistStream();
  try {
    const backlog = await redis.xlen(key);
    if (!(await redis.exists(key))) return { backlog, pending: 0, pendingByConsumer: {} };
    const groups = (await redis.xinfo('GROUPS', key)) as unknown[][];
    if (groups.length === 0) return { backlog, pending: 0, pendingByConsumer: {} };
    const [count, , , consumers] = (await redis.xpending(key, 'persisters')) as [number, string | null, string | null, [string, string][] | null];
    return { backlog, pending: count, pendingByConsumer: Object.fromEntries((consumers ?? []).map(([name, n]) => [name, Number(n)])) };
  } finally {
    redis.disconnect();
  }
}
