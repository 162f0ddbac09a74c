import { describe, expect, it } from 'vitest';
import { parseCart } from '../../redis/cart-store.js';
import { deletedNotice, emptyStoredCart, priceCart } from './cart-pricing.js';

const keyboard = { sku: 'KEYBOARD', title: 'Keyboard', priceCents: 4_900, currency: 'EUR' };
const mouse = { sku: 'MOUSE', title: 'Mouse', priceCents: 1_550, currency: 'EUR' };

describe('priceCart', () => {
  it('prices every line from the catalog: line totals and the total in integer minor units, each line’s stock and sold-out flag', () => {
    const stored = {
      userId: 'u',
      version: 4,
      updatedAtMs: Date.parse('2026-12-01T10:00:00Z'),
      touchedAtMs: 0,
      currency: 'EUR',
      lines: [],
      notices: [],
    };
    const cart = priceCart(stored, [
      { sku: 'KEYBOARD', quantity: 3, product: keyboard, available: 10 },
      { sku: 'MOUSE', quantity: 2, product: mouse, available: 0 },
    ]);
    expect(cart).toEqual({
      items: [
        { sku: 'KEYBOARD', title: 'Keyboard', unitPriceCents: 4_900, quantity: 3, lineTotalCents: 14_700, available: 10, soldOut: false },
        { sku: 'MOUSE', title: 'Mouse', unitPriceCents: 1_550, quantity: 2, lineTotalCents: 3_100, available: 0, soldOut: true },
      ],
      totalCents: 17_800,
      currency: 'EUR',
      version: 4,
      updatedAt: '2026-12-01T10:00:00.000Z',
      notices: [],
    });
  });

  it('shows an empty cart in the default currency at its version', () => {
    expect(priceCart(emptyStoredCart('u', 0), [])).toMatchObject({ items: [], totalCents: 0, currency: 'EUR', version: 0 });
  });
});

describe('parseCart', () => {
  it('reads a cart hash as Redis returns it: lines and notices sorted by SKU, nothing for a missing hash', () => {
    const notice = deletedNotice('LAMP', 'Lamp');
    const flat = ['version', '7', 'q:MOUSE', '2', 'updatedAt', '1000', 'currency', 'EUR', 'q:KEYBOARD', '1', 'n:LAMP', JSON.stringify(notice)];
    expect(parseCart('u', flat)).toEqual({
      userId: 'u',
      version: 7,
      updatedAtMs: 1_000,
      touchedAtMs: 1_000,
      currency: 'EUR',
      lines: [
        { sku: 'KEYBOARD', quantity: 1 },
        { sku: 'MOUSE', quantity: 2 },
      ],
      notices: [{ sku: 'LAMP', reason: 'deleted', title: 'Lamp', message: 'Lamp is no longer sold and was removed from your cart' }],
    });
    expect(parseCart('u', [])).toBeNull();
  });
});
