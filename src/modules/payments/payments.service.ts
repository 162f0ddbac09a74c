import type { Logger } from 'pino';
import { type Coalescer, coalescedLookups } from '../../lib/coalescer.js';
import { invalidState, notFound } from '../../lib/errors.js';
import type { StockStore } from '../../redis/stock-store.js';
import type { AuthUser } from '../auth/auth.types.js';
import type { OrderOwners } from '../orders/order-owners.js';
import { parseSnapshot } from '../orders/order-snapshot.js';
import type { OrderPersister } from '../orders/persistence/order-persister.js';
import type { PaymentProvider } from './payment-provider.js';
import type { PayableOrder, PaymentsRepository } from './payments.repository.js';
import type { StartedPayment } from './payments.schemas.js';

export interface PaymentsServiceDeps {
  provider: PaymentProvider;
  /** The provider's name in payments and payment_events. */
  providerName: string;
  repository: Pick<PaymentsRepository, 'findPayable' | 'start' | 'find'>;
  stock: Pick<StockStore, 'readReservation' | 'extendReservation'>;
  persister: Pick<OrderPersister, 'persist'>;
  /** Whose orders a caller may pay: their own, and those of the guest sessions their account adopted. */
  owners: Pick<OrderOwners, 'owns'>;
  /** PAYMENT_HOLD_EXTENSION_SECONDS. */
  holdExtensionSeconds: number;
  /** The shop's page of an order, where the provider sends the buyer back; undefined while the shop's address is unknown. */
  orderPageUrl: (orderId: string) => string | undefined;
  logger: Logger;
  now?: () => Date;
}

/** Most orders one look-up carries. */
const MAX_LOOKUP_BATCH = 100;

const started = (payment: { providerPaymentId: string; checkoutUrl: string }): StartedPayment => ({
  paymentId: payment.providerPaymentId,
  checkoutUrl: payment.checkoutUrl,
});

/** Taking payment for an order: one payment per order, with the provider and in Postgres. */
export class PaymentsService {
  /**
   * The orders looked up in one event-loop turn, in one query: a flash sale's winners start paying
   * together.
   */
  private readonly payables: Coalescer<string, PayableOrder | undefined>;

  constructor(private readonly deps: PaymentsServiceDeps) {
    this.payables = coalescedLookups((orderIds) => deps.repository.findPayable(orderIds), { maxBatch: MAX_LOOKUP_BATCH, maxInFlight: 2 });
  }

  /**
   * Starts (or finds) the payment of the caller's PENDING order. The first start holds the order's
   * stock `holdExtensionSeconds` longer, in Postgres and in the Redis expiry index, so a buyer who
   * starts paying near the end of the hold keeps the items. Another user's order is NOT_FOUND; an
   * order no longer PENDING, past its expiry, or costing nothing, is INVALID_STATE; a provider that cannot be reached
   * is UNAVAILABLE (503), and nothing is recorded.
   *
   * Two Postgres round trips when the order is stored: the order with its payment (read together
   * with the other starts of the same turn), then one statement that records the payment and moves
   * the expiry.
   */
  async start(user: AuthUser, orderId: string): Promise<StartedPayment> {
    const { repository, provider, logger } = this.deps;
    const order = await this.payableOrder(user, orderId);
    if (order.status !== 'PENDING') throw this.notPayable(orderId, order.status);
    if (order.payment) return started(order.payment);
    if (order.expiresAt <= this.now()) throw this.expired(orderId, order.expiresAt);
    // Products may be free; a provider takes no payment of nothing, and retrying would not change that.
    if (order.totalCents === 0) {
      throw invalidState(`order ${orderId} costs nothing: there is nothing to pay`, { status: order.status, totalCents: 0 });
    }

    // The provider keeps one payment per order, so a call repeated after a failure below finds the same one.
    const returnUrl = this.deps.orderPageUrl(orderId);
    const created = await provider.createPayment({
      orderId,
      amountCents: order.totalCents,
      currency: order.currency,
      description: `flashcart order ${orderId}`,
      ...(returnUrl ? { returnUrl } : {}),
    });
    const result = await repository.start(
      { orderId, provider: this.deps.providerName, providerPaymentId: created.paymentId, checkoutUrl: created.checkoutUrl },
      this.deps.holdExtensionSeconds,
      this.now(),
    );
    if (!result) throw notFound('order', { orderId });
    if (!result.payment) {
      if (result.status !== 'PENDING') throw this.notPayable(orderId, result.status);
      // Another start for the same order recorded its payment first: the provider gave both the same one.
      const existing = await repository.find(orderId);
      if (existing) return started(existing);
      throw this.expired(orderId, result.expiresAt);
    }
    if (result.extendedTo) {
      try {
        await this.deps.stock.extendReservation(orderId, result.extendedTo.getTime());
      } catch (error) {
        // Postgres decides expiry; the Redis index only schedules the sweeper's second pass, which
        // leaves a PENDING order's reservation alone whatever its score.
        logger.warn({ orderId, err: error }, 'reservation expiry not moved in Redis');
      }
    }
    return started(result.payment);
  }

  /**
   * The caller's order and its payment. An order accepted but not yet stored by the persist workers
   * is stored first (its owner checked on the reservation), so the payment has a row to guard.
   */
  private async payableOrder(user: AuthUser, orderId: string): Promise<PayableOrder> {
    let order = await this.payables.submit(orderId);
    if (!order) {
      const snapshot = parseSnapshot(await this.deps.stock.readReservation(orderId));
      if (!snapshot || !(await this.deps.owners.owns(user, snapshot.userId))) throw notFound('order', { orderId });
      await this.deps.persister.persist(snapshot);
      order = await this.payables.submit(orderId);
    }
    if (!order || !(await this.deps.owners.owns(user, order.userId))) throw notFound('order', { orderId });
    return order;
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  private notPayable(orderId: string, status: string) {
    return invalidState(`order ${orderId} is ${status}; only a PENDING order can be paid`, { status });
  }

  private expired(orderId: string, expiresAt: Date) {
    const at = expiresAt.toISOString();
    return invalidState(`order ${orderId} expired at ${at}; it can no longer be paid`, { status: 'PENDING', expiresAt: at });
  }
}
