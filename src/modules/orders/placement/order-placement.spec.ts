import { beforeEach, describe, expect, it } from 'vitest';
import { FakeStockStore } from '../../../../test/fakes/fake-stock-store.js';
import { AppError } from '../../../lib/errors.js';
import { Metrics } from '../../../lib/metrics.js';
import type { AuthUser } from '../../auth/auth.types.js';
import type { ProductPricing } from '../../catalog/catalog.repository.js';
import type { StockLine } from '../../inventory/inventory.schemas.js';
import { parseSnapshot } from '../order-snapshot.js';
import { type CartCheckout, OrderPlacement } from './order-placement.js';

const NOW = Date.parse('2026-12-01T10:00:00.000Z');
const buyer: AuthUser = { id: '11111111-1111-4111-8111-111111111111', role: 'guest' };
const catalog: Record<string, ProductPricing> = {
  KEYBOARD: { sku: 'KEYBOARD', title: 'Keyboard', priceCents: 4_900, currency: 'EUR' },
  MOUSE: { sku: 'MOUSE', title: 'Mouse', priceCents: 1_500, currency: 'EUR' },
  BOOK: { sku: 'BOOK', title: 'Book', priceCents: 2_000, currency: 'USD' },
};
/** What the ledger would load into a gate that is missing. */
const ledger: Record<string, number> = { KEYBOARD: 3, MOUSE: 10, BOOK: 5 };

/** A cart in memory with the semantics of the carts module: versioned, an order's lines taken once. */
class FakeCart implements CartCheckout {
  version = 0;
  readonly lines = new Map<string, number>();
  readonly taken = new Set<string>();

  put(sku: string, quantity: number): void {
    this.lines.set(sku, quantity);
    this.version += 1;
  }

  async releaseCheckout() {}

  async contents(_userId: string, _keyHash: string) {
    const lines = [...this.lines].sort(([a], [b]) => a.localeCompare(b)).map(([sku, quantity]) => ({ sku, quantity }));
    return { version: this.version, lines };
  }

  async takeOrdered(_userId: string, orderId: string, lines: StockLine[]) {
    if (this.taken.has(orderId)) return false;
    this.taken.add(orderId);
    for (const { sku, quantity } of lines) {
      const left = (this.lines.get(sku) ?? 0) - quantity;
      if (left > 0) this.lines.set(sku, left);
      else this.lines.delete(sku);
    }
    this.version += 1;
    return true;
  }
}

