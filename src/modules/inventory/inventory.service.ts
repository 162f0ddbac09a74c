import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Db, Tx } from '../../db/database.js';
import type { InventoryRow } from '../../db/schema.js';
import { AppError, notFound, validationFailed } from '../../lib/errors.js';
import type { Page } from '../../lib/http-schemas.js';
import type { StockStore } from '../../redis/stock-store.js';
import type { OutboxRepository } from '../outbox/outbox.repository.js';
import { stockChanged } from '../outbox/outbox-events.js';
import type { InventoryRepository } from './inventory.repository.js';
import { type InventoryListItem, type InventoryListQuery, type InventoryView, ON_HAND_LIMIT } from './inventory.schemas.js';

export interface InventoryServiceDeps {
  db: Db;
  repository: InventoryRepository;
  stock: StockStore;
  /** Where each committed change is announced (`stock.changed`), in its transaction. */
  outbox: Pick<OutboxRepository, 'append'>;
  logger: Logger;
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

const beyondLimit = (sku: string, onHand: number, delta: number) =>
  validationFailed(`${sku} cannot hold more than ${ON_HAND_LIMIT} units on hand: it has ${onHand} and the change adds ${delta}`, {
    sku,
    limit: ON_HAND_LIMIT,
    onHand,
    delta,
  });

/** What the ledger can still promise: local and counted vendor units, less what orders hold. */
export const ledgerAvailable = (row: Pick<InventoryRow, 'onHand' | 'vendorOnHand' | 'reserved'>) => row.onHand + row.vendorOnHand - row.reserved;

/** Both sides of a SKU from its ledger row and its gate (the ledger's availability when the gate is not loaded). */
function viewOf(row: InventoryRow, gate: number | null | undefined): InventoryView {
  const available = ledgerAvailable(row);
  const gateAvailable = gate ?? available;
  return {
    sku: row.sku,
    onHand: row.onHand,
    vendorOnHand: row.vendorOnHand,
    reserved: row.reserved,
    sold: row.sold,
    available,
    gateAvailable,
    drift: gateAvailable - available,
  };
}

/**
 * One change of a SKU's stock, run by `InventoryService.changeStock` under the SKU's ledger row lock.
 * `plan` says how far the gate must move (undefined: nothing to do; it may refuse by throwing);
 * `write` records the change in the ledger once the gate moved by `applied` (moving on_hand or
 * vendor_on_hand by exactly that much, so availability moves with the gate), and returns how to
 * tell from a ledger row re-read later whether that write committed.
 */
export interface StockChange {
  plan(row: InventoryRow, tx: Tx): Promise<{ delta: number; clamp: boolean } | undefined>;
  write(tx: Tx, row: InventoryRow, applied: number): Promise<(row: InventoryRow) => boolean>;
}

export type StockChangeResult = { changed: false } | { changed: true; applied: number };

/** A measurement this old is reused by the metrics scrape; reading every SKU on each scrape costs too much. */
const DRIFT_SUMMARY_MAX_AGE_MS = 15_000;

/**
 * Changes of stock kept in step on both sides (an admin's on-hand change, a vendor recount), and the
 * loading of gates.
 *
 * Every step that touches a gate runs while the SKU's ledger row is locked: a gate is loaded under
 * a share lock, and a change moves the gate before its transaction commits. So a load can never
 * fall between a ledger change and its gate step, which would count the change twice. Stock leaves
 * the gate before the ledger (a removal the gate cannot cover is refused, or clamped to what it
 * covers), and a change whose commit fails is undone on the gate, so the gate never stays above
 * the ledger.
 */
export class InventoryService {
  private driftCache: { at: number; summary: Promise<DriftSummary> } | undefined;
  /** Gate loads in progress, by SKU. */
  private readonly gateLoads = new Map<string, Promise<number>>();

  private readonly db: Db;
  private readonly repository: InventoryRepository;
  private readonly stock: StockStore;
  private readonly outbox: Pick<OutboxRepository, 'append'>;
  private readonly logger: Logger;

  constructor(deps: InventoryServiceDeps) {
    this.db = deps.db;
    this.repository = deps.repository;
    this.stock = deps.stock;
    this.outbox = deps.outbox;
    this.logger = deps.logger;
  }

