import type { Db } from '../../db/database.js';
import type { VendorRow } from '../../db/schema.js';
import type { Logger } from '../../lib/logger.js';
import type { RecountResult, StockRecount } from './stock-recount.js';
import type { VendorClients } from './vendor-clients.js';
import { VendorError } from './vendors.errors.js';
import type { VendorsRepository } from './vendors.repository.js';

export interface VendorSyncDeps {
  db: Db;
  vendors: VendorsRepository;
  clients: VendorClients;
  recount: Pick<StockRecount, 'recount'>;
  staleAfterMs: number;
  logger: Logger;
}

/** What one vendor's sync did; a vendor fault is an outcome here, never a thrown error. */
export type SyncReport =
  | { vendor: string; outcome: 'ok'; skus: number; moves: RecountResult[] }
  | { vendor: string; outcome: 'failed'; error: string; circuit: string; moves: RecountResult[] }
  | { vendor: string; outcome: 'disabled' };

/**
 * Syncs one vendor: fetches its stock through its client (timeouts, retries, breaker), stores its
 * counts of catalog SKUs, then recounts every SKU it touched or whose count of this vendor is
 * stale, so each SKU's counted vendor units and gate follow. A vendor fault (timeout, garbage, an
 * open breaker) is recorded on the vendor's row and reported, and the SKUs whose counts of this
 * vendor went stale meanwhile are recounted, so stale stock stops counting; only a fault of our own
 * stores (Postgres, Redis) throws, for the job to retry.
 */
export class VendorSync {
  constructor(private readonly deps: VendorSyncDeps) {}

  async sync(vendor: VendorRow): Promise<SyncReport> {
    const { db, vendors, clients, logger } = this.deps;
    if (!vendor.enabled) return { vendor: vendor.name, outcome: 'disabled' };
    const client = clients.for(vendor);
    // Counts are dated from before the request: an order placed at the vendor after this moment
    // may or may not be in them, so the recount subtracts it (see VendorsRepository.supplyTarget).
    // By Postgres's clock, as orders' placed_at is: a worker running slow would date the counts too
    // early, and an order placed after them would count as in them (sold twice).
    const seenAt = await vendors.databaseNow();
    let stock: Awaited<ReturnType<typeof client.fetchStock>>;
    try {
      stock = await client.fetchStock();
    } catch (error) {
      if (!(error instanceof VendorError)) throw error;
      await vendors.recordSync(vendor.id, seenAt, { status: 'failed', error: error.message }, client.circuitState());
      logger.warn({ vendor: vendor.name, err: error, circuit: client.circuitState() }, 'vendor sync failed');
      const moves = await this.recountAll(await this.staleSkusOf(vendor));
      await clients.circuitWritten(vendor.id);
      return { vendor: vendor.name, outcome: 'failed', error: error.message, circuit: client.circuitState(), moves };
    }
    // A vendor may answer from a cache: its counts are as old as it says (never newer than our request).
    const countedAt = new Date(Math.min(stock.asOf.getTime(), seenAt.getTime()));
    const { touched, listed } = await db.transaction().execute(async (tx) => {
      const stored = await vendors.storeStock(tx, vendor.id, stock.items, countedAt);
      await vendors.recordSync(vendor.id, seenAt, { status: 'ok', skuCount: stored.listed }, client.circuitState(), tx);
      return stored;
    });
    // A count this sync did not renew (the vendor answered from further back than what is stored,
    // or stopped listing the SKU) goes stale as on a failed sync, and stops counting.
    const moves = await this.recountAll([...new Set([...touched, ...(await this.staleSkusOf(vendor))])]);
    const moved = moves.filter((move) => move.moved !== 0);
    if (moved.length > 0) logger.info({ vendor: vendor.name, moved }, 'vendor sync moved stock');
    // The breaker's changes during this sync are on the vendor's row (in order) once it reports.
    await clients.circuitWritten(vendor.id);
    return { vendor: vendor.name, outcome: 'ok', skus: listed, moves };
  }

  /** The SKUs whose count of this vendor is too old to count. */
  private staleSkusOf(vendor: VendorRow): Promise<string[]> {
    return this.deps.vendors.staleSkusOf(vendor.id, this.deps.staleAfterMs);
  }

  private async recountAll(skus: string[]): Promise<RecountResult[]> {
    const results: RecountResult[] = [];
    for (const sku of skus) results.push(await this.deps.recount.recount(sku));
    return results;
  }
}
