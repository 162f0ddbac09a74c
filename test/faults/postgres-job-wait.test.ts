import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkerHost } from '../../src/jobs/worker-host.js';
import type { PersistConsumer } from '../../src/modules/orders/persistence/persist-consumer.js';
import { jobHandlers, type RunningSystem, startWorkers } from '../../src/system.js';
import { createProduct } from '../support/fixtures.js';
import { type Api, adminApi, eventually, guests } from '../support/http.js';
import { mailsTo } from '../support/payments.js';
import { createTestStores, startInProcess, type TestStores } from '../support/system.js';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../support/throwaway-postgres.js';

const BUYER = 'waits-for-postgres@example.test';
/** More runs than a mail's 3 attempts: each past the third would have been a dead letter's. */
const RUNS_WHILE_AWAY = 4;

/**
 * A job that fails because our Postgres is away waits for it without spending an attempt: a mail
 * under way when Postgres restarts is sent once it is back, not turned into a dead letter.
 */
describe('a mail under way while Postgres restarts', () => {
  let postgres: ThrowawayPostgres;
  let stores: TestStores;
  let system: RunningSystem;
  let workers: WorkerHost;
  let persistence: PersistConsumer;
  let admin: Api;
  /** The order-received mail's job, and how many times it has run. */
  let mailJob: Job | undefined;
  let runs = 0;
  /** Its first run waits for this, so that Postgres is down when it goes on. */
  let release!: () => void;
  const firstRunHeld = new Promise<void>((resolve) => {
    release = resolve;
  });

  beforeAll(async () => {
    postgres = await startThrowawayPostgres();
    stores = await createTestStores({ postgresUrl: postgres.url });
    system = await startInProcess(stores, { api: true, worker: false, mailSink: true });
    admin = await adminApi(system.url!);
    persistence = system.container.createPersistConsumer();
    await persistence.start();
    const handlers = jobHandlers(system.container);
    workers = await startWorkers(system.container, {
      ...handlers,
      'send-email': async (mail, job) => {
        if (mail.to === BUYER) {
          mailJob = job;
          runs += 1;
          await firstRunHeld;
        }
        return handlers['send-email'](mail, job);
      },
    });
  });

  afterAll(async () => {
    release();
    await workers?.close();
    await persistence?.close();
    await postgres?.start().catch(() => undefined);
    await system?.close();
    await stores?.cleanup();
    await postgres?.destroy();
  });

  it('runs again without spending an attempt until Postgres is back, then sends it; no dead letter', async () => {
    const sku = await createProduct(admin, { onHand: 5 });
    const [buyer] = await guests(system.url!, 1);
    expect((await buyer!.order([{ sku, quantity: 1 }], 'waits', { customerEmail: BUYER })).status).toBe(202);
    await eventually(async () => (runs >= 1 ? true : undefined), 'the order-received mail to be under way');

    await postgres.stop('fast');
    release();
    // Without the wait, the job fails its three attempts (1 s, then 2 s apart) and ends: failed.
    const job = await eventually(async () => {
      const state = await mailJob!.getState();
      return runs > RUNS_WHILE_AWAY || state === 'failed' ? state : undefined;
    }, `the mail's job to run ${RUNS_WHILE_AWAY} more times`);
    expect(job).not.toBe('failed');
    const current = (await system.container.queues.queue('notifications').getJob(mailJob!.id!))!;
    expect(current.attemptsMade).toBe(0);

    await postgres.start();
    const [mail] = await mailsTo(admin, BUYER, /./);
    expect(mail!.subject).toMatch(/received/i);
    expect((await admin.get('/api/admin/failed-jobs')).body.items).toEqual([]);
  });
});
