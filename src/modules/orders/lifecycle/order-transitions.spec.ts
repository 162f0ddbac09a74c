import { sql } from 'kysely';
import { pino } from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import { FakeStockStore } from '../../../../test/fakes/fake-stock-store.js';
import type { RidingWrite, Tx } from '../../../db/database.js';
import type { OrderStatus } from '../../../db/schema.js';
import { Metrics } from '../../../lib/metrics.js';
import type { LedgerMoves } from '../../inventory/inventory.repository.js';
import type { NewOutboxEvent } from '../../outbox/outbox-events.js';
import type { StatusChange } from '../orders.repository.js';
import { OrderTransitions } from './order-transitions.js';

/** Orders, their lines and one ledger row per SKU in memory, with the guarded update of the real repositories. */
class FakeLedger {
  readonly status = new Map<string, OrderStatus>();
  readonly lines = new Map<string, { sku: string; quantity: number }[]>();
  readonly history: StatusChange[] = [];
  readonly ledger = new Map<string, { onHand: number; reserved: number; sold: number }>();
  readonly outbox: NewOutboxEvent[] = [];
  readonly settleCalls: { sku: string; sold: number; released: number }[][] = [];
  /** Which statements ran, in order; the writes that rode in one joined to it by `+`. */
  readonly calls: string[] = [];
  private readonly writeNames = new WeakMap<RidingWrite, string>();

  /** A write that rides in a statement; the fake statements record it by name. */
  riding(name: string): RidingWrite {
    const write = sql`${sql.raw(name)}`;
    this.writeNames.set(write, name);
    return write;
  }

  addOrder(orderId: string, lines: { sku: string; quantity: number }[]) {
    this.status.set(orderId, 'PENDING');
    this.lines.set(orderId, lines);
    for (const { sku, quantity } of lines) {
      const row = this.ledger.get(sku) ?? { onHand: 10, reserved: 0, sold: 0 };
      this.ledger.set(sku, { ...row, reserved: row.reserved + quantity });
    }
  }

  readonly orders = {
    lockStates: async (_tx: Tx, ids: readonly string[]) =>
      new Map(
        ids.filter((id) => this.status.has(id)).map((id) => [id, { status: this.status.get(id)!, userId: 'buyer', expiresAt: HELD_UNTIL }] as const),
      ),
    changeStatuses: async (_tx: Tx, changes: readonly StatusChange[], riding: readonly RidingWrite[] = []) => {
      this.calls.push(['orders', ...riding.map((write) => this.writeNames.get(write))].join('+'));
      const changed = new Set<string>();
      for (const change of changes) {
        if (this.status.get(change.orderId) !== change.from) continue;
        this.status.set(change.orderId, change.to);
        this.history.push(change);
        changed.add(change.orderId);
      }
      const lines = [...changed].flatMap((orderId) => (this.lines.get(orderId) ?? []).map((line) => ({ orderId, ...line })));
      return { changed, lines };
    },
  };

  readonly inventory = {
    settle: async (_tx: Tx, moves: LedgerMoves) => {
      const totals = new Map<string, { sku: string; sold: number; released: number }>();
      const total = (sku: string) => totals.get(sku) ?? totals.set(sku, { sku, sold: 0, released: 0 }).get(sku)!;
      for (const { sku, quantity } of moves.sold) total(sku).sold += quantity;
      for (const { sku, quantity } of moves.released) total(sku).released += quantity;
      this.settleCalls.push([...totals.values()]);
      this.calls.push('ledger');
      for (const { sku, sold, released } of totals.values()) {
        const row = this.ledger.get(sku)!;
        this.ledger.set(sku, { onHand: row.onHand - sold, reserved: row.reserved - sold - released, sold: row.sold + sold });
      }
    },
  };

  readonly outboxRepository = {
    appending: (events: readonly NewOutboxEvent[]) => {
      this.outbox.push(...events);
      return this.riding('outbox');
    },
  };
}

const NOW = new Date('2026-03-01T12:00:00Z');
/** Every order's hold, as the fake's lock reads it. */
const HELD_UNTIL = new Date('2026-03-01T11:45:00Z');

