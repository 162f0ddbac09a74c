import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EmailJob } from '../src/modules/notifications/email-job.js';
import type { OutboxPayloads, OutboxRecord } from '../src/modules/outbox/outbox-events.js';
import { createProduct, uniqueSku } from './support/fixtures.js';
import { Api, eventually } from './support/http.js';
import { type SystemUnderTest, useSystem } from './support/system.js';

const HOUR_MS = 3_600_000;

interface CartAnswer {
  version: number;
  updatedAt: string;
}

interface MailItem {
  to: string[];
  subject: string;
  text: string;
  html: string | null;
  listUnsubscribe: string | null;
  listUnsubscribePost: string | null;
}

/** The token a reminder's unsubscribe links carry, read from its List-Unsubscribe header. */
const unsubscribeToken = (mail: MailItem) => /[?&]token=([0-9a-f-]{36})>$/.exec(mail.listUnsubscribe ?? '')?.[1];

/** Posts to one of the links a reminder carries, as a mail client's one-click does (RFC 8058): a form, no token of the API's. */
const oneClick = (sut: SystemUnderTest, path: string) =>
  fetch(`${sut.system.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'List-Unsubscribe=One-Click',
  });

async function customer(sut: SystemUnderTest): Promise<{ api: Api; email: string; id: string }> {
  const email = `shopper-${uniqueSku().toLowerCase()}@example.com`;
  const created = await new Api(sut.system.url!).post('/api/auth/register', { email, password: 'a-long-password' });
  expect(created.status).toBe(201);
  return { api: new Api(sut.system.url!, created.body.token), email, id: created.body.user.id };
}

async function guestSession(sut: SystemUnderTest): Promise<{ api: Api; id: string }> {
  const created = await new Api(sut.system.url!).post('/api/auth/guest');
  expect(created.status).toBe(201);
  return { api: new Api(sut.system.url!, created.body.token), id: created.body.user.id };
}

/** Waits until the cart's snapshot holds this version: the reminder reads the snapshots. */
const persisted = (sut: SystemUnderTest, userId: string, version: number) =>
  eventually(
    async () => ((await sut.system.container.cartsRepository.find(userId))?.version === version ? true : undefined),
    `the cart of ${userId} persisted at version ${version}`,
  );

const mailTo = async (sut: SystemUnderTest, email: string): Promise<MailItem[]> =>
  (await sut.admin.get(`/api/admin/mailbox?to=${encodeURIComponent(email)}&limit=50`)).body.items;

const reminderEvents = async (sut: SystemUnderTest, userId: string) =>
  (
    await sql<{ payload: { version: number } }>`
      SELECT payload FROM outbox WHERE event_type = 'cart.abandoned' AND payload->>'userId' = ${userId} ORDER BY id
    `.execute(sut.system.container.db)
  ).rows.map((row) => row.payload.version);

const touched = (cart: CartAnswer) => Date.parse(cart.updatedAt);

/** The reminder event of `userId`'s cart, as the outbox relay hands it to the notify job. */
async function reminderEvent(sut: SystemUnderTest, userId: string): Promise<OutboxRecord> {
  const [row] = (
    await sql<{ id: string; payload: OutboxPayloads['cart.abandoned']; createdAt: Date }>`
      SELECT id, payload, created_at AS "createdAt" FROM outbox WHERE event_type = 'cart.abandoned' AND payload->>'userId' = ${userId}
    `.execute(sut.system.container.db)
  ).rows;
  return { id: Number(row!.id), type: 'cart.abandoned', orderId: null, payload: row!.payload, createdAt: row!.createdAt.toISOString() };
}

describe('abandoned carts, run with the clock given', () => {
  // The scheduled run would find nothing this hour; each test runs the reminder itself, at a time of its choosing.
  const sut = useSystem({ api: true, worker: true, mailSink: true }, { ABANDONED_CART_AFTER_HOURS: '1' });

  it('reminds the owner of a cart left an hour once, a second run sends nothing, a change and another hour one more', async () => {
    const lamp = await createProduct(sut.admin, { onHand: 50, priceCents: 1_500, title: 'Desk lamp' });
    const shopper = await customer(sut);
    const left = (await shopper.api.post<CartAnswer>('/api/cart/items', { sku: lamp, quantity: 2 })).body;
    await persisted(sut, shopper.id, left.version);

    // Just under the hour: not yet abandoned.
    const early = await sut.system.container.abandonedCarts.remind(touched(left) + HOUR_MS - 1);
    expect(early.reminded).toBe(0);
    const first = await sut.system.container.abandonedCarts.remind(touched(left) + HOUR_MS);
    expect(first.reminded).toBe(1);
    const [mail] = await eventually(
      async () => ((await mailTo(sut, shopper.email)).length === 1 ? mailTo(sut, shopper.email) : undefined),
      'the reminder',
    );
    expect(mail!.subject).toBe('Your cart is waiting for you');
    expect(mail!.text).toContain(`Desk lamp (${lamp}): 2 ×`);
    expect(mail!.text).toContain(`Back to your cart: ${sut.system.url}/checkout`);

    // A second run, even much later, decides nothing more for that cart.
    expect((await sut.system.container.abandonedCarts.remind(touched(left) + 5 * HOUR_MS)).reminded).toBe(0);
    expect(await reminderEvents(sut, shopper.id)).toEqual([left.version]);

    // The owner comes back and changes the cart: a new abandonment, a new reminder after another hour.
    const changed = (await shopper.api.post<CartAnswer>('/api/cart/items', { sku: lamp, quantity: 1 })).body;
    await persisted(sut, shopper.id, changed.version);
    expect((await sut.system.container.abandonedCarts.remind(touched(changed) + HOUR_MS - 1)).reminded).toBe(0);
    expect((await sut.system.container.abandonedCarts.remind(touched(changed) + HOUR_MS)).reminded).toBe(1);
    expect(await reminderEvents(sut, shopper.id)).toEqual([left.version, changed.version]);
    const mails = await eventually(async () => {
      const received = await mailTo(sut, shopper.email);
      return received.length >= 2 ? received : undefined;
    }, 'the second reminder');
    expect(mails).toHaveLength(2);
    expect(mails[0]!.text).toContain(`Desk lamp (${lamp}): 3 ×`);
  });

  it('does not remind a cart touched recently, and counts only the owner’s changes: a price change keeps a cart abandoned', async () => {
    const kettle = await createProduct(sut.admin, { onHand: 50, priceCents: 3_000, title: 'Kettle' });
    const early = await customer(sut);
    const late = await customer(sut);
    const earlyCart = (await early.api.post<CartAnswer>('/api/cart/items', { sku: kettle, quantity: 1 })).body;
    await eventually(async () => (Date.now() > touched(earlyCart) + 5 ? true : undefined), 'a later millisecond');
    const lateCart = (await late.api.post<CartAnswer>('/api/cart/items', { sku: kettle, quantity: 1 })).body;
    await persisted(sut, early.id, earlyCart.version);
    await persisted(sut, late.id, lateCart.version);

    // An hour after the first was left, the second was left less than an hour ago.
    const at = touched(earlyCart) + HOUR_MS;
    expect(touched(lateCart) + HOUR_MS).toBeGreaterThan(at);
    expect((await sut.system.container.abandonedCarts.remind(at)).reminded).toBe(1);
    expect(await reminderEvents(sut, early.id)).toEqual([earlyCart.version]);
    expect(await reminderEvents(sut, late.id)).toEqual([]);

    // A price change gives both carts a new version without their owners touching them.
    expect((await sut.admin.patch(`/api/admin/products/${kettle}`, { priceCents: 2_500 })).status).toBe(200);
    const repriced = await eventually(async () => {
      const cart = (await early.api.get<CartAnswer>('/api/cart')).body;
      return cart.version > earlyCart.version ? cart : undefined;
    }, 'the price change reaching the cart');
    expect(touched(repriced)).toBeGreaterThan(touched(earlyCart));
    await persisted(sut, early.id, repriced.version);
    const lateRepriced = await eventually(async () => {
      const cart = (await late.api.get<CartAnswer>('/api/cart')).body;
      return cart.version > lateCart.version ? cart : undefined;
    }, 'the price change reaching the other cart');
    await persisted(sut, late.id, lateRepriced.version);

    // The early cart was reminded of and stays so; the late one is abandoned an hour after its owner left it, not after the price change.
    const next = await sut.system.container.abandonedCarts.remind(touched(lateCart) + HOUR_MS);
    expect(next.reminded).toBe(1);
    expect(await reminderEvents(sut, early.id)).toEqual([earlyCart.version]);
    expect(await reminderEvents(sut, late.id)).toEqual([lateRepriced.version]);
    const [mail] = await eventually(async () => ((await mailTo(sut, late.email)).length === 1 ? mailTo(sut, late.email) : undefined), 'the reminder');
    expect(mail!.text).toContain(`Kettle (${kettle}): 1 ×`);
    expect(mail!.text).toMatch(/25\.00/);
  });

  it('stops reminding an owner who used a reminder’s one-click unsubscribe, until they turn reminders on again', async () => {
    const vase = await createProduct(sut.admin, { onHand: 50, priceCents: 2_000, title: 'Vase' });
    const shopper = await customer(sut);
    const left = (await shopper.api.post<CartAnswer>('/api/cart/items', { sku: vase, quantity: 1 })).body;
    await persisted(sut, shopper.id, left.version);
    expect((await sut.system.container.abandonedCarts.remind(touched(left) + HOUR_MS)).reminded).toBe(1);
    const [mail] = await eventually(
      async () => ((await mailTo(sut, shopper.email)).length === 1 ? mailTo(sut, shopper.email) : undefined),
      'the reminder',
    );
    // How to stop them: the shop's page in the mail, and the one-click URL for the mail client's own button.
    const token = unsubscribeToken(mail!);
    expect(token).toBeDefined();
    expect(mail!.listUnsubscribe).toBe(`<${sut.system.url}/api/mail/cart-reminders/unsubscribe?token=${token}>`);
    expect(mail!.listUnsubscribePost).toBe('List-Unsubscribe=One-Click');
    expect(mail!.text).toContain(`Stop cart reminders: ${sut.system.url}/mail/cart-reminders?token=${token}`);
    expect((await new Api(sut.system.url!).get(`/api/mail/cart-reminders?token=${token}`)).body).toEqual({ cartReminders: true });
    // Opened in a browser (a client without one-click), the URL leads to the page and changes nothing.
    const opened = await fetch(`${sut.system.url}/api/mail/cart-reminders/unsubscribe?token=${token}`, { redirect: 'manual' });
    expect(opened.status).toBe(303);
    expect(opened.headers.get('location')).toBe(`/mail/cart-reminders?token=${token}`);
    expect((await new Api(sut.system.url!).get(`/api/mail/cart-reminders?token=${token}`)).body).toEqual({ cartReminders: true });

    const stopped = await oneClick(sut, `/api/mail/cart-reminders/unsubscribe?token=${token}`);
    expect(stopped.status).toBe(200);
    expect(await stopped.json()).toEqual({ cartReminders: false });
    // Left again after a change: decided, and no reminder.
    const again = (await shopper.api.post<CartAnswer>('/api/cart/items', { sku: vase, quantity: 1 })).body;
    await persisted(sut, shopper.id, again.version);
    const quiet = await sut.system.container.abandonedCarts.remind(touched(again) + HOUR_MS);
    expect(quiet).toMatchObject({ reminded: 0, optedOut: 1 });
    expect(await reminderEvents(sut, shopper.id)).toEqual([left.version]);

    // On again, from the shop's page: the next cart left gets its reminder.
    expect((await new Api(sut.system.url!).post(`/api/mail/cart-reminders/subscribe?token=${token}`)).body).toEqual({ cartReminders: true });
    const third = (await shopper.api.post<CartAnswer>('/api/cart/items', { sku: vase, quantity: 1 })).body;
    await persisted(sut, shopper.id, third.version);
    expect((await sut.system.container.abandonedCarts.remind(touched(third) + HOUR_MS)).reminded).toBe(1);
    const mails = await eventually(async () => {
      const received = await mailTo(sut, shopper.email);
      return received.length >= 2 ? received : undefined;
    }, 'the reminder after turning them on again');
    expect(mails).toHaveLength(2);
    expect(unsubscribeToken(mails[0]!)).toBe(token);
  });

  it('refuses an unsubscribe link whose token no reminder carried, or that is no token, and changes nothing', async () => {
    const api = new Api(sut.system.url!);
    const unknown = '00000000-0000-4000-8000-000000000000';
    for (const path of ['/api/mail/cart-reminders', '/api/mail/cart-reminders/unsubscribe', '/api/mail/cart-reminders/subscribe']) {
      const read = path.endsWith('reminders') ? api.get(`${path}?token=${unknown}`) : api.post(`${path}?token=${unknown}`);
      expect(await read).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
      for (const query of ['', '?token=not-a-token', `?token=${unknown}&extra=1`]) {
        const refused = path.endsWith('reminders') ? await api.get(`${path}${query}`) : await api.post(`${path}${query}`);
        expect(refused.status, `${path}${query}`).toBe(400);
        expect(refused.body.error.code).toBe('VALIDATION_FAILED');
      }
    }
    // A body of any kind is left unread (a mail client's multipart form too), and a large one refused.
    const multipart = await fetch(`${sut.system.url}/api/mail/cart-reminders/unsubscribe?token=${unknown}`, {
      method: 'POST',
      body: (() => {
        const form = new FormData();
        form.set('List-Unsubscribe', 'One-Click');
        return form;
      })(),
    });
    expect(multipart.status).toBe(404);
    // JSON too, even JSON that does not parse: nothing of the body is read.
    for (const body of ['{}', '{"not json']) {
      const json = await fetch(`${sut.system.url}/api/mail/cart-reminders/unsubscribe?token=${unknown}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect(json.status, body).toBe(404);
    }
    const large = await fetch(`${sut.system.url}/api/mail/cart-reminders/unsubscribe?token=${unknown}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `List-Unsubscribe=One-Click&${'x'.repeat(10_000)}`,
    });
    expect(large.status).toBe(413);
    expect(((await large.json()) as { error: { code: string } }).error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(await sut.system.container.db.selectFrom('mailPreferences').select('token').where('token', '=', unknown).execute()).toEqual([]);
  });

  it('writes to no guest, decides a guest cart once, and leaves empty carts alone', async () => {
    const mug = await createProduct(sut.admin, { onHand: 50, priceCents: 900 });
    const [guest, emptied] = await Promise.all([guestSession(sut), guestSession(sut)]);
    const guestCart = (await guest.api.post<CartAnswer>('/api/cart/items', { sku: mug, quantity: 1 })).body;
    await emptied.api.post('/api/cart/items', { sku: mug, quantity: 1 });
    const cleared = (await emptied.api.delete<CartAnswer>('/api/cart')).body;
    const [guestId, emptiedId] = [guest.id, emptied.id];
    await persisted(sut, guestId, guestCart.version);
    await persisted(sut, emptiedId, cleared.version);

    const at = Math.max(touched(guestCart), touched(cleared)) + HOUR_MS;
    const run = await sut.system.container.abandonedCarts.remind(at);
    expect(run.withoutAddress).toBe(1);
    expect(await reminderEvents(sut, guestId)).toEqual([]);
    expect(await reminderEvents(sut, emptiedId)).toEqual([]);
    const decided = await sut.system.container.db
      .selectFrom('carts')
      .select(['userId', 'remindedVersion'])
      .where('userId', 'in', [guestId, emptiedId])
      .execute();
    expect(Object.fromEntries(decided.map((row) => [row.userId, row.remindedVersion]))).toEqual({
      [guestId]: guestCart.version,
      [emptiedId]: null,
    });
    expect((await sut.system.container.abandonedCarts.remind(at + HOUR_MS)).withoutAddress).toBe(0);
  });
});

describe('abandoned carts, on the schedule', () => {
  const sut = useSystem(
    { api: true, worker: true, mailSink: true },
    { ABANDONED_CART_AFTER_HOURS: String(1 / 3_600), CART_REMINDER_INTERVAL_MS: '250', CART_PERSIST_INTERVAL_MS: '200' },
  );

  it('reminds the owner of a cart left a second, once, through the outbox and the mailer', async () => {
    const chair = await createProduct(sut.admin, { onHand: 5, priceCents: 12_000, title: 'Chair' });
    const shopper = await customer(sut);
    const left = (await shopper.api.post<CartAnswer>('/api/cart/items', { sku: chair, quantity: 1 })).body;
    const [mail] = await eventually(async () => {
      const received = await mailTo(sut, shopper.email);
      return received.length > 0 ? received : undefined;
    }, 'the scheduled reminder');
    expect(mail!.subject).toBe('Your cart is waiting for you');
    expect(mail!.text).toContain(`Chair (${chair}): 1 ×`);
    // Several runs later, still the one reminder of that version.
    expect((await sut.system.container.abandonedCarts.remind()).reminded).toBe(0);
    expect(await reminderEvents(sut, shopper.id)).toEqual([left.version]);
    expect(await mailTo(sut, shopper.email)).toHaveLength(1);
  });
});

describe('abandoned carts, when the owner comes back before the reminder goes', () => {
  const sut = useSystem({ api: true, worker: true, mailSink: true }, { ABANDONED_CART_AFTER_HOURS: '1' });

  /** Notifies the reminder event of `userId` as its notify job does, now: how many mails it queues. */
  const notifiedReminder = async (userId: string) => sut.system.container.notifier.notify(await reminderEvent(sut, userId));

  /** A customer's cart of `quantity` desk lamps, stored, and found abandoned by a run an hour later. */
  async function foundAbandoned(quantity: number): Promise<{ lamp: string; shopper: Awaited<ReturnType<typeof customer>>; left: CartAnswer }> {
    const lamp = await createProduct(sut.admin, { onHand: 50, priceCents: 1_500, title: 'Desk lamp' });
    const shopper = await customer(sut);
    const left = (await shopper.api.post<CartAnswer>('/api/cart/items', { sku: lamp, quantity })).body;
    await persisted(sut, shopper.id, left.version);
    expect((await sut.system.container.abandonedCarts.remind(touched(left) + HOUR_MS)).reminded).toBe(1);
    return { lamp, shopper, left };
  }

  it('queues no reminder of a cart its owner emptied after it was found abandoned and before its event was notified', async () => {
    const { shopper } = await foundAbandoned(2);

    expect((await shopper.api.delete<CartAnswer>('/api/cart')).status).toBe(200);
    expect(await notifiedReminder(shopper.id)).toBe(0);
  });

  it('queues no reminder of a cart its owner ordered after it was found abandoned and before its event was notified', async () => {
    const { shopper } = await foundAbandoned(1);

    const ordered = await shopper.api.post('/api/orders', { fromCart: true }, { headers: { 'idempotency-key': 'ordered-after-reminder' } });
    expect(ordered.status).toBe(202);
    expect(await notifiedReminder(shopper.id)).toBe(0);
  });

  it('queues no reminder to an owner who turned reminders off after their cart was found abandoned', async () => {
    const { shopper } = await foundAbandoned(1);
    const { token } = await sut.system.container.mailPreferences.forReminder(shopper.id);
    // The account's row is made once: asked for again, the same token, and the row not written again.
    const rowVersion = async () =>
      (await sql<{ xmin: string }>`SELECT xmin::text FROM mail_preferences WHERE user_id = ${shopper.id}`.execute(sut.system.container.db)).rows[0]
        ?.xmin;
    const before = await rowVersion();
    expect(before).toBeDefined();
    expect((await sut.system.container.mailPreferences.forReminder(shopper.id)).token).toBe(token);
    expect(await rowVersion()).toBe(before);

    expect((await new Api(sut.system.url!).post(`/api/mail/cart-reminders/unsubscribe?token=${token}`)).status).toBe(200);
    expect(await notifiedReminder(shopper.id)).toBe(0);
  });

  it('makes an account one reminder token however many reminders ask for it at once', async () => {
    const shopper = await customer(sut);
    const settings = await Promise.all(Array.from({ length: 20 }, () => sut.system.container.mailPreferences.forReminder(shopper.id)));
    expect(new Set(settings.map((setting) => setting.token)).size).toBe(1);
    expect(settings.every((setting) => setting.cartReminders)).toBe(true);
  });

  it('still reminds the owner of a cart only a price change touched since', async () => {
    const { lamp, shopper, left } = await foundAbandoned(1);

    expect((await sut.admin.patch(`/api/admin/products/${lamp}`, { priceCents: 1_200 })).status).toBe(200);
    await eventually(
      async () => ((await shopper.api.get<CartAnswer>('/api/cart')).body.version > left.version ? true : undefined),
      'the price change reaching the cart',
    );
    expect(await notifiedReminder(shopper.id)).toBe(1);
  });
});

describe('abandoned carts, a reminder waiting in the mail queue', () => {
  const sut = useSystem({ api: true, worker: true, mailSink: true }, { ABANDONED_CART_AFTER_HOURS: '1' });
  // The worker runs (it persists the carts), but takes no mail job: a reminder's send waits in its
  // queue until the test sends it.
  beforeAll(() => sut.system.container.queues.queue('notifications').pause());

  /** A customer's cart found abandoned, its reminder notified and queued: the send-email job's data. */
  async function queuedReminder(): Promise<{ shopper: Awaited<ReturnType<typeof customer>>; job: EmailJob }> {
    const kettle = await createProduct(sut.admin, { onHand: 50, priceCents: 3_000, title: 'Kettle' });
    const shopper = await customer(sut);
    const left = (await shopper.api.post<CartAnswer>('/api/cart/items', { sku: kettle, quantity: 1 })).body;
    await persisted(sut, shopper.id, left.version);
    expect((await sut.system.container.abandonedCarts.remind(touched(left) + HOUR_MS)).reminded).toBe(1);
    expect(await sut.system.container.notifier.notify(await reminderEvent(sut, shopper.id))).toBe(1);
    const waiting = await sut.system.container.queues.queue('notifications').getJobs(['waiting', 'prioritized']);
    const job = waiting.map((queued) => queued.data as EmailJob).find((data) => data.to === shopper.email);
    expect(job?.template).toBe('abandoned-cart');
    return { shopper, job: job! };
  }

  const deliveryStatus = async (key: string) =>
    (await sql<{ status: string }>`SELECT status FROM email_deliveries WHERE key = ${key}`.execute(sut.system.container.db)).rows[0]?.status;

  it('withholds a reminder whose owner turned reminders off while it waited, and sends one whose owner did not', async () => {
    const stopped = await queuedReminder();
    const kept = await queuedReminder();
    const { token } = await sut.system.container.mailPreferences.forReminder(stopped.shopper.id);
    expect((await oneClick(sut, `/api/mail/cart-reminders/unsubscribe?token=${token}`)).status).toBe(200);

    const sender = sut.system.container.emailSender;
    expect(await sender.send(stopped.job)).toBe('withheld');
    expect(await sender.send(kept.job)).toBe('sent');
    // A retry of the withheld job (its worker died before marking it done) withholds it again.
    expect(await sender.send(stopped.job)).toBe('withheld');

    expect(await deliveryStatus(stopped.job.key)).toBe('withheld');
    expect(await deliveryStatus(kept.job.key)).toBe('sent');
    const received = await eventually(async () => ((await mailTo(sut, kept.shopper.email)).length === 1 ? true : undefined), 'the kept reminder');
    expect(received).toBe(true);
    expect(await mailTo(sut, stopped.shopper.email)).toEqual([]);
  });
});
