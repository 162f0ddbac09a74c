import { sql } from 'kysely';
import type { Redis } from 'ioredis';
import type { Db } from '../../db/database.js';

export type DependencyState = { status: 'up' } | { status: 'down'; error: string };

const within = <T>(promise: Promise<T>, ms: number): Promise<T> =>
  Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref())]);

async function probe(check: () => Promise<unknown>): Promise<DependencyState> {
  try {
    await within(check(), 2_000);
    return { status: 'up' };
  } catch (error) {
    return { status: 'down', error: error instanceof Error ? error.message : String(error) };
  }
}

/** Readiness: whether each dependency answers right now. */
export class OpsService {
  constructor(
    private readonly db: Db,
    private readonly redis: Redis,
  ) {}

  async readiness(): Promise<{ ready: boolean; dependencies: Record<string, DependencyState> }> {
    const [postgres, redis] = await Promise.all([
      probe(() => sql`SELECT 1`.execute(this.db)),
      probe(() => this.redis.ping()),
    ]);
    return { ready: postgres.status === 'up' && redis.status === 'up', dependencies: { postgres, redis } };
  }
}
