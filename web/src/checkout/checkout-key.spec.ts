import { describe, expect, it } from 'vitest';
import { CheckoutKey, keepKeyAfter } from './checkout-key';

function memoryStorage() {
  const values = new Map<string, string>();
  return {
    getItem: (key: string) => values.get(key) ?? null,
    setItem: (key: string, value: string) => void values.set(key, value),
    removeItem: (key: string) => void values.delete(key),
  };
}

describe('the checkout Idempotency-Key', () => {
  it('is the same for every retry of one checkout, even from a reloaded page, and new after it finishes', () => {
    const storage = memoryStorage();
    let made = 0;
    const first = new CheckoutKey(storage, () => `k${++made}`);
    const key = first.current('{"a":1}');
    // A retry whose outcome is unknown keeps the key, even with the form changed meanwhile.
    expect(first.current('{"a":2}')).toBe(key);
    expect(new CheckoutKey(storage, () => 'other').current('{"a":1}')).toBe(key);
    first.finish();
    expect(first.current('{"a":1}')).not.toBe(key);
    expect(made).toBe(2);
  });

  it('names the order it placed again for the same request while the order holds its stock, and nothing else', () => {
    const storage = memoryStorage();
    let nowMs = 1_000;
    let made = 0;
    const keys = new CheckoutKey(
      storage,
      () => `k${++made}`,
      () => nowMs,
    );
    const request = '{"items":[{"sku":"KETTLE","quantity":1}]}';
    const key = keys.current(request);
    keys.placed('order-1', request, 5_000);

    // Back from the payment page, the same form sent again: the same key, so the same order.
    expect(keys.placedOrder(request)).toBe('order-1');
    expect(
      new CheckoutKey(
        storage,
        () => 'other',
        () => nowMs,
      ).current(request),
    ).toBe(key);

    // Another request is another checkout.
    expect(keys.placedOrder('{"items":[{"sku":"KETTLE","quantity":2}]}')).toBeUndefined();
    const other = keys.current('{"items":[{"sku":"KETTLE","quantity":2}]}');
    expect(other).not.toBe(key);
    keys.placed('order-2', '{"items":[{"sku":"KETTLE","quantity":2}]}', 5_000);

    // Once the hold is over, the same request is a new purchase.
    nowMs = 5_000;
    expect(keys.placedOrder('{"items":[{"sku":"KETTLE","quantity":2}]}')).toBeUndefined();
    expect(keys.current('{"items":[{"sku":"KETTLE","quantity":2}]}')).not.toBe(other);
  });

  it('reads a key stored bare by an earlier build as a checkout with no order yet', () => {
    const storage = memoryStorage();
    storage.setItem('flashcart.checkoutKey', 'checkout-old');
    expect(new CheckoutKey(storage, () => 'new').current('{}')).toBe('checkout-old');
  });

  it('is kept after an unknown outcome (network, 429, 5xx) and dropped after an answer', () => {
    expect([0, 429, 500, 502, 503].map(keepKeyAfter)).toEqual([true, true, true, true, true]);
    expect([400, 401, 409, 422].map(keepKeyAfter)).toEqual([false, false, false, false]);
  });
});
