import { describe, expect, it } from 'vitest';
import { statusText } from './order-status-text';

const paid = (refund?: 'due' | 'refunded') => ({ status: 'succeeded' as const, amountCents: 4_400, currency: 'EUR', ...(refund ? { refund } : {}) });

describe("an order's status, in a shopper's words", () => {
  it('says nothing was charged for an order that ended without a payment', () => {
    expect(statusText({ status: 'CANCELLED' }).text).toBe('This order was cancelled; its items went back on sale. Nothing was charged.');
    expect(statusText({ status: 'EXPIRED', payment: { status: 'failed', amountCents: 4_400, currency: 'EUR' } }).text).toMatch(
      /Nothing was charged\.$/,
    );
  });

  it('says an order the payment provider cancelled ended because the payment did not go through', () => {
    const declined = { status: 'failed' as const, amountCents: 4_400, currency: 'EUR' };
    const history = [
      { status: 'PENDING' as const, actor: 'customer' as const },
      { status: 'CANCELLED' as const, actor: 'payment' as const },
    ];
    expect(statusText({ status: 'CANCELLED', payment: declined, history }).text).toBe(
      'Your payment did not go through, so this order was cancelled and its items went back on sale. Nothing was charged.',
    );
    // Cancelled by the buyer, whatever became of a payment started before.
    const cancelled = [history[0]!, { status: 'CANCELLED' as const, actor: 'customer' as const }];
    expect(statusText({ status: 'CANCELLED', payment: declined, history: cancelled }).text).toMatch(/^This order was cancelled;/);
  });

  it('says a payment that arrived after the order ended is refunded, and how much', () => {
    expect(statusText({ status: 'CANCELLED', payment: paid('due') }).text).toBe(
      'This order was cancelled; its items went back on sale. Your payment of €44.00 is being refunded.',
    );
    expect(statusText({ status: 'EXPIRED', payment: paid('refunded') }).text).toMatch(/Your payment of €44\.00 has been refunded\.$/);
    expect(statusText({ status: 'FAILED', payment: paid('due') }).text).toBe(
      'We could not fulfil this order. Your payment of €44.00 is being refunded.',
    );
  });

  it('does not promise a charge-free end while a payment is still under way', () => {
    expect(statusText({ status: 'CANCELLED', payment: { status: 'pending', amountCents: 4_400, currency: 'EUR' } }).text).toMatch(
      /should a payment you started still go through, it will be refunded\.$/,
    );
  });

  it('says a payment was received only when one was', () => {
    expect(statusText({ status: 'CONFIRMED', payment: paid() }).text).toBe('Payment received: your order is confirmed.');
    expect(statusText({ status: 'CONFIRMED' }).text).toBe('Your order is confirmed.');
    expect(statusText({ status: 'PENDING', totalCents: 4_400 }).text).toMatch(/^Waiting for your payment\./);
    expect(statusText({ status: 'PENDING', totalCents: 0 }).text).toMatch(/^There is nothing to pay: the shop confirms your order\./);
    expect(statusText({ status: 'FAILED' }).text).toBe('We could not fulfil this order. Nothing was charged.');
  });
});
