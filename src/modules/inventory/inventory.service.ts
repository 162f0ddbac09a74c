import type { Db } from '../../db/database.js';
import { AppError, notFound } from '../../lib/errors.js';
import type { StockStore } from '../../redis/stock-store.js';
import type { InventoryRepository } from './inventory.repository.js';

/** Both sides of a SKU's stock: the Postgres ledger and the Redis gate, and how far apart they are. */
export interface InventoryView {
  sku: string;
  onHand: number;
  reserved: number;
  sold: number;
  /** What the ledger can still promise: onHand - reserved. */
  available: number;
  /** What the Redis gate admits now. */
  gateAvailable: number;
  /** gateAvailable - available: 0 when they agree; briefly negative while accepted orders await persistence. */
  drift: number;
}

export interface DriftSummary {
  skus: number;
  drifting: number;
  absoluteDrift: number;
}

const insufficient = (sku: string, requested: number, available: number) =>
  new AppError('INSUFFICIENT_STOCK', `cannot take ${requested} unit(s) of ${sku} away: only ${available} unreserved`, {
    sku,
    requested,
    available,
  });

/**
 * Admin changes of on-hand stock, kept in step on both sides. Stock leaves the Redis gate before the
 * ledger and enters it after, so Redis never admits a unit the ledger does not have.
 */
export class InventoryService {
  constructor(
    private readonly db: Db,
    private readonly repository: InventoryRepository,
    private readonly stock: StockStore,
  ) {}

  async view(sku: string): Promise<InventoryView> {
    const row = await this.repository.find(sku);
    if (!row) throw notFound('inventory', { sku });
    const available = row.onHand - row.reserved;
    const [gate] = await this.stock.gates([sku]);
    const gateAvailable = gate ?? (await this.stock.loadGate(sku, available));
    return { sku, onHand: row.onHand, reserved: row.reserved, sold: row.sold, available, gateAvailable, drift: gateAvailable - available };
  }

  adjust(sku: string, delta: number, actorId: string | null, reason = 'adjustment'): Promise<InventoryView> {
    return this.changeOnHand(sku, (current) => current + delta, actorId, reason);
  }

  setOnHand(sku: string, onHand: number, actorId: string | null, reason = 'stock count'): Promise<InventoryView> {
    return this.changeOnHand(sku, () => onHand, actorId, reason);
  }

  /** Loads the gate of a SKU from the ledger unless it is loaded; returns what the gate admits. */
  async ensureGate(sku: string): Promise<number> {
    return this.stock.loadGate(sku, await this.repository.available(sku));
  }

  async driftSummary(): Promise<DriftSummary> {
    const ledger = await this.repository.allAvailability();
    const gates = await this.stock.gates(ledger.map((row) => row.sku));
    let drifting = 0;
    let absoluteDrift = 0;
    ledger.forEach((row, i) => {
      const gate = gates[i];
      if (gate === null || gate === undefined) return;
      const drift = Math.abs(gate - row.available);
      if (drift !== 0) drifting += 1;
      absoluteDrift += drift;
    });
    return { skus: ledger.length, drifting, absoluteDrift };
  }

  private async changeOnHand(
    sku: string,
    target: (current: number) => number,
    actorId: string | null,
    reason: string,
  ): Promise<InventoryView> {
    let takenFromGate = 0;
    let addedToLedger = 0;
    try {
      await this.db.transaction().execute(async (tx) => {
        const row = await this.repository.lock(tx, sku);
        if (!row) throw notFound('inventory', { sku });
        const onHand = target(row.onHand);
        const delta = onHand - row.onHand;
        if (onHand < row.reserved) throw insufficient(sku, -delta, row.onHand - row.reserved);
        if (delta === 0) return;
        if (delta < 0) {
          let moved = await this.stock.adjustGate(sku, delta);
          if (moved.kind === 'mustLoad') {
            await this.stock.loadGate(sku, row.onHand - row.reserved);
            moved = await this.stock.adjustGate(sku, delta);
          }
          if (moved.kind === 'insufficient') throw insufficient(sku, -delta, moved.available);
          takenFromGate = -delta;
        } else {
          addedToLedger = delta;
        }
        await this.repository.setOnHand(tx, sku, onHand, delta, reason, actorId);
      });
    } catch (error) {
      if (takenFromGate > 0) await this.stock.adjustGate(sku, takenFromGate);
      throw error;
    }
    if (addedToLedger > 0) await this.stock.adjustGate(sku, addedToLedger);
    return this.view(sku);
  }
}