describe('OrderPlacement.place', () => {
  let stock: FakeStockStore;
  let gateLoads: string[];
  let metrics: Metrics;
  let placement: OrderPlacement;
  let cart: FakeCart;

  beforeEach(() => {
    stock = new FakeStockStore();
    cart = new FakeCart();
    gateLoads = [];
    metrics = new Metrics();
    placement = new OrderPlacement({
      stock,
      carts: cart,
      products: { get: async (skus) => skus.map((sku) => catalog[sku] ?? null), peek: () => undefined },
      inventory: {
        ensureGate: async (sku) => {
          gateLoads.push(sku);
          return stock.loadGate(sku, ledger[sku] ?? 0);
        },
      },
      metrics,
      options: { reservationTtlSeconds: 900, idempotencyTtlSeconds: 86_400 },
      now: () => NOW,
    });
  });

  const reservationCount = async () => (await metrics.registry.getSingleMetric('flashcart_reservations_total')!.get()).values;

  it('accepts an order priced from the catalog, holds its stock until the reservation expires, and hands it to persistence', async () => {
    const result = await placement.place(buyer, 'first', { items: [{ sku: 'KEYBOARD', quantity: 2 }] });
    expect(result).toMatchObject({
      kind: 'accepted',
      order: {
        status: 'PENDING',
        items: [{ sku: 'KEYBOARD', title: 'Keyboard', quantity: 2, unitPriceCents: 4_900 }],
        totalCents: 9_800,
        currency: 'EUR',
        createdAt: '2026-12-01T10:00:00.000Z',
        expiresAt: '2026-12-01T10:15:00.000Z',
      },
    });
    expect(stock.gateValues.get('KEYBOARD')).toBe(1);
    expect(stock.handedOff.map((snapshot) => parseSnapshot(snapshot)!.id)).toEqual([result.kind === 'accepted' && result.order.id]);
    expect(await reservationCount()).toContainEqual(expect.objectContaining({ labels: { outcome: 'accepted' }, value: 1 }));
  });

  it('merges repeated SKUs into one line and holds every line or none', async () => {
    const merged = await placement.place(buyer, 'merged', {
      items: [
        { sku: 'MOUSE', quantity: 1 },
        { sku: 'KEYBOARD', quantity: 1 },
        { sku: 'MOUSE', quantity: 2 },
      ],
    });
    expect(merged.kind === 'accepted' && merged.order.items.map(({ sku, quantity }) => ({ sku, quantity }))).toEqual([
      { sku: 'KEYBOARD', quantity: 1 },
      { sku: 'MOUSE', quantity: 3 },
    ]);

    const tooMany = await placement.place(buyer, 'too-many', {
      items: [
        { sku: 'MOUSE', quantity: 1 },
        { sku: 'KEYBOARD', quantity: 3 },
      ],
    });
    expect(tooMany).toEqual({ kind: 'insufficient', sku: 'KEYBOARD', requested: 3, available: 2 });
    expect(stock.gateValues.get('MOUSE')).toBe(7);
  });

  it('refuses a request for more than the gate admits, holding nothing, and counts the refusal', async () => {
    await placement.place(buyer, 'warm', { items: [{ sku: 'KEYBOARD', quantity: 1 }] });
    const refused = await placement.place(buyer, 'greedy', { items: [{ sku: 'KEYBOARD', quantity: 3 }] });
    expect(refused).toEqual({ kind: 'insufficient', sku: 'KEYBOARD', requested: 3, available: 2 });
    expect(stock.gateValues.get('KEYBOARD')).toBe(2);
    expect(stock.reservations.size).toBe(1);
    expect(await reservationCount()).toContainEqual(expect.objectContaining({ labels: { outcome: 'refused' }, value: 1 }));
  });

  it('answers a retry with the same key and body with the same order, holding nothing twice', async () => {
    const input = { items: [{ sku: 'KEYBOARD', quantity: 1 }] };
    const first = await placement.place(buyer, 'retry', input);
    const again = await placement.place(buyer, 'retry', { items: [{ quantity: 1, sku: 'KEYBOARD' }] });
    expect(again).toEqual(first);
    expect(stock.gateValues.get('KEYBOARD')).toBe(2);
    expect(stock.handedOff).toHaveLength(1);
  });

  it('refuses the same key with another body as IDEMPOTENCY_KEY_REUSED, and treats another caller’s key as a different key', async () => {
    await placement.place(buyer, 'shared-key', { items: [{ sku: 'KEYBOARD', quantity: 1 }] });
    await expect(placement.place(buyer, 'shared-key', { items: [{ sku: 'KEYBOARD', quantity: 2 }] })).rejects.toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
    });
    const other = await placement.place({ ...buyer, id: '22222222-2222-4222-8222-222222222222' }, 'shared-key', {
      items: [{ sku: 'KEYBOARD', quantity: 2 }],
    });
    expect(other.kind).toBe('accepted');
    expect(stock.gateValues.get('KEYBOARD')).toBe(0);
  });

  it('refuses unknown products and mixed currencies as bad input, holding nothing', async () => {
    for (const items of [
      [{ sku: 'NOPE', quantity: 1 }],
      [
        { sku: 'BOOK', quantity: 1 },
        { sku: 'MOUSE', quantity: 1 },
      ],
    ]) {
      const refusal = await placement.place(buyer, `bad-${items.length}`, { items }).catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(AppError);
      expect(refusal).toMatchObject({ code: 'VALIDATION_FAILED' });
    }
    expect(stock.reservations.size).toBe(0);
  });

  it('loads a missing gate from the ledger once and then reserves', async () => {
    const result = await placement.place(buyer, 'cold', { items: [{ sku: 'BOOK', quantity: 5 }] });
    expect(result.kind).toBe('accepted');
    expect(gateLoads).toEqual(['BOOK']);
    expect(stock.gateValues.get('BOOK')).toBe(0);
  });

  describe('fromCart', () => {
    it('reserves exactly the cart’s lines and empties the cart once the order is accepted', async () => {
      cart.put('MOUSE', 2);
      cart.put('KEYBOARD', 1);
      const result = await placement.place(buyer, 'cart-1', { fromCart: true });
      expect(result.kind === 'accepted' && result.order.items.map(({ sku, quantity }) => ({ sku, quantity }))).toEqual([
        { sku: 'KEYBOARD', quantity: 1 },
        { sku: 'MOUSE', quantity: 2 },
      ]);
      expect(cart.lines.size).toBe(0);
      expect(stock.gateValues.get('MOUSE')).toBe(8);
    });

    it('answers a replay with the same order after the cart changed, taking nothing more out of it', async () => {
      cart.put('MOUSE', 1);
      const first = await placement.place(buyer, 'cart-replay', { fromCart: true });
      cart.put('KEYBOARD', 2);
      const again = await placement.place(buyer, 'cart-replay', { fromCart: true });
      expect(again).toEqual(first);
      expect([...cart.lines]).toEqual([['KEYBOARD', 2]]);
      expect(stock.handedOff).toHaveLength(1);
      // The cart it emptied, and still the same order.
      cart.lines.clear();
      expect(await placement.place(buyer, 'cart-replay', { fromCart: true })).toEqual(first);
    });

    it('answers a replay with the same order even when the cart now holds a product the catalog no longer sells', async () => {
      cart.put('MOUSE', 1);
      const first = await placement.place(buyer, 'cart-gone', { fromCart: true });
      cart.put('NO-SUCH-SKU', 1);
      expect(await placement.place(buyer, 'cart-gone', { fromCart: true })).toEqual(first);
      // A new order from that cart is bad input, as with any unknown product.
      await expect(placement.place(buyer, 'cart-gone-2', { fromCart: true })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    });

    it('keeps the cart when the order is refused, and refuses an empty cart as bad input', async () => {
      cart.put('KEYBOARD', 3);
      await placement.place(buyer, 'warm-keyboard', { items: [{ sku: 'KEYBOARD', quantity: 1 }] });
      expect(await placement.place(buyer, 'cart-short', { fromCart: true })).toEqual({
        kind: 'insufficient',
        sku: 'KEYBOARD',
        requested: 3,
        available: 2,
      });
      expect([...cart.lines]).toEqual([['KEYBOARD', 3]]);
      cart.lines.clear();
      await expect(placement.place(buyer, 'cart-empty', { fromCart: true })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    });
  });
});
