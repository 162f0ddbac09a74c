import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/lib/logger.js';
import { Metrics } from '../src/lib/metrics.js';
import { EmailSender } from '../src/modules/notifications/email-sender.js';
import { Mailbox } from '../src/modules/notifications/mailbox.js';
import { Mailer, mailTransportUrl } from '../src/modules/notifications/mailer.js';
import { SmtpSink } from '../src/modules/notifications/smtp-sink.js';
import { lowStock, orderReceived } from '../src/modules/notifications/templates.js';
import { RedisKeys } from '../src/redis/keys.js';
import { deleteRedisPrefix, freePort, REDIS_URL, uniqueName } from './support/stores.js';

const FROM = 'flashcart <no-reply@flashcart.test>';
/** The From header as the parser writes it back. */
const FROM_HEADER = '"flashcart" <no-reply@flashcart.test>';
const logger = createLogger('silent');

describe('mail through the built-in SMTP sink', () => {
  const prefix = uniqueName('fct_mail');
  const redis = new Redis(REDIS_URL);
  const mailbox = new Mailbox({ redis, keys: new RedisKeys(prefix), capacity: 5 });
  const sink = new SmtpSink({ mailbox, logger, maxMessageBytes: 64 * 1024 });
  let mailer: Mailer;

  beforeAll(async () => {
    const port = await sink.listen(0);
    mailer = new Mailer({ smtpUrl: mailTransportUrl({ smtpUrl: undefined, smtpSinkPort: port }), from: FROM });
  });
  afterAll(async () => {
    mailer?.close();
    await sink.close();
    redis.disconnect();
    await deleteRedisPrefix(REDIS_URL, prefix);
  });

  it('delivers templated mail that the mailbox lists newest first, subject, recipients, text and html intact', async () => {
    const received = orderReceived({
      orderId: 'order-1',
      lines: [{ sku: 'MUG-1', title: 'Mug <"special"> & co', quantity: 2, unitPriceCents: 1_250 }],
      currency: 'EUR',
      expiresAt: new Date('2026-03-05T14:07:00Z'),
      orderUrl: 'http://shop.example.test/orders/order-1',
    });
    const alert = lowStock({ sku: 'MUG-1', title: 'Mug', available: 2, threshold: 5 });

    const firstId = await mailer.send({ to: 'Buyer@Example.com', ...received });
    const secondId = await mailer.send({ to: ['ops@example.com', 'admin@example.com'], ...alert });
    expect(firstId).toMatch(/^<.+@.+>$/);
    expect(secondId).not.toBe(firstId);

    const page = await mailbox.list({ page: 1, limit: 10 });
    expect(page).toMatchObject({ page: 1, limit: 10, total: 2 });
    const [newest, oldest] = page.items;
    expect(newest).toMatchObject({
      messageId: secondId,
      from: FROM_HEADER,
      to: ['ops@example.com', 'admin@example.com'],
      subject: alert.subject,
    });
    expect(oldest).toMatchObject({ messageId: firstId, from: FROM_HEADER, to: ['buyer@example.com'], subject: received.subject });
    // The parser normalises line endings and the final newline; the content is the template's.
    expect(oldest!.text.trim()).toBe(received.text.trim());
    expect(oldest!.html?.trim()).toBe(received.html.trim());
    expect(oldest!.html).toContain('Mug &lt;&quot;special&quot;&gt; &amp; co');
    expect(newest!.text.trim()).toBe(alert.text.trim());
    expect(new Date(newest!.receivedAt).getTime()).toBeGreaterThanOrEqual(new Date(oldest!.receivedAt).getTime());
    expect(newest!.id).not.toBe(oldest!.id);
  });

  it('filters by recipient, case-insensitively, and pages', async () => {
    const toBuyer = await mailbox.list({ page: 1, limit: 10, to: 'BUYER@example.com' });
    expect(toBuyer.total).toBe(1);
    expect(toBuyer.items[0]!.to).toEqual(['buyer@example.com']);
    expect((await mailbox.list({ page: 1, limit: 10, to: 'nobody@example.com' })).total).toBe(0);

    const secondPage = await mailbox.list({ page: 2, limit: 1 });
    expect(secondPage).toMatchObject({ page: 2, limit: 1, total: 2 });
    expect(secondPage.items.map((m) => m.to)).toEqual([['buyer@example.com']]);
  });

  it('keeps only the newest messages past its capacity', async () => {
    for (let i = 0; i < 6; i++) {
      await mailer.send({ to: 'flood@example.com', subject: `flood ${i}`, html: `<p>${i}</p>`, text: `${i}` });
    }
    const page = await mailbox.list({ page: 1, limit: 100 });
    expect(page.total).toBe(5);
    expect(page.items.map((m) => m.subject)).toEqual(['flood 5', 'flood 4', 'flood 3', 'flood 2', 'flood 1']);
  });

  it('refuses a message over the size limit, and the send fails', async () => {
    const before = (await mailbox.list({ page: 1, limit: 1 })).items[0]!.id;
    const huge = 'x'.repeat(128 * 1024);
    await expect(mailer.send({ to: 'big@example.com', subject: 'too big', html: `<p>${huge}</p>`, text: huge })).rejects.toThrow();
    expect((await mailbox.list({ page: 1, limit: 1 })).items[0]!.id).toBe(before);
  });

  it('gives a mail sent again for the same delivery the same Message-ID, and another delivery another', async () => {
    const alert = lowStock({ sku: 'MUG-2', title: 'Mug', available: 1, threshold: 5 });
    const key = 'outbox-41.low-stock.ops@example.com';
    const first = await mailer.send({ to: 'ops@example.com', ...alert, deliveryKey: key });
    const again = await mailer.send({ to: 'ops@example.com', ...alert, deliveryKey: key });
    const other = await mailer.send({ to: 'ops@example.com', ...alert, deliveryKey: 'outbox-42.low-stock.ops@example.com' });
    expect(again).toBe(first);
    expect(other).not.toBe(first);
    // The From address's domain, and nothing of the key (a recipient's address) in the clear.
    expect(first).toMatch(/^<[0-9a-f]{32}@flashcart\.test>$/);
    const stored = (await mailbox.list({ page: 1, limit: 3 })).items.map((mail) => mail.messageId);
    expect(stored).toEqual([other, first, first]);
  });

  it('sends a mail again, as the same mail, when its "sent" mark could not be written', async () => {
    // The deliveries' record stands in for Postgres gone at the instant after the server took the
    // mail: the first mark fails, so the job's retry finds the delivery unsent and sends it again.
    const marks: string[] = [];
    let markFails = true;
    const sender = new EmailSender({
      deliveries: {
        begin: async () => marks.length === 0,
        sent: async (_key, messageId) => {
          if (markFails) {
            markFails = false;
            throw new Error('connection terminated');
          }
          marks.push(messageId);
        },
        failed: async () => undefined,
        withheld: async () => undefined,
      },
      preferences: { find: async () => undefined },
      mailer,
      metrics: new Metrics(),
      logger,
    });
    const job = { key: 'outbox-7.payment-confirmed.buyer@example.com', template: 'payment-confirmed' as const, to: 'buyer@example.com' };
    const mail = { ...lowStock({ sku: 'MUG-3', title: 'Mug', available: 0, threshold: 5 }), ...job };
    await expect(sender.send(mail)).rejects.toThrow('connection terminated');
    expect(await sender.send(mail)).toBe('sent');
    expect(await sender.send(mail)).toBe('already-sent');
    const [again, first] = (await mailbox.list({ page: 1, limit: 2 })).items;
    expect(again!.messageId).toBe(first!.messageId);
    expect(marks).toEqual([first!.messageId]);
  });
});

describe('mail when the sink cannot store it', () => {
  it('fails the send (so its job retries) while Redis is unreachable', async () => {
    const deadRedis = new Redis({ port: await freePort(), lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    deadRedis.on('error', () => undefined);
    const sink = new SmtpSink({ mailbox: new Mailbox({ redis: deadRedis, keys: new RedisKeys(uniqueName('fct_dead')) }), logger });
    const port = await sink.listen(0);
    const mailer = new Mailer({ smtpUrl: `smtp://127.0.0.1:${port}`, from: FROM });
    try {
      await expect(mailer.send({ to: 'someone@example.com', subject: 's', html: '<p>h</p>', text: 't' })).rejects.toMatchObject({
        responseCode: 451,
      });
    } finally {
      mailer.close();
      await sink.close();
      deadRedis.disconnect();
    }
  });

  it('fails the send when no server listens', async () => {
    const mailer = new Mailer({ smtpUrl: `smtp://127.0.0.1:${await freePort()}`, from: FROM });
    try {
      await expect(mailer.send({ to: 'someone@example.com', subject: 's', html: '<p>h</p>', text: 't' })).rejects.toThrow();
    } finally {
      mailer.close();
    }
  });
});
