import type { Redis } from 'ioredis';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { Db } from '../../db/database.js';
import { within } from '../../lib/within.js';

export type DependencyState = { status: 'up' | 'down' };

/** Whether a dependency answers; why it does not goes to the log, not to whoever asks /ready. */
async function probe(name: string, check: () => Promise<unknown>, logger: Logger): Promise<DependencyState> {
  try {
    await within(check(), 2_000);
    return { status: 'up' };
  } catch (error) {
    logger.warn({ dependency: name, err: error }, 'readiness check failed');
    return { status: 'down' };
  }
}

/** Readiness: whether each dependency answers right now. */
export class OpsService {
  constructor(
    private readonly db: Db,
    /** Every connection the process needs answering (commands, prechecks): Redis is up when all answer. */
    private readonly redis: Redis[],
    private readonly logger: Logger,
  ) {}

  async readiness(): Promise<{ ready: boolean; dependencies: Record<string, DependencyState> }> {
    const [postgres, redis] = await Promise.all([
      probe('postgres', () => sql`SELECT 1`.execute(this.db), this.logger),
      probe('redis', () => Promise.all(this.redis.map((client) => client.ping())), this.logger),
    ]);
    return { ready: postgres.status === 'up' && redis.status === 'up', dependencies: { postgres, redis } };
  }
}
