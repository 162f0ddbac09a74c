import type { Cart, Order, OrderStatus } from '../api/client';

/**
 * The Socket.IO events of API.md ("Real time"). They are not in the OpenAPI document, so they are
 * typed here by hand, from the contract.
 */

export interface OrderUpdate {
  orderId: string;
  status: OrderStatus;
  /** ISO 8601: the history entry's. */
  at: string;
  /** Who made the change: the history entry's. */
  actor: Order['history'][number]['actor'];
  reason?: string;
}

export interface StockUpdate {
  sku: string;
  available: number;
}

/** A product's price, title or currency changed, or it left the catalog. */
export interface ProductUpdate {
  sku: string;
  change: 'changed' | 'deleted';
}

export interface ServerToClientEvents {
  'cart:update': (cart: Cart) => void;
  'order:update': (update: OrderUpdate) => void;
  'stock:update': (update: StockUpdate) => void;
  'product:update': (update: ProductUpdate) => void;
}

export interface ClientToServerEvents {
  'product:watch': (request: { sku: string }) => void;
  'product:unwatch': (request: { sku: string }) => void;
}
