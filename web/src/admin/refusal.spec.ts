import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/client';
import { readPrice, transitionRefusal } from './refusal';

const invalidState = (details: Record<string, unknown>) =>
  new ApiError(409, 'INVALID_STATE', 'order 0b5e… is CANCELLED; it cannot become CANCELLED', details);

describe("an admin's refused status change, in words", () => {
  it('says the order already has the status asked for', () => {
    expect(transitionRefusal(invalidState({ status: 'CANCELLED' }), '0b5e1f2a', 'CANCELLED')).toBe(
      'Order 0b5e1f2a is already CANCELLED: nothing to do.',
    );
  });

  it('says where the order moved meanwhile, and what it can no longer be', () => {
    expect(transitionRefusal(invalidState({ status: 'EXPIRED' }), '0b5e1f2a', 'CANCELLED')).toBe(
      'Order 0b5e1f2a is EXPIRED now, so it can no longer be cancelled.',
    );
    expect(transitionRefusal(invalidState({ status: 'FAILED' }), '0b5e1f2a', 'FULFILLED')).toBe(
      'Order 0b5e1f2a is FAILED now, so it can no longer be fulfilled.',
    );
  });

  it("keeps the server's words for a payment under way and for other refusals", () => {
    const underWay = new ApiError(409, 'INVALID_STATE', 'order 0b5e… is being paid (pay_1): cancel it instead', {
      status: 'PENDING',
      paymentId: 'pay_1',
    });
    expect(transitionRefusal(underWay, '0b5e1f2a', 'CONFIRMED')).toBe(underWay.message);
    const missing = new ApiError(404, 'NOT_FOUND', 'no order 0b5e…');
    expect(transitionRefusal(missing, '0b5e1f2a', 'CANCELLED')).toBe('no order 0b5e…');
    expect(transitionRefusal(new TypeError('fetch failed'), '0b5e1f2a', 'CANCELLED')).toBe('The change failed.');
  });
});

describe('a price the admin typed', () => {
  it('is read in the currency’s own units, up to the most a price may be', () => {
    expect(readPrice('12.50', 'EUR')).toBe(1_250);
    expect(readPrice('1000000', 'EUR')).toBe(100_000_000);
    expect(readPrice('1250', 'JPY')).toBe(1_250);
  });

  it('says what is too much in the currency, not the API’s limit in cents', () => {
    expect(readPrice('99999999999', 'EUR')).toBe('Price: at most €1,000,000.00.');
    expect(readPrice('100000001', 'JPY')).toBe('Price: at most ¥100,000,000.');
    expect(readPrice('1e3', 'EUR')).toMatch(/^Price: give an amount in EUR in digits/);
  });
});
