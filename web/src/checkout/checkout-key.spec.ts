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
    const key = first.current();
    expect(first.current()).toBe(key);
    expect(new CheckoutKey(storage, () => 'other').current()).toBe(key);
    first.finish();
    expect(first.current()).not.toBe(key);
    expect(made).toBe(2);
  });

  it('is kept after an unknown outcome (network, 429, 5xx) and dropped after an answer', () => {
    expect([0, 429, 500, 502, 503].map(keepKeyAfter)).toEqual([true, true, true, true, true]);
    expect([400, 401, 409, 422].map(keepKeyAfter)).toEqual([false, false, false, false]);
  });
});
