import { describe, expect, it } from 'vitest';
import { parseCart } from '../../redis/cart-store.js';
import { deletedNotice, emptyStoredCart, priceCart, renderCart } from './cart-pricing.js';

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

describe('renderCart', () => {
  const lamp = { sku: 'LAMP', title: 'Lamp "Aurora" \\ 2€', priceCents: 12_345, currency: 'EUR' };
  const catalog = new Map([keyboard, mouse, lamp].map((product) => [product.sku, product]));
  const productOf = (sku: string) => catalog.get(sku);
  // A cart as its change script returns it (the hash's fields in Redis's order), parsed.
  const stored = parseCart('u', [
    'q:MOUSE',
    '2',
    'version',
    '9',
    'currency',
    'EUR',
    'q:LAMP',
    '1',
    'updatedAt',
    '1764583200000',
    'touchedAt',
    '1764583200000',
    'q:KEYBOARD',
    '3',
  ])!;
  const gates = new Map([
    ['KEYBOARD', 10],
    ['MOUSE', 0],
    ['LAMP', 1_000_000],
  ]);

  it('writes exactly the JSON of the priced cart, lines in SKU order, titles escaped', () => {
    const priced = priceCart(
      stored,
      stored.lines.map((line) => ({ ...line, product: catalog.get(line.sku)!, available: gates.get(line.sku)! })),
    );
    const rendered = renderCart(stored, productOf, gates);
    expect(rendered).toBe(JSON.stringify(priced));
    expect(JSON.parse(rendered!).items.map((item: { sku: string }) => item.sku)).toEqual(['KEYBOARD', 'LAMP', 'MOUSE']);
  });

  it('writes an empty cart in the default currency', () => {
    const empty = parseCart('u', ['version', '3', 'updatedAt', '0', 'touchedAt', '0'])!;
    expect(renderCart(empty, productOf, gates)).toBe(JSON.stringify(priceCart(empty, [])));
  });

  it('leaves to the usual path a cart with a notice, an unknown or unsold product, another currency or an unread gate', () => {
    expect(renderCart({ ...stored, notices: [deletedNotice('LAMP', 'Lamp')] }, productOf, gates)).toBeNull();
    expect(renderCart(stored, (sku) => (sku === 'LAMP' ? undefined : catalog.get(sku)), gates)).toBeNull();
    expect(renderCart(stored, (sku) => (sku === 'LAMP' ? null : catalog.get(sku)), gates)).toBeNull();
    expect(renderCart(stored, (sku) => (sku === 'LAMP' ? { ...lamp, currency: 'USD' } : catalog.get(sku)), gates)).toBeNull();
    expect(renderCart(stored, productOf, new Map([...gates].filter(([sku]) => sku !== 'MOUSE')))).toBeNull();
  });
});
