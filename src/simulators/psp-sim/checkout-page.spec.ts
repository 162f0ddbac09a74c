import { describe, expect, it } from 'vitest';
import { checkoutPage } from './checkout-page.js';
import type { WebhookDeliveryView } from './psp-sim.schemas.js';
import type { SimulatedPayment } from './simulated-payments.js';

const paid = (state: WebhookDeliveryView['state'] | undefined): SimulatedPayment => ({
  id: 'pay_1',
  orderId: 'order-1',
  amountCents: 1_000,
  currency: 'EUR',
  description: null,
  returnUrl: null,
  createdAt: new Date(),
  status: 'succeeded',
  completedAt: new Date(),
  webhook: state
    ? {
        view: () => ({
          eventId: 'evt_1',
          type: 'payment.succeeded',
          attempts: 1,
          lastStatus: state === 'retrying' ? 503 : null,
          lastError: null,
          state,
          firstAttemptAt: new Date().toISOString(),
          deliveredAt: null,
          nextAttemptAt: null,
        }),
      }
    : null,
});

describe('the checkout page after the buyer decided', () => {
  it('reloads itself while the webhook is being sent or retried, saying so, and stops once the shop has heard', () => {
    for (const state of ['sending', 'retrying'] as const) {
      const page = checkoutPage(paid(state));
      expect(page).toContain('<meta http-equiv="refresh" content="2">');
      expect(page).toContain('This page updates itself until the shop has heard.');
    }
    for (const state of ['delivered', 'gave-up', undefined] as const) {
      const page = checkoutPage(paid(state));
      expect(page).not.toContain('http-equiv="refresh"');
      expect(page).not.toContain('updates itself');
    }
  });
});
