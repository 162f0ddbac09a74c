import { z } from 'zod';
import { type Order, orderItem, type ShippingAddress, shippingAddress } from './orders.schemas.js';

/**
 * An accepted order as the API knows it before Postgres does: stored with the Redis reservation and
 * the idempotency record, and carried to the persist workers by the persist stream.
 */
export const orderSnapshot = z.object({
  id: z.uuid(),
  userId: z.uuid(),
  items: z.array(orderItem),
  totalCents: z.number().int(),
  currency: z.string(),
  customerEmail: z.string().nullable(),
  shippingAddress: shippingAddress.nullable(),
  /** SHA-256 of the Idempotency-Key; Postgres never stores the key itself. */
  idempotencyKeyHash: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
});
export type OrderSnapshot = z.infer<typeof orderSnapshot>;

/**
 * The order a reservation or stream entry holds, or null. Not validated: flashcart wrote it, and
 * the persist workers read thousands a second.
 */
export const parseSnapshot = (stored: string | null | undefined): OrderSnapshot | null =>
  stored === null || stored === undefined ? null : (JSON.parse(stored) as OrderSnapshot);

/**
 * Whether a reservation's snapshot is the one a stored order was made from. It is not when Redis
 * forgot the Idempotency-Key and the same key reserved again under the same derived order id.
 */
export const isSnapshotOf = (snapshot: OrderSnapshot, storedCreatedAt: Date) => snapshot.createdAt === storedCreatedAt.toISOString();

/**
 * A shipping address field by field, as `orderFromSnapshot` shows it and an order keeps it: an
 * empty postal code (given where the country uses none) is no postal code.
 */
export const addressShown = ({ name, line1, line2, city, region, postalCode, country }: ShippingAddress): ShippingAddress => ({
  name,
  line1,
  ...(line2 === undefined ? {} : { line2 }),
  city,
  ...(region === undefined ? {} : { region }),
  // None, or none given where the country uses none: not shown as an empty one.
  ...(postalCode ? { postalCode } : {}),
  country,
});

/** The order a snapshot describes, as every endpoint shows an order: PENDING, with its first history entry. */
export const orderFromSnapshot = (snapshot: OrderSnapshot): Order => ({
  id: snapshot.id,
  status: 'PENDING',
  // Field by field: the place-order route encodes this as it is (no schema strips it), and a replay's
  // snapshot was stored by whichever version of the code reserved it.
  items: snapshot.items.map(({ sku, title, quantity, unitPriceCents }) => ({ sku, title, quantity, unitPriceCents })),
  totalCents: snapshot.totalCents,
  currency: snapshot.currency,
  ...(snapshot.customerEmail ? { customerEmail: snapshot.customerEmail } : {}),
  ...(snapshot.shippingAddress ? { shippingAddress: addressShown(snapshot.shippingAddress) } : {}),
  createdAt: snapshot.createdAt,
  expiresAt: snapshot.expiresAt,
  history: [{ status: 'PENDING', at: snapshot.createdAt, actor: 'customer' }],
});
