import type { OrderStatus } from '../../db/schema.js';

export interface OrderItem {
  sku: string;
  title: string;
  quantity: number;
  unitPriceCents: number;
}

export interface ShippingAddress {
  name: string;
  line1: string;
  line2?: string | undefined;
  city: string;
  postalCode: string;
  country: string;
}

/**
 * An accepted order as the API knows it before Postgres does: stored with the Redis reservation and
 * idempotency record, and carried by the persist job.
 */
export interface OrderSnapshot {
  id: string;
  userId: string;
  items: OrderItem[];
  totalCents: number;
  currency: string;
  customerEmail: string | null;
  shippingAddress: ShippingAddress | null;
  idempotencyKeyHash: string;
  createdAt: string;
  expiresAt: string;
}

export interface OrderHistoryEntry {
  status: OrderStatus;
  at: string;
  reason?: string;
}

/** An order as every endpoint shows it. */
export interface Order {
  id: string;
  status: OrderStatus;
  items: OrderItem[];
  totalCents: number;
  currency: string;
  customerEmail?: string;
  shippingAddress?: ShippingAddress;
  createdAt: string;
  expiresAt: string;
  history: OrderHistoryEntry[];
}

/** The order a reservation holds (see StockStore.readReservation), or null. */
export const parseSnapshot = (stored: string | null): OrderSnapshot | null => (stored === null ? null : (JSON.parse(stored) as OrderSnapshot));

/**
 * Whether a reservation's snapshot is the one a stored order was made from. It is not when Redis
 * forgot the Idempotency-Key and the same key reserved again under the same derived order id.
 */
export const isSnapshotOf = (snapshot: OrderSnapshot, storedCreatedAt: Date) => snapshot.createdAt === storedCreatedAt.toISOString();

export const orderFromSnapshot = (snapshot: OrderSnapshot): Order => ({
  id: snapshot.id,
  status: 'PENDING',
  items: snapshot.items,
  totalCents: snapshot.totalCents,
  currency: snapshot.currency,
  ...(snapshot.customerEmail ? { customerEmail: snapshot.customerEmail } : {}),
  ...(snapshot.shippingAddress ? { shippingAddress: snapshot.shippingAddress } : {}),
  createdAt: snapshot.createdAt,
  expiresAt: snapshot.expiresAt,
  history: [{ status: 'PENDING', at: snapshot.createdAt }],
});
