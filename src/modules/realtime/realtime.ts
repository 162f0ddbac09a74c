import type { Actor } from '../../db/schema.js';
import type { Cart } from '../carts/carts.schemas.js';

/** An order's status change, as its owner's sockets receive it. */
export interface OrderUpdate {
  orderId: string;
  status: string;
  /** ISO 8601. */
  at: string;
  actor: Actor;
  reason?: string;
}

/** A SKU's reservable units, as the sockets watching it receive them. */
export interface StockUpdate {
  sku: string;
  available: number;
}

/** A product's price, title or currency changed, or it left the catalog: watchers read it again. */
export interface ProductUpdate {
  sku: string;
  change: 'changed' | 'deleted';
}

/** What the server sends to clients, by event name (API.md, Real time). */
export interface ServerEvents {
  'cart:update': Cart;
  'order:update': OrderUpdate;
  'stock:update': StockUpdate;
  'product:update': ProductUpdate;
}
export type ServerEventName = keyof ServerEvents;

/**
 * Pushes events to clients' sockets on every API instance, from any process. Services depend on
 * this port, never on Socket.IO. Delivery is best effort: an event that cannot be sent is logged
 * and dropped, and clients get the current state again when they reconnect.
 */
export interface Realtime {
  /** To every socket of one user (the room `user:{id}`). */
  emitToUser<E extends ServerEventName>(userId: string, event: E, payload: ServerEvents[E]): void;
  /** To every socket watching a product (the room `product:{sku}`). */
  emitToProduct<E extends ServerEventName>(sku: string, event: E, payload: ServerEvents[E]): void;
}

export const userRoom = (userId: string) => `user:${userId}`;
export const productRoom = (sku: string) => `product:${sku}`;

/**
 * How events travel between processes on Redis, the same for the adapter and the emitter: JSON
 * rather than the default MessagePack, which V8 encodes natively and several times faster. No event
 * carries binary data.
 */
export const channelParser = {
  encode: (message: unknown) => JSON.stringify(message),
  decode: (message: Buffer | string) => JSON.parse(String(message)) as unknown,
};
