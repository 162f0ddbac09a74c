import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { createProduct } from '../support/fixtures.js';
import { type Answer, type Api, eventually, guests, settleInWaves } from '../support/http.js';
import { expectEveryAcceptedOrderPersisted, expectLedgerBalanced, persistedOrderCount } from '../support/persisted-orders.js';
import { type ChildRole, spawnRole, useSystem } from '../support/system.js';

const BUYERS = 600;

/**
 * Invariant 2, no lost acceptance: once the API has answered 202, the order reaches Postgres
 * whatever happens to the worker that was persisting it.
 */
describe('persist worker crash', () => {
  // The API runs here and queues persist jobs; only child processes persist them, so one can be killed.
  const sut = useSystem({ api: true, worker: false });
  let buyers: Api[];
  const workers: ChildRole[] = [];

  beforeAll(async () => {
    buyers = await guests(sut.system.url!, BUYERS);
  });

  afterAll(async () => {
    for (const worker of workers) await worker.kill('SIGKILL');
  });

  it('a persist worker killed with SIGKILL while persisting loses no accepted order', async () => {
    onTestFailed(() => {
      for (const [i, worker] of workers.entries()) console.error(`worker ${i} said:\n${worker.output().slice(-4_000)}`);
    });
    const sku = await createProduct(sut.admin, { onHand: BUYERS });
    const ordersQueue = sut.system.container.queues.queue('orders');

    // One job at a time: the backlog then outlasts the moment the kill is decided on any machine,
    // so the kill lands with orders persisted, one in flight and more still waiting.
    const doomed = await spawnRole(sut.stores, 'worker', { PERSIST_CONCURRENCY: '1' });
    workers.push(doomed);

    const placing = settleInWaves(
      buyers.map((buyer, i) => () => buyer.order([{ sku, quantity: 1 }], `crash-${i}`)),
      100,
    );

    // Kill as soon as the worker has written something and is holding a job with more queued behind it.
    const deadline = Date.now() + 120_000;
    for (;;) {
      const counts = await ordersQueue.getJobCounts('active', 'waiting');
      if ((counts.active ?? 0) > 0 && (counts.waiting ?? 0) > 0 && (await persistedOrderCount(sut.admin)) > 0) break;
      if (doomed.child.exitCode !== null) throw new Error(`the worker exited on its own:\n${doomed.output()}`);
      if (Date.now() > deadline) throw new Error(`the worker never got going:\n${doomed.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await doomed.kill('SIGKILL');
    expect(doomed.child.signalCode).toBe('SIGKILL');

    // What the dead worker left: jobs it had taken and never finished, and the orders it had written.
    const orphanedJobIds = (await ordersQueue.getJobs(['active'])).map((job) => job.id!);
    const persistedAtKill = await persistedOrderCount(sut.admin);

    const answers: Answer[] = (await placing).map((result) => {
      if (result.status === 'rejected') throw result.reason;
      return result.value;
    });
    expect(answers.filter((answer) => answer.status !== 202)).toEqual([]);
    const acceptedIds = answers.map((answer) => answer.body.id as string);
    expect(new Set(acceptedIds).size).toBe(BUYERS);

    // The kill landed mid-way: some orders written, not all, and at least one job taken but unfinished.
    expect(persistedAtKill).toBeGreaterThan(0);
    expect(persistedAtKill).toBeLessThan(acceptedIds.length);
    expect(orphanedJobIds.length).toBeGreaterThan(0);
    expect(acceptedIds).toEqual(expect.arrayContaining(orphanedJobIds));

    // A fresh worker takes over the stalled job (after the dead one's lock expires) and the backlog.
    workers.push(await spawnRole(sut.stores, 'worker'));

    await expectEveryAcceptedOrderPersisted(sut.admin, acceptedIds);
    await eventually(async () => {
      const done = await Promise.all(orphanedJobIds.map(async (id) => (await ordersQueue.getJob(id))?.isCompleted()));
      return done.every(Boolean) ? true : undefined;
    }, 'the persist jobs the dead worker held to complete');
    expect(await ordersQueue.getJobCounts('failed')).toMatchObject({ failed: 0 });

    await expectLedgerBalanced(sut.admin, sku, BUYERS, acceptedIds.length);
  });
});
