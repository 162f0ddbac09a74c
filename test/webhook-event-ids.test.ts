import { describe, expect, it } from 'vitest';
import { createProduct, inventoryOf } from './support/fixtures.js';
import { guests } from './support/http.js';
import { paymentEvent } from './support/payments.js';
import { useSystem } from './support/system.js';

const PRICE = 900;

describe('payment webhooks that share an event id', () => {
  const sut = useSystem({ api: true, worker: true, pspSim: true }, { EXPIRY_SWEEP_INTERVAL_MS: '3600000' });

  it('applies the first of two events with one id that arrive together, and records that one, as it does when they arrive apart', async () => {
    const { container } = sut.system;
    const sku = await createProduct(sut.admin, { onHand: 5, priceCents: PRICE });
    const [buyer] = await guests(sut.system.url!, 1);
    const placed = await buyer!.order([{ sku, quantity: 1 }], 'shared-event-id');
    expect(placed.status).toBe(202);
    const payment = await buyer!.post(`/api/orders/${placed.body.id}/payment`);
    expect(payment.status).toBe(201);

    const success = paymentEvent('payment.succeeded', {
      paymentId: payment.body.paymentId,
      orderId: placed.body.id,
      amountCents: PRICE,
      currency: 'EUR',
    });
    // The same id again with another body: the id was seen, so it is a duplicate, whatever it says.
    const reused = { ...success, type: 'payment.failed', data: { ...success.data, paymentId: 'pay_someone_else' } };
    // One turn of the event loop, so one batch.
    const outcomes = await Promise.all([container.paymentWebhooks.receive(success), container.paymentWebhooks.receive(reused)]);

    expect(outcomes).toEqual(['confirmed', 'duplicate']);
    expect((await buyer!.get(`/api/orders/${placed.body.id}`)).body.status).toBe('CONFIRMED');
    expect(await container.paymentsRepository.find(placed.body.id)).toMatchObject({ status: 'succeeded' });
    const recorded = await container.db
      .selectFrom('paymentEvents')
      .select(['type', 'providerPaymentId', 'outcome'])
      .where('eventId', '=', success.id)
      .execute();
    expect(recorded).toEqual([{ type: 'payment.succeeded', providerPaymentId: payment.body.paymentId, outcome: 'confirmed' }]);
    expect(await inventoryOf(sut.admin, sku)).toMatchObject({ reserved: 0, sold: 1, drift: 0 });
    const metrics = await container.metrics.registry.metrics();
    expect(metrics).toMatch(/^flashcart_payment_webhook_batch_events_count 1$/m);
    expect(metrics).toMatch(/^flashcart_payment_webhook_batch_events_sum 2$/m);
  });
});
