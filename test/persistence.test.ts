import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { createProduct } from './support/fixtures.js';
import { type Answer, Api, eventually, guests, settleConcurrently } from './support/http.js';
import { persistStreamState } from './support/persist-stream.js';
import { expectEveryAcceptedOrderPersisted, expectLedgerBalanced } from './support/persisted-orders.js';
import { freePort, REDIS_URL } from './support/stores.js';
import { type ChildRole, spawnRole, useSystem } from './support/system.js';

const BUYERS = 2_000;

/** A counter's value in a Prometheus text exposition, 0 when absent. */
const counter = (metrics: string, line: string) => Number(new RegExp(`^${line.replace(/[{}"]/g, '\\$&')} (\\d+)$`, 'm').exec(metrics)?.[1] ?? 0);

describe('persistence shared by two worker processes', () => {
  const sut = useSystem({ api: true, worker: false });
  const workers: { role: ChildRole; ops: Api }[] = [];

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      // Small batches, so both workers get a share of a short sale.
      const role = await spawnRole(sut.stores, 'worker', { METRICS_PORT: String(port), PERSIST_BATCH_SIZE: '20' });
      workers.push({ role, ops: new Api(`http://127.0.0.1:${port}`, undefined, sut.system.url!) });
    }
  });

  afterAll(async () => {
    await Promise.all(workers.map(({ role }) => role.kill()));
  });

  it('stores every accepted order exactly once, in batches, with both workers taking part', async () => {
    onTestFailed(() => {
      for (const [i, { role }] of workers.entries()) console.error(`worker ${i} said:\n${role.output().slice(-3_000)}`);
    });
    const sku = await createProduct(sut.admin, { onHand: BUYERS });
    const buyers = await guests(sut.system.url!, BUYERS, 100);
    const results = await settleConcurrently(
      buyers.map((buyer, i) => () => buyer.order([{ sku, quantity: 1 }], `shared-${i}`)),
      100,
    );
    const answers = results.map((result) => (result as PromiseFulfilledResult<Answer>).value);
    expect(answers.filter((answer) => answer.status !== 202)).toEqual([]);
    const acceptedIds = answers.map((answer) => answer.body.id as string);

    await expectEveryAcceptedOrderPersisted(sut.admin, acceptedIds);
    await expectLedgerBalanced(sut.admin, sku, BUYERS, BUYERS);
    await eventually(async () => ((await persistStreamState(REDIS_URL, sut.stores.prefix)).backlog === 0 ? true : undefined), 'the stream to drain');

    // Written once: one order row, one line and one first history entry per accepted order.
    const { db } = sut.system.container;
    const rows = await sql<{ orders: number; lines: number; entries: number }>`
      SELECT (SELECT count(*)::int FROM orders) AS orders,
             (SELECT count(*)::int FROM order_lines) AS lines,
             (SELECT count(*)::int FROM order_history WHERE status = 'PENDING') AS entries`.execute(db);
    expect(rows.rows[0]).toEqual({ orders: BUYERS, lines: BUYERS, entries: BUYERS });

    // Both workers stored some, together each order once, in fewer statements than orders.
    const scraped = await Promise.all(workers.map(async ({ ops }) => (await ops.get('/metrics')).body as string));
    const stored = scraped.map((metrics) => counter(metrics, 'flashcart_orders_persisted_total{status="PENDING"}'));
    const batches = scraped.map((metrics) => counter(metrics, 'flashcart_persist_batch_orders_count'));
    expect(stored.every((count) => count > 0)).toBe(true);
    expect(stored[0]! + stored[1]!).toBe(BUYERS);
    expect(batches[0]! + batches[1]!).toBeLessThan(BUYERS);
  });
});
