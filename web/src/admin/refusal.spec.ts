import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/client';
import { readPrice, refusedField, transitionRefusal } from './refusal';

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

describe('the field a refusal is about', () => {
  const VENDOR = { '/name': { name: 'name', label: 'Name' }, '/baseUrl': { name: 'baseUrl', label: 'Base URL' } };

  it('is the first field the schema refused that the form has', () => {
    const invalid = new ApiError(400, 'VALIDATION_FAILED', 'invalid body', {
      issues: [
        { in: 'body', path: '/unknown', message: 'no such field' },
        { in: 'body', path: '/baseUrl', message: 'an http:// or https:// URL' },
      ],
    });
    expect(refusedField(invalid, VENDOR)).toBe('baseUrl');
    expect(refusedField(invalid)).toBeUndefined();
  });

  it('is the field a conflict or an unknown value names in its details', () => {
    expect(refusedField(new ApiError(409, 'CONFLICT', 'a vendor named acme already exists', { name: 'acme' }), VENDOR)).toBe('name');
    expect(refusedField(new ApiError(409, 'CONFLICT', 'product A-1 already exists', { sku: 'A-1' }))).toBe('sku');
    expect(refusedField(new ApiError(400, 'VALIDATION_FAILED', 'unknown category toys', { category: 'toys' }))).toBe('category');
  });

  it('is none for a refusal of another kind, or a failure', () => {
    expect(refusedField(new ApiError(404, 'NOT_FOUND', 'no vendor with this id', { name: 'acme' }), VENDOR)).toBeUndefined();
    expect(refusedField(new TypeError('fetch failed'), VENDOR)).toBeUndefined();
  });
});
