import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, transactionsOf } from '../src/db/database.js';
import type { WorkerHost } from '../src/jobs/worker-host.js';
import { createLogger } from '../src/lib/logger.js';
import { deadLetterOf } from '../src/modules/failed-jobs/dead-letter.js';
import { DeadLetterRecorder } from '../src/modules/failed-jobs/dead-letter-recorder.js';
import type { EmailJob } from '../src/modules/notifications/email-job.js';
import type { PersistConsumer } from '../src/modules/orders/persistence/persist-consumer.js';
import { jobHandlers, startWorkers } from '../src/system.js';
import { createProduct } from './support/fixtures.js';
import { eventually, guests } from './support/http.js';
import { mailsTo } from './support/payments.js';
import { freePort } from './support/stores.js';
import { ADMIN, useSystem } from './support/system.js';

const REASON = 'SMTP 554: mailbox unavailable (refused by the test)';

interface FailedJobItem {
  id: number;
  queue: string;
  name: string;
  jobId: string | null;
  payload: EmailJob;
  reason: string;
  attempts: number;
  failedAt: string;
  status: string;
}

describe('dead letters', () => {
  // Workers are started below, with one handler replaced.
  const sut = useSystem({ api: true, worker: false, mailSink: true });
  let workers: WorkerHost;
  let persistence: PersistConsumer;
  /** The order-received mail fails while this is set; every other mail goes out. */
  let refusing = true;
  let attempts = 0;
  /** While set, a retry's run waits for it: the retry job stays active, whatever the machine's speed. */
  let retryHeld: Promise<void> | undefined;

  beforeAll(async () => {
    persistence = sut.system.container.createPersistConsumer();
    await persistence.start();
    const handlers = jobHandlers(sut.system.container);
    workers = await startWorkers(sut.system.container, {
      ...handlers,
      'send-email': async (mail, job) => {
        if (mail.template !== 'order-received') return handlers['send-email'](mail, job);
        if (job.id?.startsWith('retry-of-')) await retryHeld;
        attempts += 1;
        if (refusing) throw new Error(REASON);
        return handlers['send-email'](mail, job);
      },
    });
  });
  afterAll(async () => {
    await workers?.close();
    await persistence?.close();
  });

  const failedJobs = async (query = '') => (await sut.admin.get(`/api/admin/failed-jobs${query}`)).body.items as FailedJobItem[];
  const deadLetterFor = (jobId: (id: string | null) => boolean) =>
    eventually(async () => (await failedJobs()).find((item) => jobId(item.jobId)), 'a dead letter');

  it('records a job that used up its attempts with its reason, alerts the admins, retries it once on request, and discards it', async () => {
    const sku = await createProduct(sut.admin, { onHand: 50 });
    const [buyer] = await guests(sut.system.url!, 1);
    await buyer!.order([{ sku, quantity: 1 }], 'dead-letter', { customerEmail: 'dead-letter@example.test' });

    const dead = await deadLetterFor((id) => id?.startsWith('mail-') === true);
    expect(dead).toMatchObject({ queue: 'notifications', name: 'send-email', reason: REASON, attempts: 3, status: 'failed' });
    expect(dead.payload).toMatchObject({ template: 'order-received', to: 'dead-letter@example.test' });
    expect(attempts).toBe(3);
    const [alert] = await mailsTo(sut.admin, ADMIN.email, /^Dead letter: notifications\/send-email failed 3 time\(s\)$/);
    expect(alert!.text).toContain(REASON);

    // Retried twice at once (a double click): the job runs once more, fails again, and is a dead letter of its own.
    // Its run is held until both are answered: one that had already failed would make the second a 409 (below).
    let release!: () => void;
    retryHeld = new Promise((resolve) => {
      release = resolve;
    });
    const retries = await Promise.all([
      sut.admin.post(`/api/admin/failed-jobs/${dead.id}/retry`),
      sut.admin.post(`/api/admin/failed-jobs/${dead.id}/retry`),
    ]).finally(() => release());
    expect(retries.map((answer) => answer.status)).toEqual([202, 202]);
    expect(retries[0]!.body).toMatchObject({ id: dead.id, status: 'retried' });
    const again = await deadLetterFor((id) => id === `retry-of-${dead.id}`);
    expect(again).toMatchObject({ name: 'send-email', reason: REASON, attempts: 1, status: 'failed' });
    await mailsTo(sut.admin, ADMIN.email, /^Dead letter: notifications\/send-email failed 1 time\(s\)$/);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(attempts).toBe(4);

    // Its retry has run: it is not retried again (a 202 that queued nothing, before); the retry's own dead letter is the one to retry.
    const twice = await sut.admin.post(`/api/admin/failed-jobs/${dead.id}/retry`);
    expect(twice.status).toBe(409);
    expect(twice.body.error).toMatchObject({ code: 'INVALID_STATE', details: { status: 'retried' } });

    // Discarded, it leaves the list; discarded, it cannot be retried.
    const discarded = await sut.admin.post(`/api/admin/failed-jobs/${dead.id}/discard`);
    expect(discarded.status).toBe(200);
    expect(discarded.body.status).toBe('discarded');
    expect((await failedJobs()).map((item) => item.id)).not.toContain(dead.id);
    expect((await failedJobs('?status=discarded')).map((item) => item.id)).toContain(dead.id);
    const refused = await sut.admin.post(`/api/admin/failed-jobs/${dead.id}/retry`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('INVALID_STATE');

    // The mail server is back: a retry of the second dead letter sends the mail, once.
    refusing = false;
    expect((await sut.admin.post(`/api/admin/failed-jobs/${again.id}/retry`)).status).toBe(202);
    const received = await mailsTo(sut.admin, 'dead-letter@example.test', /^Order .* received$/);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(received).toHaveLength(1);
    expect(await mailsTo(sut.admin, 'dead-letter@example.test', /received$/)).toHaveLength(1);
    expect(attempts).toBe(5);
  });

  it('answers bad requests with 4xx and changes nothing', async () => {
    const before = await failedJobs('?limit=100');
    const [buyer] = await guests(sut.system.url!, 1);
    const answers = await Promise.all([
      sut.admin.post('/api/admin/failed-jobs/999999/retry'),
      sut.admin.post('/api/admin/failed-jobs/999999/discard'),
      sut.admin.post('/api/admin/failed-jobs/abc/retry'),
      sut.admin.post('/api/admin/failed-jobs/0/discard'),
      sut.admin.get('/api/admin/failed-jobs?limit=101'),
      sut.admin.get('/api/admin/failed-jobs?status=lost'),
      sut.admin.get('/api/admin/failed-jobs?color=red'),
      buyer!.get('/api/admin/failed-jobs'),
      buyer!.post('/api/admin/failed-jobs/1/retry'),
      sut.admin.as('').get('/api/admin/failed-jobs'),
      buyer!.get('/api/admin/mailbox'),
      sut.admin.get('/api/admin/mailbox?limit=0'),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual([404, 404, 400, 400, 400, 400, 400, 403, 403, 401, 403, 400]);
    expect(await failedJobs('?limit=100')).toEqual(before);
  });

  it('records a dead letter whose message and data hold what Postgres refuses, and the letters after it', async () => {
    const { container } = sut.system;
    const failedAt = Date.now();
    const job = (id: string, data: unknown) => ({ id, name: 'send-email', data, attemptsMade: 3, finishedOn: failedAt }) as unknown as Job;
    // A NUL and half an emoji (a text cut in the middle of one): text and jsonb columns refuse both.
    const poisoned = deadLetterOf('notifications', job('poisoned-1', { subject: 'Lamp \ud83d' }), new Error('refused: \u0000 byte'));
    const next = deadLetterOf('notifications', job('after-poison-1', { subject: 'Lamp' }), new Error('refused'));
    await container.deadLetters.capture(poisoned);
    await container.deadLetters.capture(next);

    expect(await container.redis.llen(container.keys.deadLetters())).toBe(0);
    const items = await failedJobs('?limit=100');
    expect(items.find((item) => item.jobId === 'poisoned-1')).toMatchObject({ reason: 'refused: \uFFFD byte', payload: { subject: 'Lamp \uFFFD' } });
    expect(items.find((item) => item.jobId === 'after-poison-1')).toMatchObject({ reason: 'refused' });
  });

  it('parks a dead letter in Redis while Postgres is down, and records it once when Postgres answers', async () => {
    const { container } = sut.system;
    const logger = createLogger('silent');
    const unreachable = createDb(`postgres://postgres@127.0.0.1:${await freePort()}/nowhere`, 1, logger);
    const recorderWith = (db: typeof unreachable) =>
      new DeadLetterRecorder({
        redis: container.redis,
        keys: container.keys,
        inTransaction: transactionsOf(db),
        repository: container.failedJobsRepository,
        outbox: container.outboxRepository,
        metrics: container.metrics,
        logger,
      });
    const job = { id: 'parked-1', name: 'notify', data: { type: 'order.placed' }, attemptsMade: 3, finishedOn: Date.now() } as unknown as Job;
    const letter = deadLetterOf('notifications', job, new Error('Postgres went away'));

    try {
      const down = recorderWith(unreachable);
      await down.capture(letter);
      await down.capture(letter);
      expect(await container.redis.llen(container.keys.deadLetters())).toBe(2);
      expect((await failedJobs()).filter((item) => item.jobId === 'parked-1')).toEqual([]);
    } finally {
      await unreachable.destroy();
    }

    const up = recorderWith(container.db);
    expect(await up.drain()).toBe(1);
    expect(await up.drain()).toBe(0);
    expect(await container.redis.llen(container.keys.deadLetters())).toBe(0);
    expect((await failedJobs()).filter((item) => item.jobId === 'parked-1')).toMatchObject([
      { queue: 'notifications', name: 'notify', reason: 'Postgres went away', attempts: 3, status: 'failed' },
    ]);
  });
});