describe('OrderTransitions', () => {
  let ledger: FakeLedger;
  let stock: FakeStockStore;
  let transitions: OrderTransitions;

  async function place(orderId: string, lines: { sku: string; quantity: number }[]) {
    ledger.addOrder(orderId, lines);
    for (const { sku } of lines) if (!stock.gateValues.has(sku)) stock.gateValues.set(sku, 10);
    await stock.reserve({
      userId: 'u',
      idempotencyKeyHash: orderId,
      fingerprint: 'f',
      orderId,
      expiresAtMs: 0,
      idempotencyTtlSeconds: 60,
      snapshot: '{}',
      lines,
    });
  }

  beforeEach(async () => {
    ledger = new FakeLedger();
    stock = new FakeStockStore();
    transitions = new OrderTransitions({
      inTransaction: (work) => work({} as Tx),
      orders: ledger.orders,
      inventory: ledger.inventory,
      outbox: ledger.outboxRepository,
      stock,
      metrics: new Metrics(),
      logger: pino({ level: 'silent' }),
      now: () => NOW,
    });
    await place('order-1', [{ sku: 'SKU', quantity: 2 }]);
  });

  it('confirms a pending order: its units are sold, its reservation consumed, and the change recorded with its actor and an outbox event', async () => {
    expect(await transitions.apply('order-1', 'CONFIRMED', { reason: 'paid', actor: 'payment' })).toEqual({ changed: true, status: 'CONFIRMED' });
    expect(ledger.ledger.get('SKU')).toEqual({ onHand: 8, reserved: 0, sold: 2 });
    expect(stock.reservations.has('order-1')).toBe(false);
    expect(stock.gateValues.get('SKU')).toBe(8);
    expect(ledger.history).toEqual([
      { orderId: 'order-1', from: 'PENDING', to: 'CONFIRMED', reason: 'paid', actor: 'payment', at: '2026-03-01T12:00:00.000Z' },
    ]);
    expect(ledger.outbox).toEqual([
      {
        type: 'order.status-changed',
        orderId: 'order-1',
        payload: { from: 'PENDING', to: 'CONFIRMED', reason: 'paid', actor: 'payment', at: NOW.toISOString() },
      },
    ]);
  });

  it('cancels or expires a pending order: its units go back to the ledger and the gate', async () => {
    expect(await transitions.apply('order-1', 'EXPIRED', { from: 'PENDING', actor: 'expiry' })).toEqual({ changed: true, status: 'EXPIRED' });
    expect(ledger.ledger.get('SKU')).toEqual({ onHand: 10, reserved: 0, sold: 0 });
    expect(stock.gateValues.get('SKU')).toBe(10);
  });

  it('expires an order only if its hold, read under the lock, ended by the sweeper’s cutoff: a payment may have extended it since the listing', async () => {
    const before = new Date(HELD_UNTIL.getTime() - 1);
    expect(await transitions.apply('order-1', 'EXPIRED', { from: 'PENDING', actor: 'expiry', heldUntilAtMost: before })).toEqual({
      changed: false,
      status: 'PENDING',
    });
    expect(ledger.settleCalls).toHaveLength(0);
    expect(await transitions.apply('order-1', 'EXPIRED', { from: 'PENDING', actor: 'expiry', heldUntilAtMost: HELD_UNTIL })).toEqual({
      changed: true,
      status: 'EXPIRED',
    });
  });

  it('tells the loser of a race the status it lost to, and moves no stock for it', async () => {
    await transitions.apply('order-1', 'CANCELLED', { from: 'PENDING', actor: 'customer' });
    expect(await transitions.apply('order-1', 'EXPIRED', { from: 'PENDING', actor: 'expiry' })).toEqual({ changed: false, status: 'CANCELLED' });
    expect(ledger.settleCalls).toHaveLength(1);
    expect(ledger.history).toHaveLength(1);
    expect(stock.gateValues.get('SKU')).toBe(10);
  });

  it('refuses what the lifecycle forbids: leaving a final status, skipping confirmation, or a change expected from another status', async () => {
    expect(await transitions.apply('order-1', 'FULFILLED', { actor: 'admin' })).toEqual({ changed: false, status: 'PENDING' });
    await transitions.apply('order-1', 'CANCELLED', { actor: 'admin' });
    for (const to of ['PENDING', 'CONFIRMED', 'EXPIRED', 'FAILED'] as const) {
      expect(await transitions.apply('order-1', to, { actor: 'admin' })).toEqual({ changed: false, status: 'CANCELLED' });
    }
    expect(ledger.history.map((entry) => entry.to)).toEqual(['CANCELLED']);
  });

  it('throws NOT_FOUND for an order with no row', async () => {
    await expect(transitions.apply('no-such-order', 'CANCELLED', { actor: 'customer' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('reports a committed change even when the Redis step fails, leaving that step to the sweeper', async () => {
    stock.end = async () => {
      throw new Error('Connection is closed.');
    };
    expect(await transitions.apply('order-1', 'CANCELLED', { actor: 'customer' })).toEqual({ changed: true, status: 'CANCELLED' });
    expect(ledger.ledger.get('SKU')!.reserved).toBe(0);
    expect(stock.reservations.has('order-1')).toBe(true);
  });

  it('applies a batch with one ledger update per SKU, answering each request on its own', async () => {
    await place('order-2', [
      { sku: 'SKU', quantity: 1 },
      { sku: 'OTHER', quantity: 3 },
    ]);
    await place('order-3', [{ sku: 'SKU', quantity: 4 }]);
    const results = await transitions.applyMany([
      { orderId: 'order-1', to: 'CONFIRMED', from: 'PENDING', actor: 'payment' },
      { orderId: 'order-2', to: 'CONFIRMED', from: 'PENDING', actor: 'payment' },
      { orderId: 'order-3', to: 'CANCELLED', from: 'PENDING', actor: 'customer' },
      { orderId: 'order-1', to: 'CONFIRMED', from: 'PENDING', actor: 'payment' },
      { orderId: 'missing', to: 'CONFIRMED', from: 'PENDING', actor: 'payment' },
    ]);
    expect(results).toEqual([
      { changed: true, status: 'CONFIRMED' },
      { changed: true, status: 'CONFIRMED' },
      { changed: true, status: 'CANCELLED' },
      { changed: false, status: 'CONFIRMED' },
      undefined,
    ]);
    expect(ledger.settleCalls).toHaveLength(1);
    expect(ledger.settleCalls[0]!.sort((a, b) => a.sku.localeCompare(b.sku))).toEqual([
      { sku: 'OTHER', sold: 3, released: 0 },
      { sku: 'SKU', sold: 3, released: 4 },
    ]);
    expect(ledger.ledger.get('SKU')).toEqual({ onHand: 7, reserved: 0, sold: 3 });
    expect(stock.reservations.size).toBe(0);
    expect(ledger.outbox.filter((event) => event.type === 'order.status-changed')).toHaveLength(3);
  });

  it('moves the ledger last, after the caller’s own writes, so a hot SKU’s row is locked only until the commit', async () => {
    await transitions.inTransaction(async (_tx, stage) => {
      await stage([{ orderId: 'order-1', to: 'CONFIRMED', from: 'PENDING', actor: 'payment' }]);
      ledger.calls.push('caller');
    });
    expect(ledger.calls).toEqual(['orders+outbox', 'caller', 'ledger']);
  });

  it('sends the caller’s writes that follow from the results in the statement that changes the orders', async () => {
    const seen: unknown[] = [];
    await transitions.inTransaction((_tx, stage) =>
      stage(
        [
          { orderId: 'order-1', to: 'CONFIRMED', from: 'PENDING', actor: 'payment' },
          { orderId: 'missing', to: 'CANCELLED', actor: 'customer' },
        ],
        (results) => {
          seen.push(...results);
          return [ledger.riding('outcomes')];
        },
      ),
    );
    expect(seen).toEqual([{ changed: true, status: 'CONFIRMED' }, undefined]);
    expect(ledger.calls).toEqual(['orders+outbox+outcomes', 'ledger']);
  });

  it('still sends the caller’s writes when no order changes', async () => {
    await transitions.inTransaction((_tx, stage) =>
      stage([{ orderId: 'missing', to: 'CANCELLED', actor: 'customer' }], () => [ledger.riding('outcomes')]),
    );
    expect(ledger.calls).toEqual(['orders+outcomes']);
    expect(ledger.outbox).toEqual([]);
  });

  it('refuses to stage twice in one transaction, which would lock orders out of id order', async () => {
    await place('order-2', [{ sku: 'SKU', quantity: 1 }]);
    await expect(
      transitions.inTransaction(async (_tx, stage) => {
        await stage([{ orderId: 'order-2', to: 'CANCELLED', actor: 'customer' }]);
        await stage([{ orderId: 'order-1', to: 'CANCELLED', actor: 'customer' }]);
      }),
    ).rejects.toThrow(/once per transaction/);
  });
});
