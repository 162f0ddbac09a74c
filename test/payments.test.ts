import { createServer, type Server } from 'node:http';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { signWebhook } from '../src/modules/payments/webhook-signature.js';
import { createProduct, inventoryOf } from './support/fixtures.js';
import { type Api, eventually, guests } from './support/http.js';
import { completeOnSimulator, mailbox, mailsTo, paymentEvent, sendWebhook } from './support/payments.js';
import { freePort } from './support/stores.js';
import { ADMIN, useSystem, WEBHOOK_SECRET } from './support/system.js';
import { simulatedVendor } from './support/vendors.js';

/**
 * Stands between the payment simulator and the API: the first delivery of every event is answered
 * 503 (the API "down"), later ones are passed through untouched, so the simulator's retries show.
 */
class FlakyWebhookProxy {
  readonly attempts = new Map<string, number[]>();
  target = '';
  private server: Server | undefined;

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', async () => {
        const body = Buffer.concat(chunks);
        const eventId = (JSON.parse(body.toString()) as { id: string }).id;
        const statuses = this.attempts.get(eventId) ?? [];
        this.attempts.set(eventId, statuses);
        if (statuses.length === 0) {
          statuses.push(503);
          response.writeHead(503).end();
          return;
        }
        const forwarded = await fetch(this.target, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'payment-signature': String(request.headers['payment-signature']) },
          body,
        });
        statuses.push(forwarded.status);
        response.writeHead(forwarded.status, { 'content-type': 'application/json' }).end(await forwarded.text());
      });
    });
    const port = await freePort();
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    return `http://127.0.0.1:${port}/api/payments/webhook`;
  }

  stop(): Promise<void> {
    this.server?.closeAllConnections();
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

const PRICE = 1_250;

describe('paying for an order through the payment simulator', () => {
  const proxy = new FlakyWebhookProxy();
  const sut = useSystem({ api: true, worker: true, pspSim: true, mailSink: true }, async () => ({
    EXPIRY_SWEEP_INTERVAL_MS: '3600000',
    PSP_SIM_WEBHOOK_URL: await proxy.start(),
  }));
  let sku: string;
  let buyers: Api[];

  beforeAll(async () => {
    proxy.target = `${sut.system.url}/api/payments/webhook`;
    sku = await createProduct(sut.admin, { onHand: 20, priceCents: PRICE, title: 'Espresso cup' });
    buyers = await guests(sut.system.url!, 4);
    return () => proxy.stop();
  });

  /** A PENDING order of `quantity` units for buyer `i`, stored in Postgres, its payment started. */
  async function orderWithPayment(i: number, quantity: number, key: string) {
    const buyer = buyers[i]!;
    const placed = await buyer.order([{ sku, quantity }], key, { customerEmail: `buyer-${i}-${key}@example.test` });
    expect(placed.status).toBe(202);
    const payment = await buyer.post(`/api/orders/${placed.body.id}/payment`);
    expect(payment.status).toBe(201);
    return {
      buyer,
      order: placed.body,
      email: `buyer-${i}-${key}@example.test`,
      payment: payment.body as { paymentId: string; checkoutUrl: string },
    };
  }

  const statusOf = async (buyer: Api, orderId: string) => (await buyer.get(`/api/orders/${orderId}`)).body;

  it('takes an order from the checkout page to CONFIRMED through a signed webhook the simulator retries, and mails the invoice', async () => {
    const buyer = buyers[0]!;
    const shippingAddress = { name: 'Ada Lovelace', line1: '12 Rue de Rivoli', city: 'Paris', postalCode: '75001', country: 'FR' };
    const placed = await buyer.order([{ sku, quantity: 2 }], 'pay-flow', { customerEmail: 'Payer@Example.test', shippingAddress });
    expect(placed.status).toBe(202);
    const orderId = placed.body.id as string;

    // A return address of the client's choosing is not taken: the shop builds its own.
    const first = await buyer.post(`/api/orders/${orderId}/payment`, { returnUrl: 'https://evil.example.test/' });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({
      paymentId: expect.stringMatching(/^pay_/),
      checkoutUrl: expect.stringContaining(`/checkout/${first.body.paymentId}`),
    });
    const extended = await statusOf(buyer, orderId);
    expect(Date.parse(extended.expiresAt) - Date.parse(placed.body.expiresAt)).toBe(600_000);

    // A second start is the same payment, and holds the stock no longer.
    const second = await buyer.post(`/api/orders/${orderId}/payment`);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect((await statusOf(buyer, orderId)).expiresAt).toBe(extended.expiresAt);

    const page = await fetch(first.body.checkoutUrl);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Pay');
    const paid = await fetch(`${first.body.checkoutUrl}/pay`, { method: 'POST', redirect: 'manual' });
    expect(paid.status).toBe(303);

    const confirmed = await eventually(async () => {
      const order = await statusOf(buyer, orderId);
      return order.history.some((entry: { status: string }) => entry.status === 'CONFIRMED') ? order : undefined;
    }, 'the order to be confirmed by the webhook');
    // Fulfilment follows a confirmation by itself (the stock here is all local).
    const expected = [
      ['PENDING', 'customer'],
      ['CONFIRMED', 'payment'],
      ['FULFILLED', 'system'],
    ];
    const history = confirmed.history.map((entry: { status: string; actor: string }) => [entry.status, entry.actor]);
    expect(history).toEqual(expected.slice(0, history.length));
    expect(history.length).toBeGreaterThanOrEqual(2);
    // The simulator records the delivery once the API's answer reaches it, a moment after the API committed.
    const simulated = await eventually(async () => {
      const payment = (await fetch(`${sut.system.pspSimUrl}/v1/payments/${first.body.paymentId}`).then((r) => r.json())) as {
        webhook: { eventId: string; state: string };
        returnUrl: string;
      };
      return payment.webhook.state === 'delivered' ? payment : undefined;
    }, 'the simulator to record the delivery');
    expect(simulated.returnUrl).toBe(`${sut.system.url}/orders/${orderId}`);
    expect(simulated.webhook).toMatchObject({ state: 'delivered', attempts: 2, lastStatus: 200 });
    const eventId = simulated.webhook.eventId as string;
    expect(proxy.attempts.get(eventId)).toEqual([503, 200]);
    expect(await inventoryOf(sut.admin, sku)).toMatchObject({ onHand: 18, reserved: 0, sold: 2, available: 18, gateAvailable: 18, drift: 0 });

    const [invoice] = await mailsTo(sut.admin, 'payer@example.test', /^Payment confirmed: invoice for order/);
    expect(invoice!.text).toContain(first.body.paymentId);
    expect(invoice!.text).toContain('Espresso cup');
    const [received] = await mailsTo(sut.admin, 'payer@example.test', /^Order .* received$/);
    // It leads to where the order is paid: its page in the shop, at the shop's address.
    expect(received!.text).toContain(`Pay for your order: ${sut.system.url}/orders/${orderId}`);
    // Both say where the order ships, as the French post writes it.
    for (const mail of [received!, invoice!]) expect(mail.text).toContain('Shipping to:\nAda Lovelace\n12 Rue de Rivoli\n75001 Paris\nFrance (FR)');

    // The provider redelivers the same event: answered, no second effect.
    const redelivered = await sendWebhook(sut.admin, {
      id: eventId,
      type: 'payment.succeeded',
      data: { paymentId: first.body.paymentId, orderId, amountCents: 2 * PRICE, currency: 'EUR' },
    });
    expect(redelivered.status).toBe(200);
    expect(redelivered.body).toEqual({ received: true, outcome: 'duplicate' });
    // Another event of the same success is recorded and changes nothing either.
    const again = await sendWebhook(
      sut.admin,
      paymentEvent('payment.succeeded', { paymentId: first.body.paymentId, orderId, amountCents: 2 * PRICE, currency: 'EUR' }),
    );
    expect(again.body.outcome).toBe('already-confirmed');
    expect(await inventoryOf(sut.admin, sku)).toMatchObject({ onHand: 18, reserved: 0, sold: 2, drift: 0 });
    const paidAgain = await buyer.post(`/api/orders/${orderId}/payment`);
    expect(paidAgain.status).toBe(409);
    expect(paidAgain.body.error.code).toBe('INVALID_STATE');
  });

  it('refuses a bad or stale signature with 400, and changes nothing', async () => {
    const { buyer, order, payment } = await orderWithPayment(1, 1, 'bad-signature');
    const before = await inventoryOf(sut.admin, sku);
    const event = paymentEvent('payment.succeeded', { paymentId: payment.paymentId, orderId: order.id, amountCents: PRICE, currency: 'EUR' });
    const refusals = await Promise.all([
      sendWebhook(sut.admin, event, { secret: 'not-the-webhook-secret' }),
      sendWebhook(sut.admin, event, { signedAt: Date.now() / 1_000 - 301 }),
      sendWebhook(sut.admin, event, { signature: 'garbage' }),
      sendWebhook(sut.admin, JSON.stringify(event), { signature: '' }),
    ]);
    expect(refusals.map((answer) => [answer.status, answer.body.error.code, answer.body.error.details.signature])).toEqual([
      [400, 'VALIDATION_FAILED', 'bad-signature'],
      [400, 'VALIDATION_FAILED', 'stale'],
      [400, 'VALIDATION_FAILED', 'malformed'],
      [400, 'VALIDATION_FAILED', 'malformed'],
    ]);
    // Signed over other bytes than those sent: a body re-serialised on the way.
    const tampered = await sendWebhook(sut.admin, JSON.stringify(event, null, 2), {
      signature: signWebhook(WEBHOOK_SECRET, JSON.stringify(event), Date.now() / 1_000),
    });
    expect(tampered.status).toBe(400);

    expect((await statusOf(buyer, order.id)).status).toBe('PENDING');
    expect(await inventoryOf(sut.admin, sku)).toEqual(before);
    // The event was never recorded: signed properly, it still takes effect.
    expect((await sendWebhook(sut.admin, event)).body.outcome).toBe('confirmed');
    expect(await inventoryOf(sut.admin, sku)).toMatchObject({ onHand: before.onHand - 1, reserved: before.reserved - 1, drift: 0 });
  });

  it('refuses a signed body that is not a payment event with 4xx, and records nothing', async () => {
    const events = () => sut.system.container.db.selectFrom('paymentEvents').select('eventId').execute();
    const before = await events();
    const data = { paymentId: 'pay_x', orderId: 'o', amountCents: 1, currency: 'EUR' };
    const bodies = [
      '{"id": "evt_1", "type": ',
      '[]',
      '"payment.succeeded"',
      JSON.stringify({ id: 'evt_2', type: 'payment.succeeded' }),
      JSON.stringify({ id: '', type: 'payment.succeeded', data }),
      JSON.stringify({ id: 'evt_3', type: 'payment.succeeded', data: { ...data, amountCents: -5 } }),
      JSON.stringify({ id: 'evt_4', type: 'payment.succeeded', data: { ...data, amountCents: '1' } }),
      JSON.stringify({ id: 'evt_\u0000', type: 'payment.succeeded', data }),
      JSON.stringify({ id: 'e'.repeat(300), type: 'payment.succeeded', data }),
      JSON.stringify({ id: 'evt_5', type: 'payment.succeeded', data: { ...data, amountCents: 1e300 } }),
    ];
    const answers = await Promise.all(bodies.map((body) => sendWebhook(sut.admin, body)));
    expect(answers.map((answer) => [answer.status, answer.body.error?.code])).toEqual(bodies.map(() => [400, 'VALIDATION_FAILED']));

    const raw = JSON.stringify({ id: 'evt_6', type: 'payment.succeeded', data });
    const signature = signWebhook(WEBHOOK_SECRET, raw, Date.now() / 1_000);
    const asText = await fetch(`${sut.system.url}/api/payments/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', 'payment-signature': signature },
      body: raw,
    });
    expect(asText.status).toBe(415);
    const huge = JSON.stringify({ id: 'evt_7', type: 'payment.succeeded', data, padding: 'x'.repeat(100_000) });
    expect((await sendWebhook(sut.admin, huge)).status).toBe(413);
    expect(await events()).toEqual(before);
  });

  it('cancels the order when the buyer declines, giving the stock back and telling the buyer why', async () => {
    const { buyer, order, email, payment } = await orderWithPayment(2, 3, 'decline');
    const before = await inventoryOf(sut.admin, sku);
    const declined = await fetch(`${payment.checkoutUrl}/decline`, { method: 'POST', redirect: 'manual' });
    expect(declined.status).toBe(303);
    const cancelled = await eventually(async () => {
      const current = await statusOf(buyer, order.id);
      return current.status === 'CANCELLED' ? current : undefined;
    }, 'the order to be cancelled by the failed payment');
    expect(cancelled.history.at(-1)).toMatchObject({ status: 'CANCELLED', reason: 'payment failed', actor: 'payment' });
    expect(await inventoryOf(sut.admin, sku)).toMatchObject({
      onHand: before.onHand,
      reserved: before.reserved - 3,
      sold: before.sold,
      gateAvailable: before.gateAvailable + 3,
      drift: 0,
    });
    const [mail] = await mailsTo(sut.admin, email, /cancelled$/);
    expect(mail!.text).toContain('payment failed');
  });

  it('does not put the words a buyer typed into mail: a cancel’s reason is the buyer’s request there', async () => {
    const [buyer] = await guests(sut.system.url!, 1);
    const email = 'someone-else@example.test';
    const placed = await buyer!.order([{ sku, quantity: 1 }], 'cancel-with-words', { customerEmail: email });
    expect(placed.status).toBe(202);
    const words = 'Your account is locked: visit https://phish.example/login';
    expect((await buyer!.post(`/api/orders/${placed.body.id}/cancel`, { reason: words })).status).toBe(200);
    // The order's history keeps what the buyer wrote; the mail, sent to an address nobody checked, does not.
    expect((await buyer!.get(`/api/orders/${placed.body.id}`)).body.history.at(-1)).toMatchObject({ reason: words, actor: 'customer' });
    const [mail] = await mailsTo(sut.admin, email, /cancelled$/);
    expect(mail!.text).toContain('cancelled at your request');
    expect(`${mail!.text}${mail!.html}`).not.toContain('phish');
  });

  it('tells the buyer of an accepted order that could not be stored that it was not taken after all', async () => {
    const drifted = await createProduct(sut.admin, { onHand: 5, title: 'Drifting mug' });
    expect(await sut.system.container.inventory.ensureGate(drifted)).toBe(5);
    // Drift: Postgres lost units behind the gate's back, so Redis admits more than the ledger holds.
    await sql`UPDATE inventory SET on_hand = 2 WHERE sku = ${drifted}`.execute(sut.system.container.db);
    const [buyer] = await guests(sut.system.url!, 1);
    const email = 'not-taken@example.test';
    const placed = await buyer!.order([{ sku: drifted, quantity: 3 }], 'not-taken', { customerEmail: email });
    expect(placed.status).toBe(202);
    // The buyer was told 202 and nothing else: no mail, no payment possible, the order FAILED.
    const [mail] = await mailsTo(sut.admin, email, /could not be taken$/);
    expect((await statusOf(buyer!, placed.body.id)).status).toBe('FAILED');
    expect(mail!.subject).toBe(`Order ${placed.body.id} could not be taken`);
    expect(mail!.text).toContain('You have not been charged');
    expect(mail!.text).toContain('Drifting mug');
    // The stored reason is the shop's, not the buyer's.
    expect(mail!.text).not.toContain('drift');
    expect((await mailbox(sut.admin)).filter((message) => message.to.includes(email))).toHaveLength(1);
  });

  it('keeps a payment that arrives after the order expired, marks it for refund, and tells the buyer', async () => {
    const { buyer, order, email, payment } = await orderWithPayment(3, 2, 'late');
    await sut.system.container.sweeper.sweep(Date.now() + 3_600_000);
    const expired = await statusOf(buyer, order.id);
    expect(expired.status).toBe('EXPIRED');
    // The order tells its buyer where the money stands: a payment started, nothing received yet.
    expect(expired.payment).toEqual({ status: 'pending', amountCents: order.totalCents, currency: 'EUR' });
    const afterExpiry = await inventoryOf(sut.admin, sku);

    await completeOnSimulator(sut.system.pspSimUrl!, payment.paymentId);
    const [refund] = await mailsTo(sut.admin, email, /^Refund on its way for order/);
    expect(refund!.text).toContain('after its reservation had expired');
    await mailsTo(sut.admin, email, /expired$/);

    const stored = await sut.system.container.paymentsRepository.find(order.id);
    expect(stored).toMatchObject({ status: 'succeeded', refundStatus: 'due' });
    const refunded = await statusOf(buyer, order.id);
    expect(refunded.status).toBe('EXPIRED');
    expect(refunded.payment).toEqual({ status: 'succeeded', amountCents: order.totalCents, currency: 'EUR', refund: 'due' });
    expect(await inventoryOf(sut.admin, sku)).toEqual(afterExpiry);
    expect(afterExpiry).toMatchObject({ drift: 0 });
  });

  it('records a payment as succeeded whatever order its success and a failure arrive in, together or apart; a late success is owed back', async () => {
    const { container } = sut.system;
    const event = (type: string, { order, payment }: { order: { id: string }; payment: { paymentId: string } }) =>
      paymentEvent(type, { paymentId: payment.paymentId, orderId: order.id, amountCents: PRICE, currency: 'EUR' });
    const paymentOf = (orderId: string) => container.paymentsRepository.find(orderId);

    // One turn of the event loop, so one batch: the success confirms, the failure changes nothing.
    const together = await orderWithPayment(3, 1, 'verdicts-together');
    const outcomes = await Promise.all([
      container.paymentWebhooks.receive(event('payment.succeeded', together)),
      container.paymentWebhooks.receive(event('payment.failed', together)),
    ]);
    expect(outcomes).toEqual(['confirmed', 'ignored']);
    expect(await paymentOf(together.order.id)).toMatchObject({ status: 'succeeded', refundStatus: null });

    // The failure first: the order is cancelled and its stock released; the success after it is money taken, owed back.
    const apart = await orderWithPayment(3, 1, 'verdicts-apart');
    expect((await sendWebhook(sut.admin, event('payment.failed', apart))).body.outcome).toBe('released');
    expect(await paymentOf(apart.order.id)).toMatchObject({ status: 'failed' });
    expect((await sendWebhook(sut.admin, event('payment.succeeded', apart))).body.outcome).toBe('refund-due');
    expect(await paymentOf(apart.order.id)).toMatchObject({ status: 'succeeded', refundStatus: 'due' });
    // And a failure after a success leaves it succeeded.
    expect((await sendWebhook(sut.admin, event('payment.failed', together))).body.outcome).toBe('ignored');
    expect(await paymentOf(together.order.id)).toMatchObject({ status: 'succeeded' });
  });

  it('answers a confirmation once it has committed, without waiting for Redis to drop the sold reservation, which is still dropped once', async () => {
    const { container } = sut.system;
    const { order, payment } = await orderWithPayment(1, 1, 'consume-after-answer');
    // The Redis step of this order's sale is held back until the webhook is answered, or, should
    // the answer wait for the step, until a deadline no healthy run comes near.
    let answered = false;
    let letGo!: () => void;
    const heldBack = new Promise<void>((resolve) => {
      letGo = resolve;
    });
    const deadline = setTimeout(() => letGo(), 20_000);
    const end = container.stock.end.bind(container.stock);
    const steps: { mode: string; afterAnswer: boolean }[] = [];
    const spy = vi.spyOn(container.stock, 'end').mockImplementation(async (orderId, mode) => {
      if (orderId !== order.id) return end(orderId, mode);
      await heldBack;
      steps.push({ mode, afterAnswer: answered });
      return end(orderId, mode);
    });
    onTestFinished(() => {
      clearTimeout(deadline);
      spy.mockRestore();
    });

    const data = { paymentId: payment.paymentId, orderId: order.id, amountCents: PRICE, currency: 'EUR' };
    const answer = await sendWebhook(sut.admin, paymentEvent('payment.succeeded', data));
    answered = true;
    letGo();
    expect(answer.body.outcome).toBe('confirmed');
    await eventually(
      async () => ((await container.stock.readReservation(order.id)) === null ? true : undefined),
      'the sold reservation to be dropped',
    );
    expect(steps).toEqual([{ mode: 'consume', afterAnswer: true }]);
    expect(await inventoryOf(sut.admin, sku)).toMatchObject({ drift: 0 });
  });

  it('takes the currency in any case, as providers that write it in lower case send it', async () => {
    const { buyer, order, payment } = await orderWithPayment(1, 1, 'lowercase');
    const data = { paymentId: payment.paymentId, orderId: order.id, amountCents: PRICE, currency: 'eur' };
    const answer = await sendWebhook(sut.admin, paymentEvent('payment.succeeded', data));
    expect([answer.status, answer.body.outcome]).toEqual([200, 'confirmed']);
    expect((await statusOf(buyer, order.id)).status).toBe('CONFIRMED');
  });

  it('records, without effect, an amount that does not match, an unknown payment, and an event type it does not handle', async () => {
    const { buyer, order, payment } = await orderWithPayment(1, 1, 'mismatch');
    const before = await inventoryOf(sut.admin, sku);
    const data = { paymentId: payment.paymentId, orderId: order.id, amountCents: PRICE, currency: 'EUR' };
    const answers = await Promise.all([
      sendWebhook(sut.admin, paymentEvent('payment.succeeded', { ...data, amountCents: 1 })),
      sendWebhook(sut.admin, paymentEvent('payment.succeeded', { ...data, currency: 'USD' })),
      sendWebhook(sut.admin, paymentEvent('payment.succeeded', { ...data, paymentId: 'pay_unknown' })),
      sendWebhook(sut.admin, paymentEvent('payment.succeeded', { ...data, orderId: '00000000-0000-4000-8000-000000000000' })),
      sendWebhook(sut.admin, paymentEvent('payment.refunded', data)),
    ]);
    expect(answers.map((answer) => [answer.status, answer.body.outcome])).toEqual([
      [200, 'amount-mismatch'],
      [200, 'amount-mismatch'],
      [200, 'unknown-payment'],
      [200, 'order-mismatch'],
      [200, 'unknown-type'],
    ]);
    expect((await statusOf(buyer, order.id)).status).toBe('PENDING');
    expect(await inventoryOf(sut.admin, sku)).toEqual(before);

    // Each success it could not match may be money taken for nothing: the admins are told, once per event.
    const checks = await mailsTo(sut.admin, ADMIN.email, /^Payment to check: /, 4);
    const subjects = checks.map((mail) => mail.subject).filter((subject) => subject.includes(payment.paymentId) || subject.includes('pay_unknown'));
    expect(subjects.sort()).toEqual(
      [
        `Payment to check: ${payment.paymentId} (amount-mismatch)`,
        `Payment to check: ${payment.paymentId} (amount-mismatch)`,
        `Payment to check: ${payment.paymentId} (order-mismatch)`,
        'Payment to check: pay_unknown (unknown-payment)',
      ].sort(),
    );
    expect(checks.find((mail) => mail.subject.includes('unknown-payment'))!.text).toContain(order.id);
  });

  it('alerts the admins once when confirmations take a product to its low-stock threshold', async () => {
    const scarce = await createProduct(sut.admin, { onHand: 8, priceCents: PRICE, title: 'Scarce teapot' });
    const confirm = async (i: number, key: string) => {
      const buyer = buyers[i]!;
      const placed = await buyer.order([{ sku: scarce, quantity: 2 }], key);
      const payment = await buyer.post(`/api/orders/${placed.body.id}/payment`);
      const data = { paymentId: payment.body.paymentId, orderId: placed.body.id, amountCents: 2 * PRICE, currency: 'EUR' };
      expect((await sendWebhook(sut.admin, paymentEvent('payment.succeeded', data))).body.outcome).toBe('confirmed');
    };
    // The product's own threshold, not the default of 5.
    expect((await sut.admin.patch(`/api/admin/products/${scarce}`, { lowStockThreshold: 6 })).status).toBe(200);
    // 8 on hand, 2 sold: 6 available, at the threshold.
    await confirm(0, 'teapot-1');
    const [alert] = await mailsTo(sut.admin, ADMIN.email, new RegExp(`^Low stock: ${scarce} \\(6 left\\)$`));
    expect(alert!.text).toContain('Scarce teapot');
    // 4, then 2 available: still low, no second alert.
    await confirm(1, 'teapot-2');
    await confirm(2, 'teapot-3');
    await eventually(async () => ((await inventoryOf(sut.admin, scarce)).sold === 6 ? true : undefined), 'the third sale');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const alerts = (await mailsTo(sut.admin, ADMIN.email, new RegExp(`^Low stock: ${scarce}`))).length;
    expect(alerts).toBe(1);
  });

  it('answers 404 for a payment of another buyer’s order and 409 for an order no longer PENDING', async () => {
    const { order } = await orderWithPayment(0, 1, 'owner');
    const other = await buyers[1]!.post(`/api/orders/${order.id}/payment`);
    expect(other.status).toBe(404);
    expect(other.body.error.code).toBe('NOT_FOUND');
    const admin = await sut.admin.post(`/api/orders/${order.id}/payment`);
    expect(admin.status).toBe(404);
    await buyers[0]!.post(`/api/orders/${order.id}/cancel`);
    const cancelled = await buyers[0]!.post(`/api/orders/${order.id}/payment`);
    expect(cancelled.status).toBe(409);
    expect(cancelled.body.error).toMatchObject({ code: 'INVALID_STATE', details: { status: 'CANCELLED' } });
    expect((await buyers[0]!.post('/api/orders/not-a-uuid/payment')).status).toBe(400);
    expect((await buyers[0]!.post('/api/orders/00000000-0000-4000-8000-000000000000/payment')).status).toBe(404);
    expect((await sut.admin.as('').post(`/api/orders/${order.id}/payment`)).status).toBe(401);
  });
});

describe('a payment provider that cannot be reached', () => {
  const sut = useSystem({ api: true, worker: true }, async () => ({ PSP_SIM_PUBLIC_URL: `http://127.0.0.1:${await freePort()}` }));

  it('answers 503 UNAVAILABLE, records nothing, and holds the stock no longer', async () => {
    const sku = await createProduct(sut.admin, { onHand: 5 });
    const [buyer] = await guests(sut.system.url!, 1);
    const placed = await buyer!.order([{ sku, quantity: 1 }], 'provider-down');
    const answer = await buyer!.post(`/api/orders/${placed.body.id}/payment`);
    expect(answer.status).toBe(503);
    expect(answer.body.error.code).toBe('UNAVAILABLE');
    expect(answer.headers.get('retry-after')).toBe('1');
    expect(await sut.system.container.paymentsRepository.find(placed.body.id)).toBeUndefined();
    expect((await buyer!.get(`/api/orders/${placed.body.id}`)).body.expiresAt).toBe(placed.body.expiresAt);
  });
});

describe('starting payments for orders the persist workers have not stored yet', () => {
  // No worker: only the API itself can store the orders, as it does when a buyer pays faster than the stream drains.
  const sut = useSystem({ api: true, worker: false, pspSim: true });

  it('stores each order once, holding its stock once, when many buyers start paying at the same moment', async () => {
    const sku = await createProduct(sut.admin, { onHand: 40, priceCents: PRICE });
    const buyers = await guests(sut.system.url!, 30);
    const placed = await Promise.all(buyers.map((buyer, i) => buyer.order([{ sku, quantity: 1 }], `unstored-${i}`)));
    expect(placed.map((answer) => answer.status)).toEqual(buyers.map(() => 202));
    expect((await inventoryOf(sut.admin, sku)).reserved).toBe(0);

    // Every buyer starts twice at once: the second start is the same payment, and holds the stock no longer.
    const starts = await Promise.allSettled(buyers.flatMap((buyer, i) => [0, 1].map(() => buyer.post(`/api/orders/${placed[i]!.body.id}/payment`))));
    const answers = starts.map((start) => (start.status === 'fulfilled' ? start.value : undefined));
    expect(answers.map((answer) => answer?.status)).toEqual(answers.map(() => 201));
    for (let i = 0; i < buyers.length; i++) expect(answers[2 * i + 1]!.body).toEqual(answers[2 * i]!.body);
    expect(new Set(answers.map((answer) => answer!.body.paymentId)).size).toBe(buyers.length);

    const inventory = await inventoryOf(sut.admin, sku);
    expect(inventory).toMatchObject({ onHand: 40, reserved: 30, sold: 0, drift: 0 });
    for (let i = 0; i < buyers.length; i++) {
      const order = (await buyers[i]!.get(`/api/orders/${placed[i]!.body.id}`)).body;
      expect(order.status).toBe('PENDING');
      expect(order.history).toHaveLength(1);
      expect(Date.parse(order.expiresAt) - Date.parse(placed[i]!.body.expiresAt)).toBe(600_000);
    }
  });

  it('answers 409 INVALID_STATE for an order that costs nothing, and records no payment', async () => {
    const sku = await createProduct(sut.admin, { onHand: 2, priceCents: 0 });
    const [buyer] = await guests(sut.system.url!, 1);
    const placed = await buyer!.order([{ sku, quantity: 1 }], 'free');
    expect(placed.status).toBe(202);
    const answer = await buyer!.post(`/api/orders/${placed.body.id}/payment`);
    expect(answer.status).toBe(409);
    expect(answer.body.error).toMatchObject({ code: 'INVALID_STATE', details: { status: 'PENDING', totalCents: 0 } });
    expect(await sut.system.container.paymentsRepository.find(placed.body.id)).toBeUndefined();
  });

  it('answers 404 to another buyer and stores nothing for them', async () => {
    const sku = await createProduct(sut.admin, { onHand: 2, priceCents: PRICE });
    const [owner, stranger] = await guests(sut.system.url!, 2);
    const placed = await owner!.order([{ sku, quantity: 1 }], 'not-yours');
    const answer = await stranger!.post(`/api/orders/${placed.body.id}/payment`);
    expect(answer.status).toBe(404);
    expect(answer.body.error.code).toBe('NOT_FOUND');
    expect(await sut.system.container.ordersRepository.findState(placed.body.id)).toBeUndefined();
    expect((await inventoryOf(sut.admin, sku)).reserved).toBe(0);
  });
});

describe('starting a payment for an order past its expiry', () => {
  // One-second holds, and no sweeper (no worker): the order stays PENDING past its expiry.
  const sut = useSystem({ api: true, worker: false, pspSim: true }, { RESERVATION_TTL_SECONDS: '1' });

  it('answers 409 INVALID_STATE with the expiry, and records no payment', async () => {
    const sku = await createProduct(sut.admin, { onHand: 2, priceCents: PRICE });
    const [buyer] = await guests(sut.system.url!, 1);
    const placed = await buyer!.order([{ sku, quantity: 1 }], 'too-late');
    expect(placed.status).toBe(202);
    await eventually(async () => (Date.now() > Date.parse(placed.body.expiresAt) + 100 ? true : undefined), 'the hold to run out');
    const answer = await buyer!.post(`/api/orders/${placed.body.id}/payment`);
    expect(answer.status).toBe(409);
    expect(answer.body.error).toMatchObject({ code: 'INVALID_STATE', details: { status: 'PENDING', expiresAt: placed.body.expiresAt } });
    expect(await sut.system.container.paymentsRepository.find(placed.body.id)).toBeUndefined();
  });
});

describe('an admin confirming an order', () => {
  const sut = useSystem({ api: true, worker: false, pspSim: true }, { EXPIRY_SWEEP_INTERVAL_MS: '3600000' });

  it('is refused 409 while the order’s payment is under way, and the payment’s outcome decides', async () => {
    const sku = await createProduct(sut.admin, { onHand: 2, priceCents: PRICE });
    const [buyer] = await guests(sut.system.url!, 1);
    const order = (await buyer!.order([{ sku, quantity: 1 }], 'being-paid')).body;
    const payment = await buyer!.post(`/api/orders/${order.id}/payment`);
    expect(payment.status).toBe(201);

    const refused = await sut.admin.patch(`/api/admin/orders/${order.id}`, { status: 'CONFIRMED' });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'INVALID_STATE', details: { status: 'PENDING', paymentId: payment.body.paymentId } });
    expect((await buyer!.get(`/api/orders/${order.id}`)).body).toMatchObject({ status: 'PENDING', history: [{ status: 'PENDING' }] });
    expect(await inventoryOf(sut.admin, sku)).toMatchObject({ reserved: 1, sold: 0 });

    const data = { paymentId: payment.body.paymentId, orderId: order.id, amountCents: PRICE, currency: 'EUR' };
    expect((await sendWebhook(sut.admin, paymentEvent('payment.failed', data))).status).toBe(200);
    expect((await buyer!.get(`/api/orders/${order.id}`)).body.status).not.toBe('CONFIRMED');
    expect(await inventoryOf(sut.admin, sku)).toMatchObject({ reserved: 0, sold: 0 });
  });
});

describe('an admin failing an order', () => {
  // No worker: nothing fulfils an order once confirmed, so it stays CONFIRMED for the admin to fail.
  const sut = useSystem({ api: true, worker: false, pspSim: true }, { EXPIRY_SWEEP_INTERVAL_MS: '3600000' });
  const refundEvents = (orderId: string) =>
    sut.system.container.db
      .selectFrom('outbox')
      .select('payload')
      .where('orderId', '=', orderId)
      .where('eventType', '=', 'payment.refund-due')
      .execute();

  it('marks a paid order’s payment refund-due in the same change, once; an order confirmed without a payment owes nothing', async () => {
    const sku = await createProduct(sut.admin, { onHand: 5, priceCents: PRICE });
    const [payer, unpaid] = await guests(sut.system.url!, 2);
    const paid = (await payer!.order([{ sku, quantity: 1 }], 'admin-fails-paid')).body;
    const payment = await payer!.post(`/api/orders/${paid.id}/payment`);
    expect(payment.status).toBe(201);
    const data = { paymentId: payment.body.paymentId, orderId: paid.id, amountCents: PRICE, currency: 'EUR' };
    expect((await sendWebhook(sut.admin, paymentEvent('payment.succeeded', data))).body.outcome).toBe('confirmed');

    const failed = await sut.admin.patch(`/api/admin/orders/${paid.id}`, { status: 'FAILED', reason: 'damaged in the warehouse' });
    expect(failed.status).toBe(200);
    expect(failed.body.history.at(-1)).toMatchObject({ status: 'FAILED', actor: 'admin', reason: 'damaged in the warehouse' });
    expect(await sut.system.container.paymentsRepository.find(paid.id)).toMatchObject({ status: 'succeeded', refundStatus: 'due' });
    expect(failed.body.payment).toEqual({ status: 'succeeded', amountCents: PRICE, currency: 'EUR', refund: 'due' });
    expect(await refundEvents(paid.id)).toEqual([
      { payload: { paymentId: data.paymentId, amountCents: PRICE, currency: 'EUR', orderStatus: 'FAILED', cause: 'failed-by-admin' } },
    ]);
    // Failing it again is refused and owes nothing more.
    expect((await sut.admin.patch(`/api/admin/orders/${paid.id}`, { status: 'FAILED' })).status).toBe(409);
    expect(await refundEvents(paid.id)).toHaveLength(1);

    const confirmedByShop = (await unpaid!.order([{ sku, quantity: 1 }], 'admin-fails-unpaid')).body;
    expect((await sut.admin.patch(`/api/admin/orders/${confirmedByShop.id}`, { status: 'CONFIRMED' })).status).toBe(200);
    expect((await sut.admin.patch(`/api/admin/orders/${confirmedByShop.id}`, { status: 'FAILED' })).status).toBe(200);
    expect(await sut.system.container.paymentsRepository.find(confirmedByShop.id)).toBeUndefined();
    expect((await sut.admin.get(`/api/orders/${confirmedByShop.id}`)).body).not.toHaveProperty('payment');
    expect(await refundEvents(confirmedByShop.id)).toEqual([]);
  });

  it('settles the vendor lines not yet placed when an admin fails or fulfils an order, so the vendor’s stock counts whole again at its next sync', async () => {
    const { container } = sut.system;
    const sku = await createProduct(sut.admin, { onHand: 0 });
    const { row: vendor } = await simulatedVendor(container, 'failing', { [sku]: 5 });
    const [buyer] = await guests(sut.system.url!, 1);
    const order = (await buyer!.order([{ sku, quantity: 2 }], 'admin-fails-vendor-line')).body;
    expect((await sut.admin.patch(`/api/admin/orders/${order.id}`, { status: 'CONFIRMED' })).status).toBe(200);
    // Sold from the vendor, not yet ordered from it (no worker here fulfils it): counted out of its 5.
    await container.vendorSync.sync(vendor);
    expect(await inventoryOf(sut.admin, sku)).toMatchObject({ vendorOnHand: 3, sold: 2 });

    expect((await sut.admin.patch(`/api/admin/orders/${order.id}`, { status: 'FAILED' })).status).toBe(200);
    await container.vendorSync.sync(vendor);
    expect(await inventoryOf(sut.admin, sku)).toMatchObject({ vendorOnHand: 5, drift: 0 });

    // Marked FULFILLED by hand: its vendor line was settled outside flashcart, and no longer counts as to be ordered.
    const shipped = (await buyer!.order([{ sku, quantity: 1 }], 'admin-fulfils-vendor-line')).body;
    expect((await sut.admin.patch(`/api/admin/orders/${shipped.id}`, { status: 'CONFIRMED' })).status).toBe(200);
    await container.vendorSync.sync(vendor);
    expect(await inventoryOf(sut.admin, sku)).toMatchObject({ vendorOnHand: 4 });
    expect((await sut.admin.patch(`/api/admin/orders/${shipped.id}`, { status: 'FULFILLED' })).status).toBe(200);
    await container.vendorSync.sync(vendor);
    expect(await inventoryOf(sut.admin, sku)).toMatchObject({ vendorOnHand: 5, drift: 0 });
  });
});
