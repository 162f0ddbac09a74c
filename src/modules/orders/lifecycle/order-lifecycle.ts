import type { Tx } from '../../../db/database.js';
import type { Actor, OrderStatus } from '../../../db/schema.js';
import { invalidState, notFound } from '../../../lib/errors.js';
import type { StockStore } from '../../../redis/stock-store.js';
import { type AuthUser, isAdmin } from '../../auth/auth.types.js';
import type { PaymentsRepository } from '../../payments/payments.repository.js';
import type { Refunds } from '../../payments/refunds.js';
import type { FulfilmentRepository } from '../../vendors/fulfilment.repository.js';
import type { OrderQueries } from '../order-queries.js';
import { parseSnapshot } from '../order-snapshot.js';
import type { OrdersRepository } from '../orders.repository.js';
import type { Order } from '../orders.schemas.js';
import type { OrderPersister } from '../persistence/order-persister.js';
import type { OrderTransitions } from './order-transitions.js';

export interface OrderLifecycleDeps {
  repository: Pick<OrdersRepository, 'findState'>;
  stock: Pick<StockStore, 'readReservation'>;
  persister: Pick<OrderPersister, 'persist'>;
  transitions: Pick<OrderTransitions, 'inTransaction'>;
  /** A paid order an admin fails owes its payment back. */
  refunds: Pick<Refunds, 'owe'>;
  /** An order whose payment is under way is not confirmed by an admin: the payment's outcome decides. */
  payments: Pick<PaymentsRepository, 'find'>;
  /** A confirmed order an admin fails or marks FULFILLED: its lines not yet placed will not be placed through flashcart. */
  fulfilment: Pick<FulfilmentRepository, 'settlePending'>;
  queries: Pick<OrderQueries, 'get'>;
}

/** What customers and admins do to an order after it was placed: cancel it, move it along the state machine. */
export class OrderLifecycle {
  constructor(private readonly deps: OrderLifecycleDeps) {}

  /**
   * The owner (or an admin, who reads every order) cancels a PENDING order; its stock goes back.
   * Anything else is 409 INVALID_STATE. The history names who did it: an admin's cancel recorded
   * as the customer's told the buyer they had cancelled an order they had not.
   */
  async cancel(user: AuthUser, orderId: string, reason?: string): Promise<Order> {
    await this.deps.queries.get(user, orderId);
    const byAdmin = isAdmin(user);
    await this.transition(orderId, 'CANCELLED', {
      from: 'PENDING',
      reason: reason ?? (byAdmin ? 'cancelled by an administrator' : 'cancelled by the customer'),
      actor: byAdmin ? 'admin' : 'customer',
    });
    return this.deps.queries.get(user, orderId);
  }

  /**
   * An admin moves an order along the state machine. Failing an order whose payment succeeded marks
   * that payment refund-due in the same transaction (API.md: "CONFIRMED → FAILED … refund
   * recorded"), as a failed fulfilment does; the buyer's order-failed mail then says so.
   */
  async setStatus(admin: AuthUser, orderId: string, status: OrderStatus, reason?: string): Promise<Order> {
    await this.transition(orderId, status, { reason: reason ?? 'changed by an administrator', actor: 'admin' });
    return this.deps.queries.get(admin, orderId);
  }

  private async transition(orderId: string, to: OrderStatus, options: { from?: OrderStatus; reason: string; actor: Actor }) {
    await this.ensurePersisted(orderId);
    const result = await this.deps.transitions.inTransaction(async (tx, stage) => {
      const [staged] = await stage([{ orderId, to, ...options }]);
      if (staged?.changed && options.actor === 'admin') await this.afterAdminChange(tx, orderId, to);
      return staged;
    });
    if (!result) throw notFound('order', { orderId });
    if (!result.changed) {
      throw invalidState(`order ${orderId} is ${result.status}; it cannot become ${to}`, { status: result.status });
    }
  }

  /**
   * What an admin's change takes along, in its transaction: a failed order owes its recorded
   * payment back, and a failed or fulfilled one will not have its pending vendor lines placed
   * through flashcart (given up, or counted as placed by hand). Confirming an order whose payment
   * is under way is refused (the change rolls back): should that payment then fail, the order would
   * be shipped unpaid, its buyer sent an invoice for a payment never received.
   */
  private async afterAdminChange(tx: Tx, orderId: string, to: OrderStatus): Promise<void> {
    if (to === 'CONFIRMED') {
      const payment = await this.deps.payments.find(orderId, tx);
      if (payment?.status === 'pending') {
        throw invalidState(
          `order ${orderId} is being paid (${payment.providerPaymentId}): its payment's outcome confirms or releases it; cancel it instead`,
          {
            status: 'PENDING',
            paymentId: payment.providerPaymentId,
          },
        );
      }
    }
    if (to === 'FAILED') {
      await this.deps.refunds.owe(tx, [{ orderId, orderStatus: 'FAILED', cause: 'failed-by-admin' }], { paidOnly: true });
      await this.deps.fulfilment.settlePending(tx, orderId, 'failed');
    }
    if (to === 'FULFILLED') await this.deps.fulfilment.settlePending(tx, orderId, 'placed');
  }

  /**
   * Writes an order the persist workers have not reached yet, so a transition (or a payment) has a
   * row to guard. NOT_FOUND when the order is neither stored nor reserved. Without a reservation it
   * is looked for in Postgres again: between the two look-ups a worker may have stored it and
   * another request ended it (its reservation gone), and it is there now.
   */
  async ensurePersisted(orderId: string): Promise<void> {
    const { repository, stock } = this.deps;
    if (await repository.findState(orderId)) return;
    const snapshot = parseSnapshot(await stock.readReservation(orderId));
    if (!snapshot && (await repository.findState(orderId))) return;
    if (!snapshot) throw notFound('order', { orderId });
    await this.deps.persister.persist(snapshot);
  }
}
