import type { Logger } from 'pino';
import type { Metrics } from '../../lib/metrics.js';
import type { CartStore } from '../../redis/cart-store.js';
import type { CartsRepository } from './carts.repository.js';

export interface CartReconcilerDeps {
  store: Pick<CartStore, 'cartsPage' | 'readMany' | 'areDirty' | 'markDirty' | 'load'>;
  repository: Pick<CartsRepository, 'versions' | 'findMany'>;
  metrics: Metrics;
  logger: Logger;
  /** Carts compared per round trip. */
  pageSize?: number;
}

export interface ReconcileResult {
  checked: number;
  /** Redis newer than its snapshot with no dirty mark (a mark lost): marked again, so the persister writes it. */
  unmarked: number;
  /** The snapshot newer than Redis (Redis went back in time, e.g. an older AOF): Redis reloaded from it. */
  redisBehind: number;
}

/**
 * Compares every cart in Redis with its Postgres snapshot by version and heals whichever side is
 * behind. Runs on a schedule (a BullMQ job scheduler: once however many workers); the numbers it
 * finds are the `flashcart_cart_drift` gauge. Carts only in Postgres are not drift: they are loaded
 * when next used.
 */
export class CartReconciler {
  constructor(private readonly deps: CartReconcilerDeps) {}

  async reconcile(): Promise<ReconcileResult> {
    const { store, metrics } = this.deps;
    const result: ReconcileResult = { checked: 0, unmarked: 0, redisBehind: 0 };
    let cursor = '0';
    do {
      const page = await store.cartsPage(cursor, this.deps.pageSize ?? 500);
      cursor = page.cursor;
      const ids = [...new Set(page.userIds)];
      if (ids.length === 0) continue;
      result.checked += ids.length;
      result.unmarked += await this.markUnmarked(ids);
      result.redisBehind += await this.reloadBehind(ids);
    } while (cursor !== '0');
    metrics.cartDrift.set({ kind: 'unmarked' }, result.unmarked);
    metrics.cartDrift.set({ kind: 'redis_behind' }, result.redisBehind);
    metrics.cartHealed.inc({ side: 'postgres' }, result.unmarked);
    metrics.cartHealed.inc({ side: 'redis' }, result.redisBehind);
    if (result.unmarked + result.redisBehind > 0) this.deps.logger.warn(result, 'carts drifted between Redis and Postgres; healed');
    return result;
  }

  /**
   * Carts newer in Redis than in Postgres with no dirty mark. A change marks its cart in the same
   * script that bumps the version, and the persister drops a mark only after writing that version.
   * So a cart found unmarked at the same version when checked again, whose snapshot, read after
   * that second check, is still older, lost its mark; anything else was a write in flight.
   */
  private async markUnmarked(ids: string[]): Promise<number> {
    const { store, repository } = this.deps;
    const first = await this.unmarkedVersions(ids);
    const stored = await repository.versions([...first.keys()]);
    // A cart never written is at version 0 (empty) until its first change: no snapshot needed.
    const candidates = [...first].filter(([id, version]) => version > (stored.get(id) ?? 0)).map(([id]) => id);
    if (candidates.length === 0) return 0;
    const again = await this.unmarkedVersions(candidates);
    const storedAgain = await repository.versions(candidates);
    const confirmed = candidates.filter((id) => again.get(id) === first.get(id) && first.get(id)! > (storedAgain.get(id) ?? 0));
    await store.markDirty(confirmed);
    return confirmed.length;
  }

  /** The Redis version of each cart that has no dirty mark. */
  private async unmarkedVersions(ids: string[]): Promise<Map<string, number>> {
    const [dirty, carts] = await Promise.all([this.deps.store.areDirty(ids), this.deps.store.readMany(ids)]);
    const versions = new Map<string, number>();
    ids.forEach((id, i) => {
      const cart = carts[i];
      if (cart && !dirty[i]) versions.set(id, cart.version);
    });
    return versions;
  }

  /** Carts whose snapshot is newer than Redis: reloaded, unless Redis caught up meanwhile (the script checks). */
  private async reloadBehind(ids: string[]): Promise<number> {
    const { store, repository } = this.deps;
    const [carts, stored] = await Promise.all([store.readMany(ids), repository.versions(ids)]);
    const behind = ids.filter((id, i) => carts[i] && carts[i].version < (stored.get(id) ?? -1));
    if (behind.length === 0) return 0;
    let reloaded = 0;
    for (const snapshot of (await repository.findMany(behind)).values()) {
      if ((await store.load(snapshot, 'older')).loaded) reloaded += 1;
    }
    return reloaded;
  }
}
