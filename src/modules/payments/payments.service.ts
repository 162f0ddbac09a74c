import type { Logger } from 'pino';
import type { InTransaction } from '../../db/database.js';
import { invalidState, notFound } from '../../lib/errors.js';
import type { StockStore } from '../../redis/stock-store.js';
import type { AuthUser } from '../auth/auth.types.js';
import type { OrderLifecycle } from '../orders/lifecycle/order-lifecycle.js';
import type { OrderQueries } from '../orders/order-queries.js';
import type { OrdersRepository } from '../orders/orders.repository.js';
import type { PaymentProvider } from './payment-provider.js';
import type { PaymentsRepository } from './payments.repository.js';
import type { StartedPayment } from './payments.schemas.js';

export interface PaymentsServiceDeps {
  inTransaction: InTransaction;
  provider: PaymentProvider;
  /** The provider's name in payments and payment_events. */
  providerName: string;
  repository: Pick<PaymentsRepository, 'find' | 'insert'>;
  orders: Pick<OrdersRepository, 'findState' | 'lockPayable' | 'extendExpiry'>;
  queries: Pick<OrderQueries, 'get'>;
  lifecycle: Pick<OrderLifecycle, 'ensurePersisted'>;
  stock: Pick<StockStore, 'extendReservation'>;
  /** PAYMENT_HOLD_EXTENSION_SECONDS. */
  holdExtensionSeconds: number;
  /** The shop's page of an order, where the provider sends the buyer back; undefined while the shop's address is unknown. */
  orderPageUrl: (orderId: string) => string | undefined;
  logger: Logger;
  now?: () => Date;
}

const started = (payment: { providerPaymentId: string; checkoutUrl: string }): StartedPayment => ({
  paymentId: payment.providerPaymentId,
  checkoutUrl: payment.checkoutUrl,
});

/** Taking payment for an order: one payment per order, with the provider and in Postgres. */
export class PaymentsService {
  constructor(private readonly deps: PaymentsServiceDeps) {}

  /**
   * Starts (or finds) the payment of the caller's PENDING order. The first start holds the order's
   * stock `holdExtensionSeconds` longer, in Postgres and in the Redis expiry index, so a buyer who
   * starts paying near the end of the hold keeps the items. Another user's order is NOT_FOUND; an
   * order no longer PENDING, or past its expiry, is INVALID_STATE; a provider that cannot be reached
   * is UNAVAILABLE (503), and nothing is recorded.
   */
  async start(user: AuthUser, orderId: string): Promise<StartedPayment> {
    const { repository, orders, provider, logger } = this.deps;
    const order = await this.deps.queries.get(user, orderId);
    await this.deps.lifecycle.ensurePersisted(orderId);
    const state = await orders.findState(orderId);
    if (!state || state.userId !== user.id) throw notFound('order', { orderId });
    if (state.status !== 'PENDING') throw this.notPayable(orderId, state.status);

    const existing = await repository.find(orderId);
    if (existing) return started(existing);
    if (new Date(order.expiresAt) <= this.now()) throw this.expired(orderId, order.expiresAt);

    // The provider keeps one payment per order, so a call repeated after a failure below finds the same one.
    const returnUrl = this.deps.orderPageUrl(orderId);
    const created = await provider.createPayment({
      orderId,
      amountCents: order.totalCents,
      currency: order.currency,
      description: `flashcart order ${orderId}`,
      ...(returnUrl ? { returnUrl } : {}),
    });
    const result = await this.deps.inTransaction(async (tx) => {
      const payable = await orders.lockPayable(tx, orderId);
      if (!payable) throw notFound('order', { orderId });
      if (payable.status !== 'PENDING') throw this.notPayable(orderId, payable.status);
      const inserted = await repository.insert(tx, {
        orderId,
        provider: this.deps.providerName,
        providerPaymentId: created.paymentId,
        amountCents: payable.totalCents,
        currency: payable.currency,
        checkoutUrl: created.checkoutUrl,
      });
      if (!inserted) return { payment: (await repository.find(orderId, tx))!, extendedTo: undefined };
      if (payable.expiresAt <= this.now()) throw this.expired(orderId, payable.expiresAt.toISOString());
      const extendedTo = await orders.extendExpiry(tx, orderId, this.deps.holdExtensionSeconds);
      return { payment: inserted, extendedTo };
    });
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

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  private notPayable(orderId: string, status: string) {
    return invalidState(`order ${orderId} is ${status}; only a PENDING order can be paid`, { status });
  }

  private expired(orderId: string, expiresAt: string) {
    return invalidState(`order ${orderId} expired at ${expiresAt}; it can no longer be paid`, { status: 'PENDING', expiresAt });
  }
}
