import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { createProduct } from '../support/fixtures.js';
import { type Answer, type Api, eventually, guests, settleInWaves } from '../support/http.js';
import { persistStreamState } from '../support/persist-stream.js';
import { expectEveryAcceptedOrderPersisted, expectLedgerBalanced, persistedOrderCount } from '../support/persisted-orders.js';
import { REDIS_URL } from '../support/stores.js';
import { type ChildRole, spawnRole, useSystem } from '../support/system.js';

const BUYERS = 600;

/**
 * Invariant 2, no lost acceptance: once the API has answered 202, the order reaches Postgres
 * whatever happens to the worker that was persisting it.
 */
describe('persist worker crash', () => {
  // The API runs here and hands orders to the persist stream; only child processes persist them, so one can be killed.
  const sut = useSystem({ api: true, worker: false });
  let buyers: Api[];
  const workers: ChildRole[] = [];

  beforeAll(async () => {
    buyers = await guests(sut.system.url!, BUYERS);
  });

  afterAll(async () => {
    for (const worker of workers) await worker.kill('SIGKILL');
  });

  const stream = () => persistStreamState(REDIS_URL, sut.stores.prefix);

  it('a persist worker killed with SIGKILL while persisting loses no accepted order', async () => {
    onTestFailed(() => {
      for (const [i, worker] of workers.entries()) console.error(`worker ${i} said:\n${worker.output().slice(-4_000)}`);
    });
    const sku = await createProduct(sut.admin, { onHand: BUYERS });

    // Small batches, one at a time: the backlog then outlasts the moment the kill is decided on any
    // machine, so the kill lands with orders persisted, a batch read but unacknowledged, and more waiting.
    const doomed = await spawnRole(sut.stores, 'worker', { PERSIST_CONCURRENCY: '1', PERSIST_BATCH_SIZE: '5' });
    workers.push(doomed);

    const placing = settleInWaves(
      buyers.map((buyer, i) => () => buyer.order([{ sku, quantity: 1 }], `crash-${i}`)),
      100,
    );

    // Kill once the worker has written something and holds a batch with more waiting behind it. The
    // worker is frozen (SIGSTOP) before the state is read, so what is read is what the kill leaves:
    // a running worker could finish its batch between the look and the kill.
    const deadline = Date.now() + 120_000;
    for (;;) {
      const state = await stream();
      if (state.pending > 0 && state.backlog > state.pending) {
        doomed.child.kill('SIGSTOP');
        const frozen = await stream();
        if (frozen.pending > 0 && frozen.backlog > frozen.pending && (await persistedOrderCount(sut.admin)) > 0) break;
        doomed.child.kill('SIGCONT');
      }
      if (doomed.child.exitCode !== null) throw new Error(`the worker exited on its own:\n${doomed.output()}`);
      if (Date.now() > deadline) throw new Error(`the worker never got going:\n${doomed.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await doomed.kill('SIGKILL');
    expect(doomed.child.signalCode).toBe('SIGKILL');

    // What the dead worker left: entries it had read and never acknowledged, and the orders it had written.
    const atKill = await stream();
    const persistedAtKill = await persistedOrderCount(sut.admin);

    const answers: Answer[] = (await placing).map((result) => {
      if (result.status === 'rejected') throw result.reason;
      return result.value;
    });
    expect(answers.filter((answer) => answer.status !== 202)).toEqual([]);
    const acceptedIds = answers.map((answer) => answer.body.id as string);
    expect(new Set(acceptedIds).size).toBe(BUYERS);

    // The kill landed mid-way: some orders written, not all, and a batch read but unfinished.
    expect(persistedAtKill).toBeGreaterThan(0);
    expect(persistedAtKill).toBeLessThan(acceptedIds.length);
    expect(atKill.pending).toBeGreaterThan(0);

    // A fresh worker takes over the dead one's batch (once it has been idle for JOB_LOCK_MS) and the backlog.
    workers.push(await spawnRole(sut.stores, 'worker'));

    await expectEveryAcceptedOrderPersisted(sut.admin, acceptedIds);
    const drained = await eventually(async () => {
      const state = await stream();
      return state.backlog === 0 && state.pending === 0 ? state : undefined;
    }, 'the persist stream to drain, the dead worker’s entries included');
    expect(drained).toMatchObject({ backlog: 0, pending: 0 });

    await expectLedgerBalanced(sut.admin, sku, BUYERS, acceptedIds.length);
  });
});
