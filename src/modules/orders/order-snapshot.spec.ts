import { describe, expect, it } from 'vitest';
import { orderFromSnapshot, parseSnapshot } from './order-snapshot.js';
import { order } from './orders.schemas.js';

describe('orderFromSnapshot', () => {
  it('shows only the fields of an Order, whatever else a stored snapshot carries', () => {
    // A snapshot as another version of the code might have stored it: an item and an address with a field of their own.
    const stored = JSON.stringify({
      id: '06b4716c-e178-4692-b9ee-c3bdc89c3b4f',
      userId: '11111111-1111-4111-8111-111111111111',
      items: [{ sku: 'KEYBOARD', title: 'Keyboard', quantity: 2, unitPriceCents: 4_900, costCents: 3_100 }],
      totalCents: 9_800,
      currency: 'EUR',
      customerEmail: null,
      shippingAddress: { name: 'Ada', line1: '1 Main St', city: 'Paris', postalCode: '75001', country: 'FR', phone: '+33 1 00' },
      idempotencyKeyHash: 'a'.repeat(64),
      createdAt: '2026-12-03T10:00:00.000Z',
      expiresAt: '2026-12-03T10:15:00.000Z',
    });

    const shown = orderFromSnapshot(parseSnapshot(stored)!);

    // Encoded as it is by the place-order route: what JSON.stringify writes is what clients get.
    const sent = JSON.parse(JSON.stringify(shown));
    expect(sent).toEqual({
      id: '06b4716c-e178-4692-b9ee-c3bdc89c3b4f',
      status: 'PENDING',
      items: [{ sku: 'KEYBOARD', title: 'Keyboard', quantity: 2, unitPriceCents: 4_900 }],
      totalCents: 9_800,
      currency: 'EUR',
      shippingAddress: { name: 'Ada', line1: '1 Main St', city: 'Paris', postalCode: '75001', country: 'FR' },
      createdAt: '2026-12-03T10:00:00.000Z',
      expiresAt: '2026-12-03T10:15:00.000Z',
      history: [{ status: 'PENDING', at: '2026-12-03T10:00:00.000Z', actor: 'customer' }],
    });
    expect(order.strict().safeParse(sent).success).toBe(true);
  });
});
