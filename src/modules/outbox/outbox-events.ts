import type { Actor, OrderStatus } from '../../db/schema.js';

/**
 * What the outbox carries: facts a transaction committed, written in that transaction, for whoever
 * acts on them afterwards (mail, fulfilment, the RabbitMQ feed). An event says what happened, not what
 * to do about it; each consumer decides that.
 */
export interface OutboxPayloads {
  /** An accepted order reached Postgres holding its stock. */
  'order.placed': Record<string, never>;
  /** An order changed status (OrderTransitions). `at` is when the change committed, ISO 8601. */
  'order.status-changed': { from: OrderStatus; to: OrderStatus; reason: string | null; actor: Actor; at: string };
  /**
   * A payment's money must go back (payments.refund_status became 'due'): it arrived for an order that
   * had already ended (`late-payment`; events written before `cause` existed are all of this kind), or
   * its order was confirmed and then could not be fulfilled (`fulfilment-failed`), or an admin failed
   * the paid order (`failed-by-admin`).
   */
  'payment.refund-due': {
    paymentId: string;
    amountCents: number;
    currency: string;
    orderStatus: 'EXPIRED' | 'CANCELLED' | 'FAILED';
    cause?: 'late-payment' | 'fulfilment-failed' | 'failed-by-admin';
  };
  /**
   * A SKU's availability moved: what the ledger can still promise (`on_hand + vendor_on_hand -
   * reserved`) as the transaction that moved it left it. One per SKU per transaction, written under
   * the SKU's ledger row lock, so a SKU's events are in id order.
   */
  'stock.changed': { sku: string; available: number };
  /**
   * A vendor recount took a SKU's availability down to its product's low-stock threshold or under
   * it, and raised the SKU's alert (low_stock_alerts): once until the SKU is above its threshold
   * again (clearOfLowStock). A sale's alert is told by its confirmation's `order.status-changed` instead
   * (LowStockAlertsRepository).
   */
  'inventory.low-stock': { sku: string; available: number; threshold: number };
  /**
   * A cart with lines was left untouched by its owner (who has an address) for the configured time:
   * once per owner's change. `lines` and `version` are the cart as it was left; `touchedAt` is the
   * owner's last change, ISO 8601.
   */
  'cart.abandoned': { userId: string; version: number; currency: string; lines: { sku: string; quantity: number }[]; touchedAt: string };
  /**
   * A provider said a payment succeeded that flashcart cannot match: a payment it does not know
   * (`unknown-payment`), one of another order (`order-mismatch`), or another amount or currency than
   * the payment's (`amount-mismatch`). Money may have been taken with no order to show for it, so an
   * admin looks; the order, if any, is left as it was. `orderRef` is the order id the event gave.
   */
  'payment.anomaly': {
    eventId: string;
    outcome: 'unknown-payment' | 'order-mismatch' | 'amount-mismatch';
    paymentId: string;
    orderRef: string;
    amountCents: number;
    currency: string;
  };
  /** A job used up its attempts and was recorded in failed_jobs. */
  'job.dead-lettered': { failedJobId: number; queue: string; name: string; jobId: string | null; reason: string; attempts: number; failedAt: string };
}

export type OutboxEventType = keyof OutboxPayloads;

/** An event to append, with the order it concerns (null for events about no order). */
export type NewOutboxEvent = {
  [T in OutboxEventType]: { type: T; orderId: string | null; payload: OutboxPayloads[T] };
}[OutboxEventType];

/** An event as stored: its id orders it among all others. */
export type OutboxRecord = NewOutboxEvent & { id: number; createdAt: string };

/** The event of a SKU whose availability a transaction moved. */
export const stockChanged = (sku: string, available: number): NewOutboxEvent => ({
  type: 'stock.changed',
  orderId: null,
  payload: { sku, available },
});
