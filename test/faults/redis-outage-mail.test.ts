import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSystem } from '../../src/system.js';
import { createProduct, inventoryOf } from '../support/fixtures.js';
import { type Api, adminApi, eventually, guests } from '../support/http.js';
import { holdOutboxRelay } from '../support/outbox.js';
import { mailsTo, paymentEvent, sendWebhook } from '../support/payments.js';
import { createTestStores, startInProcess, type TestStores } from '../support/system.js';
import { startThrowawayRedis, type ThrowawayRedis } from '../support/throwaway-redis.js';

const OUTAGE_MS = 4_000;
const PRICE = 900;

/**
 * The confirmation's mail waits in the outbox (Postgres) while Redis, which carries every queue, is
 * gone: once Redis is back the relay hands it on and it is sent, once.
 */
describe('a confirmation mail through a Redis outage', () => {
  let redis: ThrowawayRedis;
  let stores: TestStores;
  let system: RunningSystem;
  let admin: Api;

  beforeAll(async () => {
    redis = await startThrowawayRedis();
    stores = await createTestStores({ redisUrl: redis.url });
    system = await startInProcess(stores, { api: true, worker: true, pspSim: true, mailSink: true }, { EXPIRY_SWEEP_INTERVAL_MS: '3600000' });
    admin = await adminApi(system.url!);
  });

  afterAll(async () => {
    await system?.close();
    await stores?.cleanup();
    await redis?.destroy();
  });

  it('sends the confirmation exactly once after Redis was killed right after the webhook and started again', async () => {
    const sku = await createProduct(admin, { onHand: 10, priceCents: PRICE });
    const [buyer] = await guests(system.url!, 1);
    const placed = await buyer!.order([{ sku, quantity: 1 }], 'outage', { customerEmail: 'outage@example.test' });
    const payment = await buyer!.post(`/api/orders/${placed.body.id}/payment`);
    expect(payment.status).toBe(201);
    await mailsTo(admin, 'outage@example.test', /received$/);

    // The test holds the relay's lock from the confirmation until Redis is down, so the confirmation's
    // event is certainly still in the outbox when Redis dies.
    const { container } = system;
    const releaseRelay = await holdOutboxRelay(container);

    const confirmed = await sendWebhook(
      admin,
      paymentEvent('payment.succeeded', { paymentId: payment.body.paymentId, orderId: placed.body.id, amountCents: PRICE, currency: 'EUR' }),
    );
    expect(confirmed.body.outcome).toBe('confirmed');
    await redis.kill();
    releaseRelay();
    const waiting = await container.db
      .selectFrom('outbox')
      .select(['eventType', 'publishedAt'])
      .where('orderId', '=', placed.body.id)
      .where('eventType', '=', 'order.status-changed')
      .execute();
    expect(waiting).toEqual([{ eventType: 'order.status-changed', publishedAt: null }]);
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
    await redis.start();

    const [invoice] = await mailsTo(admin, 'outage@example.test', /^Payment confirmed: invoice for order /);
    expect(invoice!.text).toContain(payment.body.paymentId);
    // Give a second send every chance to show.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(await mailsTo(admin, 'outage@example.test', /^Payment confirmed/)).toHaveLength(1);
    const deliveries = await system.container.db.selectFrom('emailDeliveries').selectAll().where('recipient', '=', 'outage@example.test').execute();
    expect(deliveries.map((delivery) => [delivery.template, delivery.status]).sort()).toEqual([
      ['order-received', 'sent'],
      ['payment-confirmed', 'sent'],
    ]);
    expect(
      await eventually(async () => {
        const view = await inventoryOf(admin, sku);
        return view.drift === 0 ? view : undefined;
      }, 'the gate and the ledger to agree'),
    ).toMatchObject({ onHand: 9, reserved: 0, sold: 1, gateAvailable: 9 });
  });
});
