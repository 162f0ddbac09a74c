import { describe, expect, it } from 'vitest';
import { createProduct, inventoryOf } from './support/fixtures.js';
import { eventually, guests, settleInWaves } from './support/http.js';
import { mailbox, paymentEvent, sendWebhook } from './support/payments.js';
import { useSystem } from './support/system.js';

const ORDERS = 200;
const QUANTITY = 2;
const STOCK = 1_000;
const PRICE = 700;
/** The one order no payment ever reaches and nobody cancels: only a sweep can end it. */
const UNPAID = 1;

const OUTCOME_SUBJECTS: Record<string, RegExp> = {
  CONFIRMED: /^Payment confirmed: invoice for order /,
  CANCELLED: /^Order .* cancelled$/,
  EXPIRED: /^Order .* expired$/,
};

describe('webhook, cancel and expiry racing on the same orders', () => {
  // No scheduled sweeps: the test runs its own, in the middle of the race.
  const sut = useSystem({ api: true, worker: true, pspSim: true, mailSink: true }, { EXPIRY_SWEEP_INTERVAL_MS: '3600000' });

  it('ends each of 200 orders in exactly one terminal state, sells or releases its stock once, and mails each buyer once per outcome', async () => {
    const sku = await createProduct(sut.admin, { onHand: STOCK, priceCents: PRICE });
    const buyers = await guests(sut.system.url!, ORDERS);
    const emails = buyers.map((_, i) => `racer-${i}@example.test`);
    const orders = await Promise.all(
      buyers.map(async (buyer, i) => {
        const placed = await buyer.order([{ sku, quantity: QUANTITY }], `race-${i}`, { customerEmail: emails[i] });
        expect(placed.status).toBe(202);
        return placed.body as { id: string };
      }),
    );
    const payments = (
      await settleInWaves(
        orders.map((order, i) => () => buyers[i]!.post(`/api/orders/${order.id}/payment`)),
        50,
      )
    ).map((result) => {
      if (result.status !== 'fulfilled' || result.value.status !== 201) throw new Error(`payment not started: ${JSON.stringify(result)}`);
      return result.value.body as { paymentId: string };
    });

    // Half of the orders get a cancel and every other order but one a successful payment at once,
    // while two sweeps expire whatever is left. Three outcomes are made sure of, so the race is one:
    // the first order's cancel is answered before anything else starts (its payment comes too late),
    // the sweeps (run in this process, ahead of anything over HTTP: started together on a fast VM,
    // they reached every order first) join once a payment has confirmed its order, and the order
    // UNPAID gets neither a payment nor a cancel, so a sweep ends it. Every other order races.
    const later = Date.now() + 3_600_000;
    const cancel = (i: number) => buyers[i]!.post(`/api/orders/${orders[i]!.id}/cancel`);
    const first = await cancel(0);
    expect(first.status).toBe(200);
    let confirming!: () => void;
    const aConfirmation = new Promise<void>((resolve) => {
      confirming = resolve;
    });
    const webhooksSent = Promise.all(
      orders.map(async (order, i) => {
        if (i === UNPAID) return undefined;
        const answer = await sendWebhook(
          sut.admin,
          paymentEvent('payment.succeeded', {
            paymentId: payments[i]!.paymentId,
            orderId: order.id,
            amountCents: QUANTITY * PRICE,
            currency: 'EUR',
          }),
        );
        if (answer.body?.outcome === 'confirmed') confirming();
        return answer;
      }),
    );
    webhooksSent.then(confirming, confirming);
    const [webhooks, cancels, sweeps] = await Promise.all([
      webhooksSent,
      Promise.all(orders.map((_, i) => (i === 0 ? first : i % 2 === 0 ? cancel(i) : undefined))),
      aConfirmation.then(() => Promise.all([sut.system.container.sweeper.sweep(later), sut.system.container.sweeper.sweep(later)])),
    ]);
    expect(webhooks.every((answer, i) => (i === UNPAID ? answer === undefined : answer!.status === 200))).toBe(true);
    expect(cancels.filter((answer) => answer !== undefined).every((answer) => answer!.status === 200 || answer!.status === 409)).toBe(true);

    // Read through the admin list, two pages rather than 200 requests at once.
    const stored = new Map<string, { status: string; history: { status: string; actor: string }[] }>();
    for (const page of [1, 2]) {
      const answer = await sut.admin.get(`/api/admin/orders?limit=100&page=${page}`);
      expect(answer.status).toBe(200);
      for (const order of answer.body.items) stored.set(order.id, order);
    }
    const finals = orders.map((order) => stored.get(order.id)!);
    const byStatus = new Map<string, number>();
    const outcomes: string[] = [];
    finals.forEach((final, i) => {
      // The race's outcome is the order's first change; fulfilment then follows a confirmation by itself.
      const [outcome, ...after] = final.history.filter((entry) => entry.status !== 'PENDING');
      expect(['CONFIRMED', 'CANCELLED', 'EXPIRED']).toContain(outcome!.status);
      expect(after.map((entry) => [entry.status, entry.actor])).toEqual(
        outcome!.status === 'CONFIRMED' && after.length > 0 ? [['FULFILLED', 'system']] : [],
      );
      expect(outcome!.actor).toBe({ CONFIRMED: 'payment', CANCELLED: 'customer', EXPIRED: 'expiry' }[outcome!.status]);
      // The webhook's answer agrees with the outcome: it won, or it came too late and the money is owed back.
      if (i === UNPAID) expect(outcome!.status).toBe('EXPIRED');
      else expect(webhooks[i]!.body.outcome).toBe(outcome!.status === 'CONFIRMED' ? 'confirmed' : 'refund-due');
      byStatus.set(outcome!.status, (byStatus.get(outcome!.status) ?? 0) + 1);
      outcomes.push(outcome!.status);
    });
    const confirmed = byStatus.get('CONFIRMED') ?? 0;
    const cancelledCount = byStatus.get('CANCELLED') ?? 0;
    expect(cancels.filter((answer) => answer?.status === 200)).toHaveLength(cancelledCount);
    expect(sweeps[0]!.expired + sweeps[1]!.expired).toBe(byStatus.get('EXPIRED') ?? 0);
    // The confirmation made sure of above took part (the cancel and the expiry made sure of are checked order by order).
    expect(confirmed).toBeGreaterThan(0);

    const sold = confirmed * QUANTITY;
    expect(await inventoryOf(sut.admin, sku)).toMatchObject({
      onHand: STOCK - sold,
      reserved: 0,
      sold,
      available: STOCK - sold,
      gateAvailable: STOCK - sold,
      drift: 0,
    });

    // Each buyer: the order received, exactly one mail of its outcome, and a refund notice if a payment came and lost.
    const refunds = ORDERS - 1 - confirmed;
    const expected = ORDERS * 2 + refunds;
    await eventually(async () => ((await mailbox(sut.admin)).length >= expected ? true : undefined), `${expected} mails`);
    // Anything still on its way would show up now. The mailbox is read page by page, newest first, so
    // it is read for the counts below only once nothing arrives any more: a mail arriving between two
    // pages would show one message twice and hide another.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const mail = await mailbox(sut.admin);
    expect(mail).toHaveLength(expected);
    outcomes.forEach((outcome, i) => {
      const theirs = mail.filter((message) => message.to.includes(emails[i]!));
      const count = (subject: RegExp) => theirs.filter((message) => subject.test(message.subject)).length;
      expect(count(/^Order .* received$/)).toBe(1);
      for (const [status, subject] of Object.entries(OUTCOME_SUBJECTS)) expect(count(subject)).toBe(outcome === status ? 1 : 0);
      expect(count(/^Refund on its way/)).toBe(outcome === 'CONFIRMED' || i === UNPAID ? 0 : 1);
    });
  });
});
