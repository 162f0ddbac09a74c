import type { Logger } from '../../lib/logger.js';
import type { StockStore } from '../../redis/stock-store.js';
import type { InventoryRepository } from '../inventory/inventory.repository.js';
import type { InventoryService } from '../inventory/inventory.service.js';
import type { VendorsRepository } from './vendors.repository.js';

export interface StockRecountDeps {
  inventory: Pick<InventoryService, 'changeStock'>;
  /** Where SKUs with units left to take wait for `recountDeferred`. */
  stock: Pick<StockStore, 'markRecountDeferred' | 'clearRecountDeferred' | 'deferredRecounts'>;
  ledger: Pick<InventoryRepository, 'setVendorOnHand'>;
  vendors: Pick<VendorsRepository, 'supplyTarget'>;
  /** Vendor counts seen longer ago than this stop counting. */
  staleAfterMs: number;
  logger: Logger;
}

/** What a recount did to one SKU's counted vendor units (and its gate). */
export interface RecountResult {
  sku: string;
  /** How far vendor_on_hand (and the gate) moved. */
  moved: number;
  /** The units a clamped decrease left for a later recount, because reservations hold them now. */
  deferred: number;
}

/**
 * Brings a SKU's counted vendor units (`inventory.vendor_on_hand`) to what the vendors' fresh counts
 * support (VendorsRepository.supplyTarget), moving the gate by the same amount through the path
 * admin stock changes take (InventoryService.changeStock): under the ledger row lock, with an
 * operation id, undone if the transaction fails. A decrease is clamped to what the gate still
 * admits, so a recount never takes units a reservation holds; the rest goes at a later recount,
 * once those reservations have ended: the SKU waits in a set that `recountDeferred` (a scheduled
 * job) recounts, as no vendor's sync may come again (the vendor was disabled, or lists the SKU no
 * more). A recount with nothing changed moves nothing.
 */
export class StockRecount {
  constructor(private readonly deps: StockRecountDeps) {}

  async recount(sku: string): Promise<RecountResult> {
    const { inventory, ledger, vendors, staleAfterMs, logger } = this.deps;
    let wanted = 0;
    const result = await inventory.changeStock(sku, {
      plan: async (row, tx) => {
        wanted = (await vendors.supplyTarget(tx, sku, staleAfterMs)) - row.vendorOnHand;
        return wanted === 0 ? undefined : { delta: wanted, clamp: true };
      },
      write: async (tx, row, applied) => {
        const vendorOnHand = row.vendorOnHand + applied;
        await ledger.setVendorOnHand(tx, sku, vendorOnHand, applied);
        return (now) => now.vendorOnHand === vendorOnHand;
      },
    });
    const moved = result.changed ? result.applied : 0;
    const outcome = { sku, moved, deferred: moved - wanted };
    if (outcome.deferred !== 0) {
      await this.deps.stock.markRecountDeferred(sku);
      logger.info(outcome, 'vendor units held by reservations: the recount takes them later');
    }
    return outcome;
  }

  /**
   * The scheduled job: recounts every SKU a recount left units of; those it settles leave the set.
   * Each leaves the set before its recount, which puts it back if units are still left: taken out
   * after, it would also take out a mark that a sync's recount clamping the SKU meanwhile had just
   * set, and those units would go back on sale when their reservations end.
   */
  async recountDeferred(): Promise<RecountResult[]> {
    const { stock } = this.deps;
    const results: RecountResult[] = [];
    for (const sku of await stock.deferredRecounts()) {
      await stock.clearRecountDeferred(sku);
      try {
        results.push(await this.recount(sku));
      } catch (error) {
        await stock.markRecountDeferred(sku);
        throw error;
      }
    }
    return results;
  }
}
