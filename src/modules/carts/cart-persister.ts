import type { Logger } from 'pino';
import { canonicalJson } from '../../lib/hashing.js';
import type { Metrics } from '../../lib/metrics.js';
import type { CartStore, StoredCart } from '../../redis/cart-store.js';
import type { CartsRepository } from './carts.repository.js';

export interface CartPersisterDeps {
  store: Pick<CartStore, 'dirtyCount' | 'dirtySample' | 'readMany' | 'ackPersisted' | 'load' | 'markDirty'>;
  repository: Pick<CartsRepository, 'upsert' | 'findMany'>;
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
  /** Carts whose Redis copy and snapshot disagreed at the same or a newer stored version, and were set right. */
  conflicts: number;
}

/** Key order aside: a snapshot's notices come back from jsonb with their keys reordered. */
const sameContent = (a: StoredCart, b: StoredCart) =>
  a.currency === b.currency && canonicalJson(a.lines) === canonicalJson(b.lines) && canonicalJson(a.notices) === canonicalJson(b.notices);

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
    const result: DrainResult = { carts: 0, written: 0, statements: 0, conflicts: 0 };
    // Bounded, so a cart changed without pause cannot keep one tick going for ever.
    const maxBatches = Math.ceil((await store.dirtyCount()) / batchSize) + 1;
    for (let batch = 0; batch < maxBatches; batch++) {
      const userIds = await store.dirtySample(batchSize);
      if (userIds.length === 0) break;
      const carts = await store.readMany(userIds);
      const present = carts.filter((cart) => cart !== null);
      const written = await repository.upsert(present);
      result.carts += present.length;
      result.written += written.size;
      result.statements += 1;
      metrics.cartPersistStatements.inc();
      metrics.cartWrites.inc({ outcome: 'written' }, written.size);
      metrics.cartWrites.inc({ outcome: 'stale' }, present.length - written.size);
      const refused = present.filter((cart) => !written.has(cart.userId));
      const { settled, conflicts } = await this.settleRefused(refused);
      result.conflicts += conflicts;
      // A cart gone from Redis (expired, flushed) has nothing left to write: its mark goes too.
      await store.ackPersisted(
        userIds.map((userId, i) => ({ userId, version: settled.get(userId) ?? carts[i]?.version ?? 0 })).filter((cart) => cart.version >= 0),
      );
    }
    if (result.carts > 0) this.deps.logger.debug(result, 'carts persisted');
    if (result.conflicts > 0)
      this.deps.logger.warn({ conflicts: result.conflicts }, 'carts whose Redis copy had gone back behind Postgres were set right');
    return result;
  }

  /**
   * Rows the version guard kept. Usually another writer stored this very snapshot (same version,
   * same content), or a newer one while Redis moved on too. Otherwise Redis went back behind
   * Postgres: it lost the cart (a flush, a restart) and rebuilt it from an older snapshot while a
   * write read before the loss was in flight. Then the newer snapshot is loaded into Redis; and a
   * cart at the stored version with other content moves one version past it, so the next tick
   * writes it. Returns, per cart, the version its dirty mark may be dropped at (-1: keep it).
   */
  private async settleRefused(refused: StoredCart[]): Promise<{ settled: Map<string, number>; conflicts: number }> {
    const { store, repository } = this.deps;
    const settled = new Map<string, number>();
    let conflicts = 0;
    if (refused.length === 0) return { settled, conflicts };
    const stored = await repository.findMany(refused.map((cart) => cart.userId));
    for (const cart of refused) {
      const row = stored.get(cart.userId);
      if (!row || (row.version === cart.version && sameContent(row, cart))) {
        settled.set(cart.userId, cart.version);
      } else if (row.version > cart.version) {
        const { loaded } = await store.load(row, 'older');
        if (loaded) conflicts += 1;
        // Not loaded: the owner changed the cart meanwhile, to the stored version or past it, and
        // what Redis holds now may differ from the row: its mark stays, so the next tick settles it.
        settled.set(cart.userId, loaded ? row.version : -1);
      } else {
        const moved = await store.load({ ...cart, version: row.version + 1 }, 'older');
        if (moved.loaded) await store.markDirty([cart.userId]);
        conflicts += 1;
        settled.set(cart.userId, -1);
      }
    }
    return { settled, conflicts };
  }
}