  /**
   * Both sides of one SKU, read under the row's share lock: a stock change moves the gate while it
   * holds the row, so none falls between the two reads (read apart, a recount that took units just
   * then showed as drift it never was). A gate not loaded yet is loaded here, under the same lock,
   * as `ensureGate` loads one.
   */
  view(sku: string): Promise<InventoryView> {
    return this.db.transaction().execute(async (tx) => {
      const row = await this.repository.lock(tx, sku, 'share');
      if (!row) throw notFound('inventory', { sku });
      const [gate] = await this.stock.gates([sku]);
      return viewOf(row, gate ?? (await this.stock.loadGate(sku, ledgerAvailable(row))));
    });
  }

  /**
   * A page of every live product's ledger and gate, in SKU order. The gates are read in one call and
   * none is loaded: a SKU whose gate is not loaded shows the ledger's availability and no drift.
   */
  async list(query: InventoryListQuery): Promise<Page<InventoryListItem>> {
    const { rows, total } = await this.repository.ledgers({
      offset: (query.page - 1) * query.limit,
      limit: query.limit,
      low: query.low ?? false,
      q: query.q,
    });
    const gates = await this.stock.gates(rows.map((row) => row.sku));
    const items = rows.map((row, i) => ({ ...viewOf(row, gates[i]), title: row.title, lowStockThreshold: row.lowStockThreshold }));
    return { items, page: query.page, limit: query.limit, total };
  }

  adjust(sku: string, delta: number, actorId: string | null, reason = 'adjustment'): Promise<InventoryView> {
    return this.changeOnHand(sku, (current) => current + delta, actorId, reason);
  }

  /**
   * `alongside` runs first in the change's transaction, under the ledger row lock: its writes commit
   * with the change, or not at all when the change is refused.
   */
  setOnHand(
    sku: string,
    onHand: number,
    actorId: string | null,
    reason = 'stock count',
    alongside?: (tx: Tx) => Promise<void>,
  ): Promise<InventoryView> {
    return this.changeOnHand(sku, () => onHand, actorId, reason, alongside);
  }

  /** Announces, inside the transaction that wrote it, a new SKU's ledger row holding `onHand` units (`stock.changed`). */
  async announceNewStock(tx: Tx, sku: string, onHand: number): Promise<void> {
    await this.outbox.append(tx, [stockChanged(sku, onHand)]);
  }

  /** Re-arms, inside the transaction that changed the SKU's low-stock threshold, an alert the new threshold leaves behind. */
  rearmLowStock(tx: Tx, sku: string): Promise<void> {
    return this.repository.rearmLowStock(tx, sku);
  }

  /**
   * Loads the gate of a SKU from the ledger unless it is loaded; returns what the gate admits. The
   * row's share lock makes the load wait for any admin change in flight to finish its gate step.
   */
  ensureGate(sku: string): Promise<number> {
    // The first buyers of a sale all find the gate missing at once: they share one load rather
    // than queueing a transaction each for the pool.
    let load = this.gateLoads.get(sku);
    if (!load) {
      load = this.loadGate(sku).finally(() => this.gateLoads.delete(sku));
      this.gateLoads.set(sku, load);
    }
    return load;
  }

  private loadGate(sku: string): Promise<number> {
    return this.db.transaction().execute(async (tx) => {
      const row = await this.repository.lock(tx, sku, 'share');
      return this.stock.loadGate(sku, row ? ledgerAvailable(row) : 0);
    });
  }

  /** Drift over every SKU whose gate is loaded, measured at most every 15 s. */
  driftSummary(): Promise<DriftSummary> {
    if (!this.driftCache || Date.now() - this.driftCache.at > DRIFT_SUMMARY_MAX_AGE_MS) {
      const summary = this.measureDrift();
      summary.catch(() => (this.driftCache = undefined));
      this.driftCache = { at: Date.now(), summary };
    }
    return this.driftCache.summary;
  }

