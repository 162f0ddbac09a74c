import type { Tx } from '../../db/database.js';
import type { OutboxRepository } from '../outbox/outbox.repository.js';
import type { NewOutboxEvent, OutboxPayloads } from '../outbox/outbox-events.js';
import type { PaymentsRepository } from './payments.repository.js';

type RefundDuePayload = OutboxPayloads['payment.refund-due'];

/** An order whose payment's money must go back, and why. */
export interface RefundClaim {
  orderId: string;
  /** What the order is now. */
  orderStatus: RefundDuePayload['orderStatus'];
  cause: NonNullable<RefundDuePayload['cause']>;
}

export interface RefundsDeps {
  repository: Pick<PaymentsRepository, 'markRefundDue'>;
  outbox: Pick<OutboxRepository, 'append'>;
}

/**
 * The one way a refund becomes owed. `payments.refund_status = 'due'` is the record of money to give
 * back, whatever made it so (a payment after its order ended, an order fulfilment could not
 * complete); each is marked once, with a `payment.refund-due` outbox event in the same transaction.
 */
export class Refunds {
  constructor(private readonly deps: RefundsDeps) {}

  /**
   * Marks the claims' payments refund-due inside the caller's transaction; returns the order ids
   * marked now (a payment already marked is left as it is, and no second event is written).
   * `paidOnly`: only payments the provider has confirmed; a payment still pending owes nothing yet
   * (should it succeed later, its webhook finds the order ended and marks it then).
   */
  async owe(tx: Tx, claims: readonly RefundClaim[], options: { paidOnly: boolean }): Promise<Set<string>> {
    const marked = await this.deps.repository.markRefundDue(
      tx,
      claims.map((claim) => claim.orderId),
      options,
    );
    const events = claims.flatMap((claim): NewOutboxEvent[] => {
      const payment = marked.get(claim.orderId);
      if (!payment) return [];
      marked.delete(claim.orderId);
      const { providerPaymentId: paymentId, amountCents, currency } = payment;
      return [
        {
          type: 'payment.refund-due',
          orderId: claim.orderId,
          payload: { paymentId, amountCents, currency, orderStatus: claim.orderStatus, cause: claim.cause },
        },
      ];
    });
    await this.deps.outbox.append(tx, events);
    return new Set(events.map((event) => event.orderId!));
  }
}
