import { describe, expect, it } from 'vitest';
import type { OutboxRecord } from '../outbox/outbox-events.js';
import type { EmailJob } from './email-job.js';
import { Notifier } from './notifier.js';

const USER = '00000000-0000-4000-8000-000000000001';
const TOUCHED = '2026-11-20T10:00:00.000Z';
const TOUCHED_MS = Date.parse(TOUCHED);
const PRODUCTS = new Map([
  ['LAMP', { title: 'Desk lamp', priceCents: 2_500, currency: 'EUR' }],
  ['MUG', { title: 'Mug', priceCents: 900, currency: 'EUR' }],
]);

const TOKEN = '5d6a1c2e-8f3b-4c1d-9e7f-0a1b2c3d4e5f';

function notifierWith(accounts: Record<string, string>, remindersOff: readonly string[] = []) {
  const sent: { data: EmailJob; jobId: string }[] = [];
  const notifier = new Notifier({
    orders: { find: async () => undefined },
    repository: {
      adminEmails: async () => [],
      addressesOf: async () => new Map(),
      accountEmail: async (userId) => accounts[userId],
      productsOnSale: async (skus) => new Map(skus.flatMap((sku) => (PRODUCTS.has(sku) ? [[sku, PRODUCTS.get(sku)!] as const] : []))),
      productTitle: async () => undefined,
      paymentIdOf: async () => undefined,
      refundOf: async () => undefined,
      placedVendorLines: async () => [],
    },
    lowStock: { alertsFor: async () => new Map() },
    mailPreferences: { forReminder: async (userId) => ({ token: TOKEN, cartReminders: !remindersOff.includes(userId) }) },
    // Every cart as its reminder found it.
    carts: { read: async () => null },
    cartSnapshots: {
      find: async (userId) => ({ userId, version: 1, updatedAtMs: TOUCHED_MS, touchedAtMs: TOUCHED_MS, currency: 'EUR', lines: [], notices: [] }),
    },
    queues: {
      addBulk: async (_name, jobs) => {
        sent.push(...(jobs as unknown as { data: EmailJob; jobId: string }[]));
      },
    },
    shopUrl: () => 'https://shop.example.test',
  });
  return { notifier, sent };
}

const abandoned = (id: number, version: number, lines: { sku: string; quantity: number }[]): OutboxRecord => ({
  id,
  type: 'cart.abandoned',
  orderId: null,
  payload: { userId: USER, version, currency: 'EUR', lines, touchedAt: TOUCHED },
  createdAt: '2026-11-27T10:00:00.000Z',
});

describe('Notifier, abandoned carts', () => {
  it('reminds the account of its cart at today’s prices, once per cart version whatever the event', async () => {
    const { notifier, sent } = notifierWith({ [USER]: 'ada@example.com' });
    await notifier.notify(
      abandoned(7, 4, [
        { sku: 'LAMP', quantity: 2 },
        { sku: 'GONE', quantity: 1 },
      ]),
    );
    await notifier.notify(
      abandoned(8, 4, [
        { sku: 'LAMP', quantity: 2 },
        { sku: 'GONE', quantity: 1 },
      ]),
    );
    expect(sent).toHaveLength(2);
    const [first, again] = sent;
    expect(first!.data).toMatchObject({ to: 'ada@example.com', template: 'abandoned-cart', key: `cart-${USER}-v4.abandoned-cart.ada@example.com` });
    // Another event for the same version is the same delivery: send-email sends it once.
    expect(again!.jobId).toBe(first!.jobId);
    expect(first!.data.text).toContain('Desk lamp (LAMP): 2 × €25.00');
    expect(first!.data.text).not.toContain('GONE');
    expect(first!.data.text).toContain('https://shop.example.test/checkout');
  });

  it('says how to stop the reminders, in the mail and for a mail client’s own button, and sends none to an owner who stopped them', async () => {
    const { notifier, sent } = notifierWith({ [USER]: 'ada@example.com' });
    await notifier.notify(abandoned(9, 5, [{ sku: 'MUG', quantity: 1 }]));
    expect(sent[0]!.data.text).toContain(`Stop cart reminders: https://shop.example.test/mail/cart-reminders?token=${TOKEN}`);
    expect(sent[0]!.data.listUnsubscribe).toBe(`https://shop.example.test/api/mail/cart-reminders/unsubscribe?token=${TOKEN}`);

    const stopped = notifierWith({ [USER]: 'ada@example.com' }, [USER]);
    expect(await stopped.notifier.notify(abandoned(10, 5, [{ sku: 'MUG', quantity: 1 }]))).toBe(0);
    expect(stopped.sent).toEqual([]);
  });

  it('writes to no guest, and sends nothing for a cart whose products are all gone', async () => {
    const guest = notifierWith({});
    expect(await guest.notifier.notify(abandoned(1, 2, [{ sku: 'MUG', quantity: 1 }]))).toBe(0);
    const emptied = notifierWith({ [USER]: 'ada@example.com' });
    expect(await emptied.notifier.notify(abandoned(2, 3, [{ sku: 'GONE', quantity: 1 }]))).toBe(0);
    expect([...guest.sent, ...emptied.sent]).toEqual([]);
  });
});
