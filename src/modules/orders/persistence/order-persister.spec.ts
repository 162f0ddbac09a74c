import { pino } from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import { FakeStockStore } from '../../../../test/fakes/fake-stock-store.js';
import type { Tx } from '../../../db/database.js';
import { SqlState } from '../../../db/postgres-errors.js';
import { Metrics } from '../../../lib/metrics.js';
import type { DeadLetter } from '../../failed-jobs/dead-letter.js';
import type { OrderSnapshot } from '../order-snapshot.js';
import { OrderPersister } from './order-persister.js';
import type { OrderWrite } from './order-writes.repository.js';

const pgError = (code: string) => Object.assign(new Error(`postgres said ${code}`), { code });

/**
 * The one-statement writer, in memory: it refuses a whole statement when any order in it is poisoned,
 * as Postgres aborts the statement without saying which order it refused, and records every call.
 */
class FakeOrderWrites {
  readonly stored = new Map<string, OrderWrite['status']>();
  readonly statements: { ids: string[]; status: OrderWrite['status'] }[] = [];
  readonly poison = new Map<string, Error>();
  /** Refused even as FAILED (the parts of it a FAILED record keeps are what Postgres refuses). */
  readonly poisonEvenFailed = new Set<string>();
  outage: Error | undefined;

  async insert(_tx: Tx, snapshots: OrderSnapshot[], write: OrderWrite): Promise<Set<string>> {
    this.statements.push({ ids: snapshots.map((s) => s.id), status: write.status });
    if (this.outage) throw this.outage;
    const refused = snapshots.find(
      (snapshot) => this.poison.has(snapshot.id) && (write.status === 'PENDING' || this.poisonEvenFailed.has(snapshot.id)),
    );
    if (refused) throw this.poison.get(refused.id);
    const inserted = new Set<string>();
    for (const { id } of snapshots) {
      if (this.stored.has(id)) continue;
      this.stored.set(id, write.status);
      inserted.add(id);
    }
    return inserted;
  }
}

const snapshot = (n: number): OrderSnapshot => ({
  id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  userId: '11111111-1111-4111-8111-111111111111',
  items: [{ sku: 'SKU', title: 'Thing', quantity: 1, unitPriceCents: 100 }],
  totalCents: 100,
  currency: 'EUR',
  customerEmail: 'buyer@example.com',
  shippingAddress: null,
  idempotencyKeyHash: `hash-${n}`,
  createdAt: '2026-12-01T10:00:00.000Z',
  expiresAt: '2026-12-01T10:15:00.000Z',
});

describe('OrderPersister.persistBatch', () => {
  let writes: FakeOrderWrites;
  let stock: FakeStockStore;
  let persister: OrderPersister;
  let deadLetters: DeadLetter[];

  beforeEach(async () => {
    deadLetters = [];
    writes = new FakeOrderWrites();
    stock = new FakeStockStore();
    stock.gateValues.set('SKU', 100);
    persister = new OrderPersister({
      inTransaction: (work) => work({} as Tx),
      writes,
      orders: { findState: async () => undefined },
      stock,
      deadLetter: async (letter) => {
        deadLetters.push(letter);
      },
      metrics: new Metrics(),
      logger: pino({ level: 'silent' }),
    });
  });

  /** Accepted orders, each with its reservation in the fake store. */
  const accepted = async (count: number) => {
    const snapshots = Array.from({ length: count }, (_, i) => snapshot(i + 1));
    for (const s of snapshots) {
      await stock.reserve({
        userId: s.userId,
        idempotencyKeyHash: s.idempotencyKeyHash,
        fingerprint: 'f',
        orderId: s.id,
        expiresAtMs: 0,
        idempotencyTtlSeconds: 60,
        snapshot: JSON.stringify(s),
        lines: [{ sku: 'SKU', quantity: 1 }],
      });
    }
    return snapshots;
  };

  it('writes a whole batch in one statement', async () => {
    const batch = await accepted(50);
    expect(await persister.persistBatch(batch)).toEqual(Array(50).fill('persisted'));
    expect(writes.statements).toHaveLength(1);
    expect(writes.statements[0]!.ids).toHaveLength(50);
  });

  it('halves a refused batch until only the refused order is alone, fails that one and stores the rest', async () => {
    const batch = await accepted(16);
    writes.poison.set(batch[5]!.id, pgError('22P05'));
    const outcomes = await persister.persistBatch(batch);

    expect(outcomes.filter((outcome) => outcome === 'persisted')).toHaveLength(15);
    expect(outcomes[5]).toBe('unstorable');
    expect(writes.stored.get(batch[5]!.id)).toBe('FAILED');
    // Each refused group is halved; each half without the bad order is written whole: 16 refused,
    // 8 (1-8) refused, 4 (1-4) written, 4 (5-8) refused, 2 (5-6) refused, 1 (5) written, 1 (6) refused,
    // 2 (7-8) written, 8 (9-16) written.
    const held = writes.statements.filter((statement) => statement.status === 'PENDING');
    expect(held.map((statement) => statement.ids.length)).toEqual([16, 8, 4, 4, 2, 1, 1, 2, 8]);
    // The unstorable order gives its units back; the others keep theirs.
    expect(stock.gateValues.get('SKU')).toBe(100 - 15);
  });

  it('keeps an order Postgres will not store even as FAILED as a dead letter, gives its units back, and stores the orders behind it', async () => {
    const batch = await accepted(4);
    writes.poison.set(batch[1]!.id, pgError('22P02'));
    writes.poisonEvenFailed.add(batch[1]!.id);
    expect(await persister.persistBatch(batch)).toEqual(['persisted', 'unstorable', 'persisted', 'persisted']);
    expect(writes.stored.has(batch[1]!.id)).toBe(false);
    expect(deadLetters).toEqual([
      expect.objectContaining({
        queue: 'persistence',
        name: 'persist-order',
        jobId: batch[1]!.id,
        payload: batch[1],
        reason: expect.stringContaining('22P02'),
      }),
    ]);
    expect(stock.reservations.has(batch[1]!.id)).toBe(false);
    expect(stock.gateValues.get('SKU')).toBe(97);
  });

  it('fails an order the ledger refuses (stock drift) and consumes its over-admitted units', async () => {
    const batch = await accepted(4);
    writes.poison.set(batch[2]!.id, pgError(SqlState.CHECK_VIOLATION));
    expect(await persister.persistBatch(batch)).toEqual(['persisted', 'persisted', 'refused-by-ledger', 'persisted']);
    expect(stock.reservations.has(batch[2]!.id)).toBe(false);
    expect(stock.gateValues.get('SKU')).toBe(96);
  });

  it('throws, writing nothing, when Postgres cannot be reached: the caller retries the batch', async () => {
    const batch = await accepted(3);
    writes.outage = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    await expect(persister.persistBatch(batch)).rejects.toThrow('ECONNREFUSED');
    expect(writes.statements).toHaveLength(1);
    expect(writes.stored.size).toBe(0);
    expect(stock.reservations.size).toBe(3);
  });

  it('writes an order delivered twice in one batch once, and an order stored before as already persisted', async () => {
    const [first, second] = await accepted(2);
    await persister.persistBatch([first!]);
    expect(await persister.persistBatch([second!, first!, second!])).toEqual(['persisted', 'already-persisted', 'already-persisted']);
    expect(writes.statements.at(-1)!.ids).toEqual([second!.id, first!.id]);
  });
});
