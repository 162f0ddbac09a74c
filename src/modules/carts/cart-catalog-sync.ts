import type { Logger } from 'pino';
import type { JobQueues } from '../../jobs/job-queues.js';
import type { CartStore } from '../../redis/cart-store.js';
import type { StockStore } from '../../redis/stock-store.js';
import type { ProductCache } from '../catalog/product-cache.js';
import type { Realtime } from '../realtime/realtime.js';
import type { CartService } from './carts.service.js';

/** What reached a SKU that carts must hear about. */
export type CatalogChange = 'changed' | 'deleted' | 'stock';

export interface CartCatalogSyncDeps {
  carts: Pick<CartService, 'applyCatalogChange' | 'publish'>;
  store: Pick<CartStore, 'holdingPage' | 'read' | 'heldSkus' | 'recordSoldOut'>;
  stock: Pick<StockStore, 'gates'>;
  products: Pick<ProductCache, 'invalidate'>;
  queues: Pick<JobQueues, 'add'>;
  /** Tells the product's watchers (its page, lists showing it) to read it again. */
  realtime: Pick<Realtime, 'emitToProduct'>;
  logger: Logger;
}

/** Carts taken from the carts-holding set per round trip, and changed at once. */
const PAGE = 100;

/**
 * Carries catalog and stock changes to every cart holding the SKU, through the carts-holding sets
 * (SKU → carts) and the `refresh-carts` job: a price or title change gives each such cart a new
 * version and pushes it to its owner; a deleted product's line is removed with a notice saying
 * why; a SKU that sells out (or comes back) is pushed to the owners, its lines flagged `soldOut`.
 */
export class CartCatalogSync {
  constructor(private readonly deps: CartCatalogSyncDeps) {}

  /**
   * Called once a catalog change has committed. No jobId: a second change of the same SKU must
   * reach carts even while the first one's job waits, and running one twice costs a version and
   * a push, nothing more. A job that cannot be queued is logged, not thrown: the change stands,
   * carts are priced live, and a deleted line is removed whenever its cart is next read; only the
   * push to open screens is lost.
   */
  async productChanged(sku: string, change: 'changed' | 'deleted'): Promise<void> {
    await this.deps.queues.add('refresh-carts', { sku, change }).catch((error: unknown) => {
      this.deps.logger.warn({ err: error, sku, change }, 'carts holding this product were not refreshed; they catch up when next read');
    });
  }

  /** The `refresh-carts` job: every cart holding the SKU, a page at a time. */
  async refresh(sku: string, change: CatalogChange): Promise<number> {
    const { store, carts, products } = this.deps;
    // The worker may have read the product before the change: forget it here (and, harmlessly,
    // once more on the instances that heard the change already), so each cart gets the catalog as
    // it is now, whichever change queued the job (CartService.applyCatalogChange).
    if (change !== 'stock') {
      await products.invalidate(sku);
      // Every instance forgot the product before this job was queued: a watcher reads it anew.
      this.deps.realtime.emitToProduct(sku, 'product:update', { sku, change });
    }
    let reached = 0;
    let cursor = '0';
    do {
      const page = await store.holdingPage(sku, cursor, PAGE);
      cursor = page.cursor;
      const outcomes = await Promise.all(
        page.userIds.map(async (userId) => {
          if (change !== 'stock') return carts.applyCatalogChange(userId, sku);
          const cart = await store.read(userId);
          if (!cart?.lines.some((line) => line.sku === sku)) return false;
          await carts.publish(cart);
          return true;
        }),
      );
      reached += outcomes.filter(Boolean).length;
    } while (cursor !== '0');
    return reached;
  }

  /**
   * The scheduled sold-out watch: the SKUs some cart holds whose gate reached 0 since the last
   * tick, or left 0, get a `refresh-carts` job. A gate not loaded says nothing and is skipped.
   */
  async watchStock(): Promise<{ soldOut: string[]; back: string[] }> {
    const { store, stock, queues } = this.deps;
    const { held, soldOut: before } = await store.heldSkus();
    const gates = await stock.gates(held);
    const soldOut: string[] = [];
    const back: string[] = [];
    held.forEach((sku, i) => {
      const gate = gates[i];
      if (gate === null || gate === undefined) return;
      if (gate <= 0 && !before.has(sku)) soldOut.push(sku);
      if (gate > 0 && before.has(sku)) back.push(sku);
    });
    await store.recordSoldOut(soldOut, back);
    for (const sku of [...soldOut, ...back]) await queues.add('refresh-carts', { sku, change: 'stock' });
    if (soldOut.length + back.length > 0) this.deps.logger.info({ soldOut, back }, 'cart SKUs sold out or back in stock');
    return { soldOut, back };
  }
}
