/**
 * Builds every Redis key flashcart uses. Keys one Lua script touches together share a hash tag
 * (`{stock}` for stock, `{cart}` for carts), so the scripts stay legal on Redis Cluster (see
 * docs/SCALING.md for splitting them).
 */
export class RedisKeys {
  constructor(readonly prefix: string) {}

  /** Units a buyer may still reserve for a SKU. */
  gate(sku: string): string {
    return `${this.prefix}:{stock}:gate:${sku}`;
  }

  /** Marks an admin gate move as applied, so a repeat of it is a no-op. */
  gateOperation(operationId: string): string {
    return `${this.prefix}:{stock}:gate-op:${operationId}`;
  }

  /** SKUs whose last vendor recount left units to take once reservations end (set). */
  deferredRecounts(): string {
    return `${this.prefix}:{stock}:recount-deferred`;
  }

  reservation(orderId: string): string {
    return `${this.prefix}:{stock}:res:${orderId}`;
  }

  /**
   * Stream of accepted orders not yet stored in Postgres: appended by the script that reserves, read
   * by the persist workers' consumer group, and each entry deleted once its order is stored.
   */
  persistStream(): string {
    return `${this.prefix}:{stock}:persist`;
  }

  /** Sorted set of order ids scored by their reservation's expiresAt (ms). */
  expiryIndex(): string {
    return `${this.prefix}:{stock}:expiry`;
  }

  /**
   * By the SHA-256 (hex) of the caller's Idempotency-Key, not the key itself: a key may hold any
   * printable character (spaces, braces), and a hash keeps Redis keys short and the `{stock}` slot fixed.
   */
  idempotency(userId: string, idempotencyKeyHash: string): string {
    return `${this.prefix}:{stock}:idem:${userId}:${idempotencyKeyHash}`;
  }

  /** The lease of an order line being handed to a vendor (LineLeases). */
  lineLease(lineId: string): string {
    return `${this.prefix}:line-lease:${lineId}`;
  }

  /** Namespace of the rate limiter's counters. */
  rateLimitNamespace(): string {
    return `${this.prefix}:rl:`;
  }

  /** Pub/sub channel announcing catalog changes to every API instance's product cache. */
  catalogChannel(): string {
    return `${this.prefix}:catalog-changed`;
  }

  /** Capped list of the mail the built-in SMTP sink received, newest first. */
  mailbox(): string {
    return `${this.prefix}:mailbox`;
  }

  /**
   * List of dead letters waiting to be recorded in Postgres (newest first): a job that dies while
   * Postgres is down is parked here and recorded once Postgres answers.
   */
  deadLetters(): string {
    return `${this.prefix}:dead-letters`;
  }

  /**
   * A live cart, one per user (guests included): a hash of `version`, `updatedAt` (ms), `currency`,
   * one `q:<sku>` field per line (its quantity) and one `n:<sku>` field per notice (JSON).
   */
  cart(userId: string): string {
    return `${this.prefix}:{cart}:cart:${userId}`;
  }

  /** What SCAN matches to find every live cart; the user id follows it. */
  cartPattern(): string {
    return `${this.prefix}:{cart}:cart:*`;
  }

  /** Set of the user ids whose cart changed since its last snapshot in Postgres. */
  dirtyCarts(): string {
    return `${this.prefix}:{cart}:dirty`;
  }

  /**
   * Set of the user ids whose cart holds (or held: it is pruned lazily) a SKU, so a catalog change
   * reaches every cart holding it.
   */
  cartsHolding(sku: string): string {
    return `${this.prefix}:{cart}:holding:${sku}`;
  }

  /** Set of the SKUs some cart ever held, whose stock the sold-out watch follows (bounded by the catalog). */
  cartSkus(): string {
    return `${this.prefix}:{cart}:skus`;
  }

  /** Set of the cart SKUs last seen sold out, so the watch tells carts once per change. */
  cartSkusSoldOut(): string {
    return `${this.prefix}:{cart}:sold-out`;
  }

  /**
   * A user's connected sockets (hash: socket id -> API instance), kept by the socket gateway with a
   * TTL it refreshes, so a cart change is pushed only to owners with a socket somewhere.
   */
  onlineSockets(userId: string): string {
    return `${this.prefix}:{cart}:online:${userId}`;
  }

  /**
   * The account that adopted a guest session's orders (guest_adoptions, kept here too): their
   * `order:update`s go to its sockets. No TTL: a guest is adopted once, and for good.
   */
  adoptedBy(guestId: string): string {
    return `${this.prefix}:{cart}:adopted-by:${guestId}`;
  }

  /** Which checkout (Idempotency-Key hash) holds which version of a cart (claimCheckout-2.lua). */
  cartCheckout(userId: string): string {
    return `${this.prefix}:{cart}:checkout:${userId}`;
  }

  /** Marks an order's lines as taken out of its cart, so a replay takes them once. */
  cartOrderTaken(orderId: string): string {
    return `${this.prefix}:{cart}:taken:${orderId}`;
  }

  /** Prefix of the Socket.IO adapter's and emitter's pub/sub channels. */
  socketIo(): string {
    return `${this.prefix}:socket.io`;
  }

  /**
   * Written by the workers once the job schedulers are in Redis: a worker that finds it gone knows
   * Redis lost them (it came back empty) and puts them back (WorkerHost).
   */
  jobSchedules(): string {
    return `${this.prefix}:job-schedules`;
  }

  /** BullMQ's own prefix for every queue. */
  bullPrefix(): string {
    return `${this.prefix}:bull`;
  }
}
