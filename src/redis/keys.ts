/**
 * Builds every Redis key flashcart uses. Keys one Lua script touches together share the `{stock}`
 * hash tag, so the scripts stay legal on Redis Cluster (see docs/SCALING.md for splitting it).
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

  /** BullMQ's own prefix for every queue. */
  bullPrefix(): string {
    return `${this.prefix}:bull`;
  }
}
