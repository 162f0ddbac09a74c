import { pino } from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import { FakeStockStore } from '../../../../test/fakes/fake-stock-store.js';
import type { Tx } from '../../../db/database.js';
import type { OrderStatus } from '../../../db/schema.js';
import { Metrics } from '../../../lib/metrics.js';
import type { StockLine } from '../../inventory/inventory.schemas.js';
import { OrderTransitions } from './order-transitions.js';

/** One order row and one ledger row in memory, with the guarded update of the real repository. */
class FakeLedger {
  status: OrderStatus = 'PENDING';
  history: { status: OrderStatus; reason: string | null }[] = [{ status: 'PENDING', reason: null }];
  ledger = { onHand: 10, reserved: 2, sold: 0 };
  /** A change another process commits just before ours (a race lost in Postgres). */
  concurrentChange: OrderStatus | undefined;

  readonly orders = {
    findState: async () => ({ userId: 'u', status: this.status, createdAt: new Date(0), confirmedAt: null }),
    changeStatus: async (_tx: Tx, _id: string, from: OrderStatus, to: OrderStatus, reason: string | null) => {
      if (this.concurrentChange) {
        this.status = this.concurrentChange;
        this.concurrentChange = undefined;
      }
      if (this.status !== from) return false;
      this.status = to;
      this.history.push({ status: to, reason });
      return true;
    },
    lines: async (): Promise<StockLine[]> => [{ sku: 'SKU', quantity: 2 }],
  };

  readonly inventory = {
    sell: async (_tx: Tx, _orderId: string, lines: StockLine[]) => {
      for (const { quantity } of lines)
        this.ledger = { onHand: this.ledger.onHand - quantity, reserved: this.ledger.reserved - quantity, sold: quantity };
    },
    release: async (_tx: Tx, lines: StockLine[]) => {
      for (const { quantity } of lines) this.ledger = { ...this.ledger, reserved: this.ledger.reserved - quantity };
    },
  };
}

describe('OrderTransitions.apply', () => {
  const orderId = 'order-1';
  let ledger: FakeLedger;
  let stock: FakeStockStore;
  let transitions: OrderTransitions;

  beforeEach(async () => {
    ledger = new FakeLedger();
    stock = new FakeStockStore();
    stock.gateValues.set('SKU', 10);
    await stock.reserve({
      userId: 'u',
      idempotencyKeyHash: 'k',
      fingerprint: 'f',
      orderId,
      expiresAtMs: 0,
      idempotencyTtlSeconds: 60,
      snapshot: '{}',
      lines: [{ sku: 'SKU', quantity: 2 }],
    });
    transitions = new OrderTransitions({
      inTransaction: (work) => work({} as Tx),
      orders: ledger.orders,
      inventory: ledger.inventory,
      stock,
      metrics: new Metrics(),
      logger: pino({ level: 'silent' }),
    });
  });

  it('confirms a pending order: its units are sold in the ledger and its reservation consumed, not given back', async () => {
    expect(await transitions.apply(orderId, 'CONFIRMED', { reason: 'paid' })).toEqual({ changed: true, status: 'CONFIRMED' });
    expect(ledger.ledger).toEqual({ onHand: 8, reserved: 0, sold: 2 });
    expect(stock.reservations.has(orderId)).toBe(false);
    expect(stock.gateValues.get('SKU')).toBe(8);
    expect(ledger.history.at(-1)).toEqual({ status: 'CONFIRMED', reason: 'paid' });
  });

  it('cancels or expires a pending order: its units go back to the ledger and the gate', async () => {
    expect(await transitions.apply(orderId, 'EXPIRED', { from: 'PENDING' })).toEqual({ changed: true, status: 'EXPIRED' });
    expect(ledger.ledger).toEqual({ onHand: 10, reserved: 0, sold: 0 });
    expect(stock.gateValues.get('SKU')).toBe(10);
  });

  it('tells the loser of a race the status it lost to, and moves no stock for it', async () => {
    ledger.concurrentChange = 'CANCELLED';
    expect(await transitions.apply(orderId, 'EXPIRED', { from: 'PENDING' })).toEqual({ changed: false, status: 'CANCELLED' });
    expect(ledger.ledger.reserved).toBe(2);
    expect(stock.gateValues.get('SKU')).toBe(8);
  });

  it('refuses what the lifecycle forbids: leaving a final status, skipping confirmation, or a change expected from another status', async () => {
    expect(await transitions.apply(orderId, 'FULFILLED')).toEqual({ changed: false, status: 'PENDING' });
    await transitions.apply(orderId, 'CANCELLED');
    for (const to of ['PENDING', 'CONFIRMED', 'EXPIRED', 'FAILED'] as const) {
      expect(await transitions.apply(orderId, to)).toEqual({ changed: false, status: 'CANCELLED' });
    }
    expect(ledger.history.map((entry) => entry.status)).toEqual(['PENDING', 'CANCELLED']);
  });

  it('reports a committed change even when the Redis step fails, leaving that step to the sweeper', async () => {
    stock.end = async () => {
      throw new Error('Connection is closed.');
    };
    expect(await transitions.apply(orderId, 'CANCELLED')).toEqual({ changed: true, status: 'CANCELLED' });
    expect(ledger.ledger.reserved).toBe(0);
    expect(stock.reservations.has(orderId)).toBe(true);
  });
});
