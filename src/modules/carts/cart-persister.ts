import type { Logger } from 'pino';
import type { Metrics } from '../../lib/metrics.js';
import type { CartStore } from '../../redis/cart-store.js';
import type { CartsRepository } from './carts.repository.js';

export interface CartPersisterDeps {
  store: Pick<CartStore, 'dirtyCount' | 'dirtySample' | 'readMany' | 'ackPersisted'>;
  repository: Pick<CartsRepository, 'upsert'>;
  metrics: Metrics;
  logger: Logger;
  /** Carts per upsert statement. */
  batchSize: number;
}

export interface DrainResult {
  /** Dirty carts read from Redis. */
  carts: number;
  /** Rows Postgres wrote (the others already held that version or a newer one). */
  written: number;
  statements: number;
}

/**
 * Write-behind persistence of carts. A change marks its cart dirty; each tick (a BullMQ job
 * scheduler, so one worker runs it) drains the dirty carts in batches: reads their full snapshots
 * from Redis, upserts each batch in one statement guarded by version, then clears the dirty mark of
 * each cart unless it changed again meanwhile. However many changes a cart had since the last
 * tick, it costs one row write. A crash anywhere leaves the marks, so the next tick writes again;
 * the version guard makes that harmless.
 */
export class CartPersister {
  private draining: Promise<DrainResult> | undefined;

  constructor(private readonly deps: CartPersisterDeps) {}

  /** Writes every cart dirty when it starts (and those changed again meanwhile, up to one more batch). */
  drain(): Promise<DrainResult> {
    this.draining ??= this.drainOnce().finally(() => {
      this.draining = undefined;
    });
    return this.draining;
  }

  private async drainOnce(): Promise<DrainResult> {
    const { store, repository, metrics, batchSize } = this.deps;
    const result: DrainResult = { carts: 0, written: 0, statements: 0 };
    // Bounded, so a cart changed without pause cannot keep one tick going for ever.
    const maxBatches = Math.ceil((await store.dirtyCount()) / batchSize) + 1;
    for (let batch = 0; batch < maxBatches; batch++) {
      const userIds = await store.dirtySample(batchSize);
      if (userIds.length === 0) break;
      const carts = await store.readMany(userIds);
      const present = carts.filter((cart) => cart !== null);
      const written = await repository.upsert(present);
      result.carts += present.length;
      result.written += written;
      result.statements += 1;
      metrics.cartPersistStatements.inc();
      metrics.cartWrites.inc({ outcome: 'written' }, written);
      metrics.cartWrites.inc({ outcome: 'stale' }, present.length - written);
      // A cart gone from Redis (expired, flushed) has nothing left to write: its mark goes too.
      await store.ackPersisted(userIds.map((userId, i) => ({ userId, version: carts[i]?.version ?? 0 })));
    }
    if (result.carts > 0) this.deps.logger.debug(result, 'carts persisted');
    return result;
  }
}