  private async measureDrift(): Promise<DriftSummary> {
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
    alongside?: (tx: Tx) => Promise<void>,
  ): Promise<InventoryView> {
    await this.changeStock(sku, {
      plan: async (row, tx) => {
        await alongside?.(tx);
        const onHand = target(row.onHand);
        const delta = onHand - row.onHand;
        if (onHand > ON_HAND_LIMIT) throw beyondLimit(sku, row.onHand, delta);
        // Vendor units count towards what reservations hold: local stock may go as low as the rest,
        // but never below 0, however many vendor units there are (the column's CHECK would refuse it).
        const floor = Math.max(0, row.reserved - row.vendorOnHand);
        if (onHand < floor) throw insufficient(sku, -delta, row.onHand - floor);
        return delta === 0 ? undefined : { delta, clamp: false };
      },
      write: async (tx, row, applied) => {
        const onHand = row.onHand + applied;
        await this.repository.setOnHand(tx, sku, onHand, applied, reason, actorId);
        return (now) => now.onHand === onHand;
      },
    });
    return this.view(sku);
  }

  /**
   * Runs one stock change on both sides (see StockChange): locks the ledger row, moves the gate by
   * the planned delta with an operation id (a repeat of it is a no-op), writes the ledger and a
   * `stock.changed` outbox event with the availability it leaves, commits.
   * A clamped removal moves the gate, and so the ledger, only as far as the gate admits. A
   * transaction that fails after the gate moved gives the move back.
   */
  async changeStock(sku: string, change: StockChange, operationId: string = randomUUID()): Promise<StockChangeResult> {
    let gateMoved = 0;
    let committed: ((row: InventoryRow) => boolean) | undefined;
    try {
      return await this.db.transaction().execute(async (tx): Promise<StockChangeResult> => {
        const row = await this.repository.lock(tx, sku, 'update');
        if (!row) throw notFound('inventory', { sku });
        const planned = await change.plan(row, tx);
        if (!planned || planned.delta === 0) return { changed: false };
        const moved = await this.moveGate(row, planned.delta, planned.clamp, operationId);
        gateMoved = moved.gate;
        if (moved.ledger === 0) return { changed: false };
        committed = await change.write(tx, row, moved.ledger);
        await this.outbox.append(tx, [stockChanged(sku, ledgerAvailable(row) + moved.ledger)]);
        return { changed: true, applied: moved.ledger };
      });
    } catch (error) {
      if (gateMoved !== 0) await this.undoGateMove(sku, gateMoved, committed, operationId);
      throw error;
    }
  }

  /**
   * The gate step of a change, under the row lock: how far the gate moved (`gate`, 0 when it is not
   * loaded) and how far the ledger is to move with it (`ledger`: the whole delta when the gate is not
   * loaded, since it will load from the ledger; what the gate applied otherwise).
   */
  private async moveGate(row: InventoryRow, delta: number, clamp: boolean, operationId: string): Promise<{ gate: number; ledger: number }> {
    let moved = await this.stock.adjustGate(row.sku, delta, operationId, { clamp });
    if (moved.kind === 'mustLoad') {
      await this.stock.loadGate(row.sku, ledgerAvailable(row));
      moved = await this.stock.adjustGate(row.sku, delta, operationId, { clamp });
    }
    if (moved.kind === 'insufficient') throw insufficient(row.sku, -delta, moved.available);
    return moved.kind === 'moved' ? { gate: moved.applied, ledger: moved.applied } : { gate: 0, ledger: delta };
  }

  /**
   * Takes back a gate move whose ledger change did not happen. When the commit's outcome is unknown
   * (the connection died at COMMIT), the ledger is read again to tell.
   */
  private async undoGateMove(
    sku: string,
    moved: number,
    committed: ((row: InventoryRow) => boolean) | undefined,
    operationId: string,
  ): Promise<void> {
    try {
      const row = committed && (await this.repository.find(sku));
      if (row && committed(row)) return;
      const undone = await this.stock.adjustGate(sku, -moved, `${operationId}:undo`);
      if (undone.kind === 'insufficient') {
        this.logger.error({ sku, moved }, 'could not take back a gate move: its units were reserved meanwhile (drift)');
      }
    } catch (error) {
      this.logger.error({ sku, moved, err: error }, 'could not check or undo a gate move after a failed stock change (drift)');
    }
  }
}
